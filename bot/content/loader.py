"""Reading a content file: YAML in, or an error an editor can act on."""

from __future__ import annotations

from pathlib import Path

import yaml


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
