"""The FAQ: schema, loading, and the multilingual matcher. Knows nothing of Telegram."""

from .knowledge import KnowledgeBase
from .loader import FaqError, check_faq, load_faq
from .matcher import Decision, FaqMatcher, MatchResult
from .models import LANGS, FaqBook, FaqEntry

__all__ = [
    "LANGS",
    "Decision",
    "FaqBook",
    "FaqEntry",
    "FaqError",
    "FaqMatcher",
    "KnowledgeBase",
    "MatchResult",
    "check_faq",
    "load_faq",
]
