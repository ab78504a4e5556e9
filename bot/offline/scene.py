"""The desk as the end-to-end tests and the escalation benchmark stage it: the operators' group,
and a question in each language that the FAQ does not answer."""

from __future__ import annotations

OPERATORS = -1001234
GROUP = {"id": OPERATORS, "type": "supergroup", "title": "Operators"}
UNKNOWN = {
    "kk": "Ертең Алматыда ауа райы қандай болады?",
    "ru": "Какая погода будет завтра в Астане?",
    "en": "What is the weather like in Astana tomorrow?",
}
