"""Cross-cutting work around every update: a voter's question matched, DB session, the stored
user, their language, incoming flood control; and the ticket an operator's group message is
about."""

from .database import DatabaseMiddleware
from .flood import FloodMiddleware
from .locale import UserLocaleMiddleware
from .match import MatchMiddleware
from .user import UserMiddleware

__all__ = [
    "DatabaseMiddleware",
    "FloodMiddleware",
    "MatchMiddleware",
    "UserLocaleMiddleware",
    "UserMiddleware",
]
