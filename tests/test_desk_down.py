"""The desk knows when it is down: the bot removed from the operators' group (or no longer
allowed to post there) and let back in, played through the fake Bot API server."""

from __future__ import annotations

import pytest
from aiogram.types import ChatMemberAdministrator, ChatMemberLeft, ChatMemberRestricted

from bot.desk.operators import can_post
from bot.offline.api import BOT_USER, required_flags
from bot.offline.server import FakeTelegram
from tests.conftest import OPERATORS, eventually, running_bot
from tests.desk_helpers import GROUP, ask_operator, card_of

ADMINS = (9101, 9102)
UNKNOWN = "What will the weather be in Astana tomorrow?"


def _to_group(h) -> list[tuple[str, dict]]:
    """What the group received (the fake records only calls that Telegram accepted)."""
    return [
        (method, params)
        for method, params in h.server.calls
        if str(params.get("chat_id")) == str(OPERATORS) and method in ("sendMessage", "copyMessage")
    ]


def _told(h, user_id: int, words: str) -> list[str]:
    return [
        params["text"]
        for method, params in h.server.calls
        if method == "sendMessage" and params.get("chat_id") == user_id and words in params["text"]
    ]


def test_what_counts_as_able_to_post():
    bot = {"user": BOT_USER}
    assert can_post(
        ChatMemberAdministrator(
            status="administrator", **required_flags(ChatMemberAdministrator), **bot
        )
    )
    assert not can_post(ChatMemberLeft(status="left", **bot))
    muted = {**required_flags(ChatMemberRestricted), "is_member": True, "until_date": 0}
    assert not can_post(ChatMemberRestricted(status="restricted", **muted, **bot))
    assert can_post(
        ChatMemberRestricted(status="restricted", **{**muted, "can_send_messages": True}, **bot)
    )


async def test_the_group_lost_and_regained(tmp_path, database_url):
    async with running_bot(
        tmp_path, database_url=database_url, admin_ids=frozenset(ADMINS), operators_language="en"
    ) as h:
        first = h.user(601, language_code="en")
        await ask_operator(h, first, UNKNOWN)
        await eventually(
            lambda: _async(any("#T1</b>" in p.get("text", "") for _, p in _to_group(h))), "card 1"
        )

        h.server.set_bot_status(GROUP, "kicked")
        for admin in ADMINS:
            await eventually(
                lambda a=admin: _async(_told(h, a, "cannot be reached")), "admins told"
            )

        # While the desk is down: a new voter is told the truth and given the helpline, and a
        # follow-up to the first ticket is kept.
        second = h.user(602, language_code="en")
        reply = await ask_operator(h, second, UNKNOWN)
        assert "not available right now" in reply["text"] and "iKomek 109" in reply["text"]
        mark = len(h.server.calls)
        h.server.push(h.updates.message(first, "One more detail: I live in Shymkent"))
        await h.server.wait_for(
            lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == 601, after=mark
        )
        assert not any("#T2</b>" in p.get("text", "") for _, p in _to_group(h))
        kept = len(_to_group(h))

        h.server.set_bot_status(GROUP, "administrator")
        for admin in ADMINS:
            await eventually(lambda a=admin: _async(_told(h, a, "can be reached again")), "back")
        await eventually(
            lambda: _async(len(_to_group(h)) >= kept + 2), "kept rows delivered", timeout=5
        )
        after = _to_group(h)[kept:]
        # in order, once: the second ticket's card (queued first), then the follow-up
        assert [m for m, _ in after] == ["sendMessage", "copyMessage"]
        assert "#T2</b>" in after[0][1]["text"]
        assert sum("#T2</b>" in p.get("text", "") for _, p in _to_group(h)) == 1
        # each admin heard once of each change
        for admin in ADMINS:
            assert len(_told(h, admin, "cannot be reached")) == 1
            assert len(_told(h, admin, "can be reached again")) == 1


@pytest.mark.parametrize("how", ["muted", "removed unseen"])
async def test_admins_hear_when_the_bot_can_no_longer_post(tmp_path, database_url, how):
    """Muted: a my_chat_member update says so. Removed unseen (say, while the bot was down):
    the first refused send tells the desk."""
    async with running_bot(
        tmp_path, database_url=database_url, admin_ids=frozenset(ADMINS), operators_language="ru"
    ) as h:
        if how == "muted":
            h.server.set_bot_status(GROUP, "restricted")
        else:
            h.server.api.statuses.setdefault(OPERATORS, {})[BOT_USER["id"]] = "kicked"
            await ask_operator(h, h.user(603, language_code="kk"), UNKNOWN)
        for admin in ADMINS:
            await eventually(
                lambda a=admin: _async(_told(h, a, "Группа операторов недоступна")), "admins told"
            )


def _after_a_failed_look(tmp_path, database_url, status: int, description: str):
    """The bot, started while Telegram answers its look at the operators' group (getChat)
    with this error, once."""
    server = FakeTelegram()
    server.fail("getChat", status, description, chat_id=OPERATORS)
    return running_bot(
        tmp_path,
        database_url=database_url,
        server=server,
        admin_ids=frozenset(ADMINS),
        operators_language="en",
    )


async def test_a_start_up_look_that_telegram_failed_leaves_the_group_to_its_first_send(
    tmp_path, database_url
):
    """Telegram answered the start-up look at the group (getChat) with a 502: that says nothing
    about the group, so voters are told what their card then does, that it went to operators,
    and the admins are not alarmed."""
    async with _after_a_failed_look(tmp_path, database_url, 502, "Bad Gateway") as h:
        assert h.server.failed_calls and h.server.failed_calls[0][0] == "getChat"
        first = await ask_operator(h, h.user(604, language_code="en"), UNKNOWN)
        assert first["text"].startswith("Your question has been passed to an operator")
        await card_of(h, 1)
        assert h.app.operators.reachable(OPERATORS)
    for admin in ADMINS:
        assert not _told(h, admin, "cannot be reached")


async def test_a_group_refused_at_start_up_is_reachable_from_its_first_accepted_send(
    tmp_path, database_url
):
    """The group refused at start-up (the bot not yet in it), then took the first card: from
    that send on, voters are told that operators have their question."""
    async with _after_a_failed_look(
        tmp_path, database_url, 400, "Bad Request: chat not found"
    ) as h:
        first = await ask_operator(h, h.user(605, language_code="en"), UNKNOWN)
        assert first["text"].startswith("Operators are not available right now")
        await card_of(h, 1)
        for admin in ADMINS:
            await eventually(lambda a=admin: _async(_told(h, a, "can be reached again")), "back")
        second = await ask_operator(h, h.user(606, language_code="en"), UNKNOWN)
        assert second["text"].startswith("Your question has been passed to an operator")


async def _async(value):
    return value
