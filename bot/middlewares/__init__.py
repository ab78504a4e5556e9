"""Cross-cutting work around every update: a voter's message judged (flood) and matched, DB
session, the stored user, their language, acting on a flood; and the ticket an operator's group
message is about."""

from .database import DatabaseMiddleware
from .flood import FloodMiddleware
from .intake import IntakeMiddleware
from .locale import UserLocaleMiddleware
from .metrics import MetricsMiddleware
from .user import UserMiddleware

__all__ = [
    "DatabaseMiddleware",
    "FloodMiddleware",
    "IntakeMiddleware",
    "MetricsMiddleware",
    "UserLocaleMiddleware",
    "UserMiddleware",
]
