"""Several operators' groups, one per language, end to end through the fake Bot API: each
ticket lands in its own group exactly once, an operator's reply in each group reaches its voter,
and nobody acts on a ticket through a group it does not live in. The fake server numbers
messages per chat, as Telegram does, so the three groups' first cards share one message id."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.db.engine import session_factory
from bot.db.models import Ticket
from bot.desk.cards import DeskAction
from bot.desk.queueing import minutes_until_seen
from bot.offline.scene import UNKNOWN
from tests.conftest import OPERATORS, buttons, eventually, running_bot
from tests.desk_helpers import PASSED, ask_operator

KK, RU = -1001111111111, -1002222222222
GROUPS = {
    KK: {"id": KK, "type": "supergroup", "title": "Операторлар"},
    RU: {"id": RU, "type": "supergroup", "title": "Операторы"},
    OPERATORS: {"id": OPERATORS, "type": "supergroup", "title": "Operators"},
}
HOME = {"kk": KK, "ru": RU, "en": OPERATORS}  # en has no group of its own: OPERATORS_CHAT_ID
CARD = re.compile(r"🎫 <b>#T(\d+)</b>")


def test_the_setting_names_a_group_per_language_and_its_language():
    settings = load_settings(
        operators_chat_id=-1003, operators_chats="kk:-1001, ru:-1002:en", operators_language="ru"
    )
    assert [settings.operators_group_for(lang) for lang in ("kk", "ru", "en")] == [
        -1001,
        -1002,
        -1003,
    ]
    assert settings.operators_groups() == {-1001: "kk", -1002: "en", -1003: "ru"}
    alone = load_settings(operators_chat_id=-1003, operators_chats="")
    assert alone.operators_groups() == {-1003: "ru"} and alone.operators_group_for("kk") == -1003
    without = load_settings(operators_chat_id=None, operators_chats="kk:-1001")
    assert without.operators_group_for("en") is None


@pytest.mark.parametrize(
    ("queued", "per_minute", "minutes"),
    [(1, 20, None), (21, 20, None), (22, 20, 2), (200, 20, 10), (61, 60, None), (4, 1, 3)],
)
def test_a_voter_is_told_the_wait_only_when_it_is_more_than_a_minute(queued, per_minute, minutes):
    assert minutes_until_seen(queued, per_minute) == minutes


async def _cards(h) -> dict[int, dict]:
    """Each group's card of each ticket, once the bot has recorded it: ticket id -> message."""

    async def recorded():
        async with session_factory(h.app.engine)() as session:
            tickets = (await session.scalars(select(Ticket))).all()
        return len(tickets) == 3 and all(t.card_message_id for t in tickets) and tickets

    tickets = await eventually(recorded, "three cards recorded")
    return {t.id: h.server.api.messages[(t.chat_id, t.card_message_id)] for t in tickets}


def _press(h, operator: dict, data: str, message: dict) -> int:
    mark = len(h.server.calls)
    h.server.push(h.updates.callback(operator, data, message))
    return mark


async def _alert(h, mark: int) -> str:
    _, answered = await h.server.wait_for(lambda c: c[0] == "answerCallbackQuery", after=mark)
    return answered.get("text", "")


async def _statuses(h) -> dict[int, str]:
    async with session_factory(h.app.engine)() as session:
        return {t.id: t.status for t in await session.scalars(select(Ticket))}


