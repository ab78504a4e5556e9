"""Filters shared by the routers: who sent a message, and whether someone wrote it."""

from .senders import WRITTEN_CONTENT, Sender, WrittenMessage, sender_of

__all__ = ["WRITTEN_CONTENT", "Sender", "WrittenMessage", "sender_of"]
