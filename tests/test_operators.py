"""Only operators act in the operators' group: who counts as one (a unit test per case), and
end to end, what an outsider, a removed member, a channel or an anonymous administrator can do
to a ticket through the fake Bot API server."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import GetChatMember
from aiogram.types import CallbackQuery, ChatMember, Message
from aiogram.types.chat_member_union import ChatMemberUnion
from pydantic import TypeAdapter
from sqlalchemy import select

from bot.db.models import Ban, Ticket
from bot.desk.cards import DeskAction
from bot.desk.operators import Operator, OperatorRoster, is_member
from bot.middlewares.operator import operator_of
from bot.offline.api import OfflineBotApi
from tests.conftest import OPERATORS, buttons, eventually
from tests.desk_helpers import GROUP, ask_operator, card_of, operator_says
from tests.test_e2e_desk import db, press_in_group

UNKNOWN_RU = "Какая погода будет завтра в Астане?"
CHANNEL = {"id": -1009999, "type": "channel", "title": "Some channel"}
ANONYMOUS_ADMIN = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}


# --- who is an operator, case by case -------------------------------------------------------
class _Telegram:
    """Answers getChatMember the way the offline Bot API does, counting the calls."""

    def __init__(self) -> None:
        self.api = OfflineBotApi()
        self.asked = 0
        self.down = False

    async def get_chat_member(self, chat_id: int, user_id: int) -> ChatMember:
        self.asked += 1
        if self.down:
            raise TelegramNetworkError(GetChatMember(chat_id=chat_id, user_id=user_id), "down")
        return _member(self.api._get_chat_member({"chat_id": chat_id, "user_id": user_id}))


def _member(raw: dict[str, Any]) -> ChatMember:
    return TypeAdapter(ChatMemberUnion).validate_python(raw)


def _status(telegram: _Telegram, user_id: int, status: str) -> None:
    telegram.api.statuses.setdefault(OPERATORS, {})[user_id] = status


@pytest.mark.parametrize(
    ("status", "admin", "member"),
    [
        (None, False, True),  # a plain member
        (None, True, True),  # an administrator
        ("restricted", False, True),  # restricted, still in the group
        ("restricted_out", False, False),  # restricted and not in the group
        ("left", False, False),
        ("kicked", False, False),
    ],
)
async def test_membership_by_status(status, admin, member):
    telegram = _Telegram()
    if status:
        _status(telegram, 7, status)
    if admin:
        telegram.api.admins[OPERATORS] = {7}
    assert is_member(await telegram.get_chat_member(OPERATORS, 7)) is member
    assert await OperatorRoster(OPERATORS).is_operator(telegram, 7) is member


async def test_membership_is_kept_for_a_minute_and_a_chat_member_update_changes_it_at_once():
    telegram, now = _Telegram(), [0.0]
    roster = OperatorRoster(OPERATORS, cache_seconds=60, clock=lambda: now[0])
    assert await roster.is_operator(telegram, 7) is True
    _status(telegram, 7, "kicked")
    now[0] = 59.0
    assert await roster.is_operator(telegram, 7) is True  # still the cached answer
    now[0] = 61.0
    assert await roster.is_operator(telegram, 7) is False  # asked again
    assert telegram.asked == 2
    roster.learn(
        _member({"status": "member", "user": {"id": 7, "is_bot": False, "first_name": "A"}})
    )
    assert await roster.is_operator(telegram, 7) is True and telegram.asked == 2


async def test_when_telegram_cannot_say_the_roster_does_not_guess():
    telegram = _Telegram()
    telegram.down = True
    with pytest.raises(TelegramNetworkError):
        await OperatorRoster(OPERATORS).is_operator(telegram, 7)


def _group_message(**fields: Any) -> Message:
    return Message.model_validate(
        {"message_id": 5, "date": 0, "chat": GROUP, "text": "x", **fields}
    )


async def test_who_acts_behind_a_message_or_a_press():
    telegram = _Telegram()
    roster = OperatorRoster(OPERATORS)
    person = {"id": 7, "is_bot": False, "first_name": "Aliya", "last_name": "S"}
    assert await operator_of(_group_message(**{"from": person}), roster, telegram) == Operator(
        7, "Aliya S"
    )
    anonymous = _group_message(**{"from": ANONYMOUS_ADMIN, "sender_chat": GROUP})
    assert await operator_of(anonymous, roster, telegram) == Operator(OPERATORS, "Operators")
    signed = _group_message(
        **{"from": ANONYMOUS_ADMIN, "sender_chat": GROUP, "author_signature": "Chief"}
    )
    assert await operator_of(signed, roster, telegram) == Operator(OPERATORS, "Chief")
    channel = _group_message(**{"from": CHANNEL_BOT, "sender_chat": CHANNEL})
    assert await operator_of(channel, roster, telegram) is None
    assert await operator_of(_group_message(), roster, telegram) is None  # no sender at all
    other_bot = {"id": 99, "is_bot": True, "first_name": "Spam bot"}
    assert await operator_of(_group_message(**{"from": other_bot}), roster, telegram) is None
    assert telegram.asked == 1  # only the person was asked about
    _status(telegram, 8, "left")
    press = CallbackQuery.model_validate(
        {
            "id": "1",
            "from": {"id": 8, "is_bot": False, "first_name": "Outsider"},
            "chat_instance": "1",
            "data": "x",
        }
    )
    assert await operator_of(press, roster, telegram) is None


# --- end to end -----------------------------------------------------------------------------
OUTSIDER = 7100


async def _ticket(harness) -> dict:
    """Voter 520 asks for an operator; the ticket's card."""
    await ask_operator(harness, harness.user(520, language_code="ru"), UNKNOWN_RU)
    return await card_of(harness, 1)


