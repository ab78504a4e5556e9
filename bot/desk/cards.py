"""The desk's callback data. Callback data is untrusted input: handlers re-check it."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class DeskAction(CallbackData, prefix="desk"):
    """A button on a ticket card in the operators' group."""

    action: str  # take / close / ban / reopen
    ticket_id: int


class CloseMyTicket(CallbackData, prefix="mytk"):
    ticket_id: int
