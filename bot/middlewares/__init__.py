"""Cross-cutting work around every update: DB session, the stored user, their language,
incoming flood control; and the ticket an operator's group message is about."""

from .database import DatabaseMiddleware
from .flood import FloodMiddleware
from .locale import UserLocaleMiddleware
from .user import UserMiddleware

__all__ = ["DatabaseMiddleware", "FloodMiddleware", "UserLocaleMiddleware", "UserMiddleware"]