async def test_each_language_has_its_own_group(tmp_path, database_url):
    async with running_bot(
        tmp_path, database_url=database_url, operators_chats=f"kk:{KK},ru:{RU}"
    ) as h:
        voters = {
            lang: h.user(600 + n, first_name=f"Voter{n}", language_code=lang)
            for n, lang in enumerate(("kk", "ru", "en"))
        }
        operators = {chat: h.user(7100 + n, first_name=f"Op{n}") for n, chat in enumerate(GROUPS)}
        for chat, operator in operators.items():  # each operator is a member of their group only
            for other in GROUPS:
                if other != chat:
                    h.server.api.statuses.setdefault(other, {})[operator["id"]] = "left"
        for lang, voter in voters.items():
            passed = await ask_operator(h, voter, UNKNOWN[lang])
            assert passed["text"].startswith(PASSED[lang])
        cards = await _cards(h)
        ticket_of = {lang: n for n, lang in enumerate(("kk", "ru", "en"), 1)}

        # Every card is in the group of its voter's language, exactly once, in its language.
        posted = Counter(
            (params["chat_id"], int(found.group(1)))
            for method, params in h.server.calls
            if method == "sendMessage" and (found := CARD.search(params.get("text", "")))
        )
        assert posted == Counter({(HOME[lang], ticket_of[lang]): 1 for lang in HOME})
        assert len({card["message_id"] for card in cards.values()}) == 1  # numbered per chat
        take = {lang: h.app.i18n.gettext("✋ Take", locale=lang) for lang in ("kk", "ru")}
        assert buttons(cards[ticket_of["kk"]])[0][0] == take["kk"]
        assert buttons(cards[ticket_of["ru"]])[0][0] == take["ru"]  # ru, as is OPERATORS'
        assert buttons(cards[ticket_of["en"]])[0][0] == take["ru"]

        # An operator of the kk group presses Take on the ru card, in the ru group: refused.
        ru_card, kk_card = cards[ticket_of["ru"]], cards[ticket_of["kk"]]
        take_ru = DeskAction(action="take", ticket_id=ticket_of["ru"]).pack()
        mark = _press(h, operators[KK], take_ru, ru_card)
        assert await _alert(h, mark) == "Только операторы этой группы могут это сделать."
        # ...or the ru ticket's button on a message of the kk group with the ru card's id
        # (a copy of it, or forged data): not valid there.
        mark = _press(h, operators[KK], take_ru, kk_card)
        assert await _alert(h, mark) == "Бұл батырма мұнда жарамсыз."
        assert set((await _statuses(h)).values()) == {"open"}

        # A reply in each group to its card reaches that group's voter, and no one else.
        for chat, lang in ((KK, "kk"), (RU, "ru"), (OPERATORS, "en")):
            mark = len(h.server.calls)
            card = cards[ticket_of[lang]]
            h.server.push(
                h.updates.message(
                    operators[chat], f"answer {lang}", chat=GROUPS[chat], reply_to_message=card
                )
            )
            _, copied = await h.server.wait_for(lambda c: c[0] == "copyMessage", after=mark)
            assert (copied["chat_id"], copied["from_chat_id"]) == (voters[lang]["id"], chat)
        statuses = await eventually(lambda: _statuses_if(h, "answered"), "every ticket answered")
        assert statuses == {1: "answered", 2: "answered", 3: "answered"}
        copies = Counter(p["chat_id"] for m, p in h.server.calls if m == "copyMessage")
        assert copies == Counter({voters[lang]["id"]: 1 for lang in HOME})

        # /open in the kk group lists the kk group's tickets only (none unanswered now).
        mark = len(h.server.calls)
        h.server.push(h.updates.message(operators[KK], "/open", chat=GROUPS[KK]))
        _, listed = await h.server.wait_for(
            lambda c: c[0] == "sendMessage" and c[1]["chat_id"] == KK, after=mark
        )
        assert listed["text"] == h.app.i18n.gettext("No open questions.", locale="kk")


async def _statuses_if(h, status: str) -> dict[int, str] | None:
    statuses = await _statuses(h)
    return statuses if set(statuses.values()) == {status} else None


async def test_one_group_lost_leaves_the_others_working(tmp_path, database_url):
    async with running_bot(
        tmp_path, database_url=database_url, operators_chats=f"kk:{KK},ru:{RU}"
    ) as h:
        h.server.set_bot_status(GROUPS[RU], "kicked")
        await eventually(
            lambda: _async(not h.app.desk.operators.reachable(RU)), "the ru group is down"
        )
        ru = await ask_operator(h, h.user(611, language_code="ru"), UNKNOWN["ru"])
        kk = await ask_operator(h, h.user(612, language_code="kk"), UNKNOWN["kk"])
        assert ru["text"].startswith("Операторы сейчас недоступны")
        assert kk["text"].startswith(PASSED["kk"])
        assert h.app.desk.operators.reachable(KK) and h.app.desk.operators.reachable(OPERATORS)


async def _async(value):
    return value
