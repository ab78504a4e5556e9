"""Database tables. Schema changes go through Alembic revisions in migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, on every backend (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # Telegram user id
    language: Mapped[str | None] = mapped_column(String(2))  # chosen by the user
    # detected from their latest message in words; buttons pressed later follow it
    message_language: Mapped[str | None] = mapped_column(String(2))
    blocked_bot: Mapped[bool] = mapped_column(Boolean, default=False)  # Telegram said 403
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Question(Base):
    """Every question asked, with what the matcher made of it."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(2))
    outcome: Mapped[str] = mapped_column(String(16), index=True)  # answer/suggest/none/...
    faq_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    suggestions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Feedback(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    faq_id: Mapped[str] = mapped_column(String(64), index=True)
    useful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(Base):
    """A question handed to the operators. Shown to them as #T<id>."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open/taken/answered/closed
    lang: Mapped[str] = mapped_column(String(2))
    # The operators' group it lives in, chosen by the voter's language when it was opened;
    # None when no group was configured for it.
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    question: Mapped[str] = mapped_column(Text)
    guesses: Mapped[list[str]] = mapped_column(JSON, default=list)  # the bot's best FAQ ids
    first_name: Mapped[str] = mapped_column(String(128))
    username: Mapped[str | None] = mapped_column(String(64))
    operator_id: Mapped[int | None] = mapped_column(BigInteger)
    operator_name: Mapped[str | None] = mapped_column(String(128))
    thread_id: Mapped[int | None] = mapped_column(Integer)  # forum topic, in forum mode
    card_message_id: Mapped[int | None] = mapped_column(Integer)  # the card in the group
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def number(self) -> str:
        return f"#T{self.id}"


class TicketLink(Base):
    """A message in an operators' group that belongs to a ticket (card or follow-up), so that
    an operator's reply to it reaches the right voter. Message ids are numbered per chat."""

    __tablename__ = "ticket_links"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)


class HandledUpdate(Base):
    """An update from Telegram that has been handled, recorded in the transaction that handled
    it: one that comes again (after a crash, Telegram sends unconfirmed updates anew) is
    skipped. Kept for two days; Telegram keeps an update for one."""

    __tablename__ = "handled_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Ban(Base):
    __tablename__ = "bans"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    banned_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """Everything the bot sends: written in the handler's transaction, sent by the delivery
    worker, retried until Telegram accepts it, marked sent once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    method: Mapped[str] = mapped_column(String(32))  # Bot API method, e.g. sendMessage
    params: Mapped[dict] = mapped_column(JSON)
    purpose: Mapped[str | None] = mapped_column(String(64))  # what to do once it is sent
    # Rows of one chat and lane go in order, one at a time; a group's lanes may go side by
    # side (the desk gives each ticket's rows the ticket's id as lane; 0 is the chat's own).
    lane: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending, sending, sent; or failed, blocked, superseded (not sent)
    # The instance sending it while 'sending' (bot/outbox/instances.py).
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    result_message_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FaqSuggestion(Base):
    """An operator's answer marked "add to FAQ", for admins to review and merge."""

    __tablename__ = "faq_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    lang: Mapped[str] = mapped_column(String(2))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    operator_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizRound(Base):
    """A quiz round: a trainee's in a private chat, or a workshop's in a group.

    `current` is the position (in `question_ids`) of the question being asked; the round is
    over when it reaches the end. Status: active, finished, stopped (by the trainer) or
    abandoned (a new round replaced it, or a restart came too late to go on).
    """

    __tablename__ = "quiz_rounds"
    __table_args__ = (Index("ix_quiz_rounds_chat_status", "chat_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)  # the trainee, or the trainer
    kind: Mapped[str] = mapped_column(String(8))  # private/group
    status: Mapped[str] = mapped_column(String(16), default="active")
    lang: Mapped[str] = mapped_column(String(2))
    topic: Mapped[str | None] = mapped_column(String(64))  # None: all topics
    question_ids: Mapped[list[str]] = mapped_column(JSON)
    current: Mapped[int] = mapped_column(Integer, default=0)
    open_period: Mapped[int | None] = mapped_column(Integer)  # seconds per poll, in a group
    retry_of: Mapped[int | None] = mapped_column(ForeignKey("quiz_rounds.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def total(self) -> int:
        return len(self.question_ids)


class QuizPoll(Base):
    """A quiz poll the bot sent: which round and question it asks, and where the shuffled
    correct option ended up. A question can be sent more than once (resumed after a pause)."""

    __tablename__ = "quiz_polls"

    poll_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Telegram's poll id
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[int] = mapped_column(Integer)
    correct_option: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuizAnswer(Base):
    """One person's answer to one question of a round: the first one counts, whichever poll
    of that question it came from (unique on round, position and user)."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("round_id", "position", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("quiz_rounds.id"))
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    first_name: Mapped[str] = mapped_column(String(128))  # for a group's leaderboard
    poll_id: Mapped[str] = mapped_column(String(64))
    option: Mapped[int] = mapped_column(Integer)
    correct: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