async def _status_of_ticket(harness) -> str:
    (ticket,) = await db(harness, select(Ticket))
    return ticket.status


def _sent_to(harness, chat_id: int, after: int) -> list[str]:
    return [
        m
        for m, p in harness.server.calls[after:]
        if m in ("sendMessage", "copyMessage") and p.get("chat_id") == chat_id
    ]


async def test_a_removed_members_reply_and_ban_reach_nobody(harness):
    card = await _ticket(harness)
    harness.server.api.statuses[OPERATORS] = {OUTSIDER: "kicked"}
    outsider = harness.user(OUTSIDER, first_name="Removed")
    mark = await operator_says(harness, outsider, "Голосуйте за партию X", reply_to_message=card)
    await operator_says(harness, outsider, "/ban", reply_to_message=card)
    # An operator's reply after them shows the bot has taken both in and moved on.
    operator = harness.user(7001, first_name="Aliya")
    after = await operator_says(harness, operator, "Смотрите kazhydromet.kz", reply_to_message=card)
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 520, after=after
    )
    copies = [
        p for m, p in harness.server.calls[mark:] if m == "copyMessage" and p["chat_id"] == 520
    ]
    assert len(copies) == 1 and copies[0]["message_id"] != card["message_id"]
    assert await db(harness, select(Ban)) == []
    assert await _status_of_ticket(harness) == "answered"


async def test_an_outsiders_button_press_gets_an_alert_and_changes_nothing(harness):
    card = await _ticket(harness)
    harness.server.api.statuses[OPERATORS] = {OUTSIDER: "left"}
    outsider = harness.user(OUTSIDER, first_name="Passer-by")
    take = DeskAction(action="take", ticket_id=1).pack()
    assert take in [d for _, d in buttons(card)]
    mark = len(harness.server.calls)
    answered = await press_in_group(harness, outsider, take, card)
    assert answered["show_alert"] is True
    assert answered["text"] == "Только операторы этой группы могут это сделать."
    assert await _status_of_ticket(harness) == "open"
    assert _sent_to(harness, 520, mark) == []


