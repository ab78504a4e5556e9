"""The operator desk: tickets (their states and who owns them), their cards, and what is said
to voters and operators about them."""

from .desk import Desk, OperatorsGroup

__all__ = ["Desk", "OperatorsGroup"]
