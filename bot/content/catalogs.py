"""Checking the gettext catalogs: every UI message translated in kk, ru and en."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from .languages import LANGS

DOMAIN = "messages"


def catalog_problems(locales: Path) -> list[str]:
    template_path = locales / f"{DOMAIN}.pot"
    if not template_path.exists():
        return [f"{template_path}: missing (run make babel-extract)"]
    with template_path.open("rb") as fh:
        expected = {m.id for m in read_po(fh) if m.id}
    problems: list[str] = []
    for lang in LANGS:
        po_path = locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.exists():
            problems.append(f"{po_path}: missing (run make babel-update)")
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        present = {m.id for m in catalog if m.id}
        for missing in sorted(expected - present, key=str):
            problems.append(
                f"{po_path}: message not in catalog (run make babel-update): {missing!r}"
            )
        for message in catalog:
            if not message.id:
                continue
            if not message.string or (
                isinstance(message.string, tuple) and not all(message.string)
            ):
                problems.append(f"{po_path}: untranslated: {message.id!r}")
            elif message.fuzzy:
                problems.append(f"{po_path}: marked fuzzy, needs review: {message.id!r}")
    return problems


def compile_catalogs(locales: Path) -> list[Path]:
    """Compile each language's .po into the .mo that gettext reads, where the .mo is missing or
    older. The .mo files are build output, not in git: a host that only installs the
    dependencies (a Procfile platform) gets them at the first start. Returns what it wrote."""
    written = []
    for lang in LANGS:
        po_path = locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo_path = po_path.with_suffix(".mo")
        if not po_path.exists():
            continue
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        partial = mo_path.with_suffix(".partial")
        with partial.open("wb") as fh:
            write_mo(fh, catalog)
        partial.replace(mo_path)
        written.append(mo_path)
    return written
