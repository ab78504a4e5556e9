"""Cross-cutting work around every update: DB session, the user's language, flood control."""

from .database import DatabaseMiddleware
from .flood import FloodMiddleware
from .locale import UserLocaleMiddleware

__all__ = ["DatabaseMiddleware", "FloodMiddleware", "UserLocaleMiddleware"]
