"""Reading a content file: YAML in, a validated book out, or an error an editor can act on."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Book = TypeVar("Book", bound=BaseModel)


class ContentError(Exception):
    """A content file cannot be used; `problems` says where and why, one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# libyaml's parser when PyYAML was built with it: 10x faster, a tenth of a second at start-up.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, error: type[ContentError]) -> object:
    """The parsed file, or `error` saying why it cannot be read."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError:
        raise error([f"{path}: file not found"]) from None
    except yaml.YAMLError as exc:
        raise error([f"{path}: not valid YAML: {exc}".replace("\n", " ")]) from None


def load_book(
    path: Path, model: type[Book], error: type[ContentError], sections: dict[str, str]
) -> Book:
    """The file validated as `model`, or `error` listing every problem where an editor finds
    it: "entry 'id' (entries[3]) answer.kk". `sections` names the item of each list section,
    e.g. {"entries": "entry"}."""
    raw = read_yaml(path, error)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{path}: {_where(raw, tuple(err['loc']), sections)}: "
            + str(err["msg"]).removeprefix("Value error, ")
            for err in exc.errors()
        ]
        raise error(problems) from None


def _where(raw: object, loc: tuple[int | str, ...], sections: dict[str, str]) -> str:
    if len(loc) >= 2 and loc[0] in sections and isinstance(loc[1], int):
        section, index, item_id = str(loc[0]), loc[1], "?"
        items = raw.get(section) if isinstance(raw, dict) else None
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            item_id = str(items[index].get("id", "?"))
        rest = ".".join(str(part) for part in loc[2:])
        return f"{sections[section]} '{item_id}' ({section}[{index}]) {rest}".rstrip()
    return ".".join(str(part) for part in loc) or "(top level)"
