"""The FAQ: schema, loading, and the multilingual matcher. Knows nothing of Telegram."""

from .knowledge import KnowledgeBase
from .loader import FaqError, check_faq, load_faq
from .matcher import FaqMatcher, MatchResult, Thresholds
from .models import LANGS, FaqBook, FaqEntry

__all__ = [
    "LANGS",
    "FaqBook",
    "FaqEntry",
    "FaqError",
    "FaqMatcher",
    "KnowledgeBase",
    "MatchResult",
    "Thresholds",
    "check_faq",
    "load_faq",
]
