"""Personal data that voters write into their questions: 12-digit IINs, phone numbers and
e-mail addresses. Masked wherever a text leaves the desk for another purpose (the admins'
export, /stats, the logs); the operator answering the ticket still sees what the voter wrote."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An IIN: 12 digits (written whole or as 6 + 6), not part of a longer number.
_IIN = re.compile(r"(?<!\d)\d{6}[ -]?\d{6}(?!\d)")
_DIGIT = r"\d[\s()-]{0,2}"  # a digit and what people put between digits
# A Kazakhstan number (+7 / 8 / 7 and ten digits, or a 7xx mobile's ten digits alone), or any
# international number that starts with +.
_PHONE = re.compile(
    rf"(?<![\d+])(?:(?:\+\s?7|8|7)[\s(-]*(?:{_DIGIT}){{9}}\d"
    rf"|7(?:{_DIGIT}){{8}}\d"
    rf"|\+\d{{1,3}}[\s(-]*(?:{_DIGIT}){{6,11}}\d)(?!\d)"
)


def mask_personal(text: str) -> str:
    """The text with every IIN, phone number and e-mail address replaced by a label."""
    text = _EMAIL.sub("[e-mail]", text)
    text = _IIN.sub("[IIN]", text)
    return _PHONE.sub("[phone]", text)
