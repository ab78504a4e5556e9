"""What an outbox row is for, so that the feature that queued it hears how its delivery went."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORM = re.compile(r"(?P<feature>[a-z_]+)\.(?P<kind>[a-z_]+):(?P<ref>\d+)")


@dataclass(frozen=True)
class Purpose:
    """Stored in the row as "feature.kind:ref", e.g. "desk.card:12"."""

    feature: str  # whose delivery hooks hear of the row: "desk", "quiz"
    kind: str  # what the row is to that feature: "card", "poll"
    ref: int  # the record it concerns: a ticket's id, a quiz round's id

    def __post_init__(self) -> None:
        if not _FORM.fullmatch(str(self)):
            raise ValueError(f"not a purpose: {self.feature!r}, {self.kind!r}, {self.ref!r}")

    def __str__(self) -> str:
        return f"{self.feature}.{self.kind}:{self.ref}"

    @classmethod
    def parse(cls, text: str | None) -> Purpose | None:
        found = _FORM.fullmatch(text or "")
        return cls(found["feature"], found["kind"], int(found["ref"])) if found else None
