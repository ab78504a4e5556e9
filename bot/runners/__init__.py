"""Ways to serve the one dispatcher: Telegram long polling, or the offline console."""
