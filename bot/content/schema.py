"""What every content file's schema is built from: strict models and a text in each language."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """A content model: unknown keys are errors (a typo is not silently ignored), and loaded
    content does not change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalizedText(Strict):
    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return getattr(self, lang)