async def test_an_anonymous_administrator_answers_as_the_group(harness):
    card = await _ticket(harness)
    mark = len(harness.server.calls)
    harness.server.push(
        harness.updates.message(
            ANONYMOUS_ADMIN,
            "Ответ от администратора",
            chat=GROUP,
            sender_chat=GROUP,
            reply_to_message=card,
        )
    )
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 520, after=mark
    )
    (ticket,) = await db(harness, select(Ticket))
    assert (ticket.status, ticket.operator_name) == ("answered", "Operators")


async def test_a_channel_post_or_a_message_without_sender_does_nothing(harness):
    card = await _ticket(harness)
    mark = len(harness.server.calls)
    harness.server.push(
        harness.updates.message(
            CHANNEL_BOT, "Реклама", chat=GROUP, sender_chat=CHANNEL, reply_to_message=card
        )
    )
    harness.server.push(
        harness.updates.message(None, "Без автора", chat=GROUP, reply_to_message=card)
    )
    operator = harness.user(7001, first_name="Aliya")
    after = await operator_says(harness, operator, "Настоящий ответ", reply_to_message=card)
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 520, after=after
    )
    assert _sent_to(harness, 520, mark).count("copyMessage") == 1
    assert _sent_to(harness, OPERATORS, mark) == []  # and nothing said in the group either


async def test_a_member_removed_from_the_group_loses_the_right_at_once(harness):
    card = await _ticket(harness)
    operator = harness.user(7002, first_name="Bolat")
    mark = await operator_says(harness, operator, "Первый ответ", reply_to_message=card)
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 520, after=mark
    )
    # Removed a moment later: Telegram's chat_member update, well within the cache's minute.
    harness.server.api.statuses[OPERATORS] = {7002: "kicked"}
    harness.server.push(harness.updates.chat_member(GROUP, operator, "member", "kicked"))
    roster, telegram = (
        harness.app.desk.groups[OPERATORS].roster,
        _Telegram(),
    )  # this Telegram would say "member"
    await eventually(
        lambda: _not(roster.is_operator(telegram, 7002)), "the bot takes in the chat_member update"
    )
    mark = await operator_says(harness, operator, "Второй ответ", reply_to_message=card)
    other = harness.user(7001, first_name="Aliya")
    after = await operator_says(harness, other, "Ответ коллеги", reply_to_message=card)
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 520, after=after
    )
    assert _sent_to(harness, 520, mark).count("copyMessage") == 1  # the colleague's only


async def _not(check) -> bool:
    return not await check


async def test_when_telegram_cannot_confirm_membership_the_operator_is_asked_to_resend(harness):
    card = await _ticket(harness)
    harness.server.fail("getChatMember", 500, "Internal Server Error", count=-1)
    operator = harness.user(7003, first_name="Dana")
    mark = await operator_says(harness, operator, "Ответ", reply_to_message=card)
    _, said = await harness.server.wait_for(
        lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == OPERATORS, after=mark
    )
    assert said["text"].startswith("Telegram не подтвердил, что вы участник этой группы.")
    assert _sent_to(harness, 520, mark) == []
    harness.server.failures.clear()  # Telegram is back: the same reply, sent again, goes through
    mark = await operator_says(harness, operator, "Ответ", reply_to_message=card)
    await harness.server.wait_for(
        lambda c: c[0] == "copyMessage" and c[1]["chat_id"] == 520, after=mark
    )


async def test_the_group_hears_operators_language_whatever_the_operators_own(harness):
    """OPERATORS_LANGUAGE is ru: a Kazakh-speaking operator's press of a stale button
    in the group is answered in Russian, not in their own language."""
    voter = harness.user(561, language_code="kk")
    await ask_operator(harness, voter, UNKNOWN_RU)
    card = await card_of(harness, 1)
    kazakh = harness.user(7002, first_name="Asel", language_code="kk")
    answered = await press_in_group(harness, kazakh, "quiz:retry:999", card)
    assert answered["text"] == "Эта кнопка больше не действует."
