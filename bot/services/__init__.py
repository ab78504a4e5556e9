"""Business logic as plain functions and classes: no Telegram types in here."""
