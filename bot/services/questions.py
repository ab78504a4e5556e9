"""What users asked, what the bot answered, and what they thought of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Feedback, Question
from bot.faq import MatchResult
from bot.services.privacy import mask_personal

MAX_STORED_TEXT = 4096


async def record_question(
    session: AsyncSession, user_id: int, text: str, result: MatchResult
) -> Question:
    question = Question(
        user_id=user_id,
        text=text[:MAX_STORED_TEXT],
        lang=result.lang,
        outcome=result.kind,
        faq_id=result.entry_id,
        score=round(result.score, 2),
        suggestions=list(result.suggestions),
    )
    session.add(question)
    await session.flush()
    return question


async def own_question(session: AsyncSession, question_id: int, user_id: int) -> Question | None:
    """The question if it exists and belongs to this user (callback data can be forged)."""
    question = await session.get(Question, question_id)
    if question is None or question.user_id != user_id:
        return None
    return question


async def save_feedback(
    session: AsyncSession, question: Question, faq_id: str, useful: bool
) -> None:
    """One verdict per question; pressing the other button changes it."""
    existing = await session.scalar(select(Feedback).where(Feedback.question_id == question.id))
    if existing is None:
        session.add(
            Feedback(
                question_id=question.id, user_id=question.user_id, faq_id=faq_id, useful=useful
            )
        )
    else:
        existing.faq_id, existing.useful = faq_id, useful
    await session.flush()


async def mark_unanswered(session: AsyncSession, question: Question) -> None:
    """The user found none of the suggestions useful: count the question as unanswered."""
    question.outcome = "none"
    question.faq_id = None
    await session.flush()


async def unanswered(
    session: AsyncSession,
    since: datetime | None = None,
    limit: int = 5,
    scan: int = 20_000,
    langs: Collection[str] | None = None,
) -> list[tuple[str, str, int]]:
    """The most frequent questions the bot did not answer, out-of-scope ones included (a topic
    listed as out of scope may be one to add): (text, lang, count), personal data masked; with
    `langs`, only questions in those languages.

    Grouped in Python by case-folded, space-collapsed text: SQLite's lower() knows only ASCII,
    and most of our questions are Cyrillic.
    """
    not_answered = Question.outcome.in_(("none", "out_of_scope"))
    query = select(Question.text, Question.lang).where(not_answered)
    if since is not None:
        query = query.where(Question.created_at >= since)
    if langs is not None:
        query = query.where(Question.lang.in_(langs))
    rows = await session.execute(query.order_by(Question.id.desc()).limit(scan))
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, str]] = {}
    for text, lang in rows:
        text = mask_personal(text.strip())
        key = " ".join(text.casefold().split())
        counts[key] += 1
        first.setdefault(key, (text, lang))
    return [(*first[key], count) for key, count in counts.most_common(limit)]
