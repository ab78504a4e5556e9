"""The trainee quiz: the question bank's schema, loading and checking. Knows nothing of Telegram."""

from .bank import GroupRoundSpec, QuizBank, parse_group_args
from .loader import QuizError, check_quiz, load_quiz
from .models import QuizBook, QuizQuestion, QuizTopic

__all__ = [
    "GroupRoundSpec",
    "QuizBank",
    "QuizBook",
    "QuizError",
    "QuizQuestion",
    "QuizTopic",
    "check_quiz",
    "load_quiz",
    "parse_group_args",
]
