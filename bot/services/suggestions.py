"""What admins review to improve the FAQ: operators' answers marked "add to FAQ", questions the
bot could not answer, and answers voters marked 👎. Written as YAML, ready to merge, with
IINs, phone numbers and e-mail addresses masked."""

from __future__ import annotations

from datetime import UTC, datetime

import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import FaqSuggestion, Feedback, Question
from bot.services.privacy import mask_personal
from bot.services.questions import unanswered


async def export_yaml(session: AsyncSession, limit: int = 200) -> str:
    suggestions = [
        {
            "lang": s.lang,
            "question": mask_personal(s.question),
            "answer": mask_personal(s.answer),
            "ticket": f"#T{s.ticket_id}",
        }
        for s in await session.scalars(select(FaqSuggestion).order_by(FaqSuggestion.id))
    ]
    not_answered = [
        {"question": text, "lang": lang, "count": count}
        for text, lang, count in await unanswered(session, limit=limit)
    ]
    disliked = []
    for faq_id, count in await session.execute(
        select(Feedback.faq_id, func.count())
        .where(Feedback.useful.is_(False))
        .group_by(Feedback.faq_id)
        .order_by(func.count().desc())
    ):
        examples = await session.scalars(
            select(Question.text)
            .join(Feedback, Feedback.question_id == Question.id)
            .where(Feedback.faq_id == faq_id, Feedback.useful.is_(False))
            .limit(5)
        )
        questions = [mask_personal(text) for text in examples]
        disliked.append({"id": faq_id, "count": count, "questions": questions})
    document = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "how_to_use": "Review each item; add good ones to data/faq.yaml as entries or as "
        "alternate phrasings, then run `python -m bot check`.",
        "operator_answers": suggestions,
        "unanswered_questions": not_answered,
        "disliked_answers": disliked,
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
