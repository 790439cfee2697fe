"""Does each local item still match the national item it replaces?

A territory's item that replaces a national one records the national version it was written against:
`overrides: "1a2b3c4d"` (quoted), the first 8 hex digits of the SHA-256 of the national file in the same
language (French when that language has none), or, for a helpline, of its national entry. When the national
item changes, its version changes, and the local one may now say something the national one corrected. So
`content check` lists, as warnings (errors with --strict):

- a local item with `overrides:` whose national item no longer exists;
- a local item whose `overrides:` differs from the national item's version now (stale);
- a local item with a national id but no `overrides:` (nothing to compare; the message gives the value).

An item with a new id and no `overrides:` is the territory's own: nothing to compare. The bot starts either
way: a stale override is still the territory's chosen text, only to be reviewed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from bot.content.local import HELPLINES, LOCAL_KINDS
from bot.content.pack import SOURCE_LANGUAGE, ContentPack
from bot.content.problems import Report
from bot.content.yaml_lines import YamlError, line_of, load_with_lines

# The field, at the start of a line of the front matter (Markdown) or of the file (a module's YAML).
Say = Callable[[Path, int, str], None]
_FIELD = re.compile(r"""^overrides:\s*["']?([^"'\s#]*)""")


def version(text: str) -> str:
    """The version of a national item's text: the same whatever the line endings."""
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()[:8]


def check_overrides(root: Path, pack: ContentPack, report: Report, *, strict: bool) -> None:
    """Add every stale, orphaned or unversioned override to the report (errors when `strict`)."""
    say = report.error if strict else report.warning
    for territory in sorted(pack.local):
        base = root / "territories" / territory
        for language in pack.languages:
            for kind, (extension, _) in LOCAL_KINDS.items():
                national = getattr(pack, kind).get(SOURCE_LANGUAGE, {})
                for path in sorted((base / language / kind).glob(f"*.{extension}")):
                    recorded, line = _recorded(path)
                    found = _national_file(root, language, kind, path.name)
                    current = version(found.read_text(encoding="utf-8")) if found else None
                    what = f"the national {kind[:-1]} {path.stem!r}"
                    _judge(path, line, what, recorded, current if path.stem in national else None, say)
        _check_helplines(root, base / HELPLINES, say)


def _judge(path: Path, line: int, what: str, recorded: str | None, current: str | None, say: Say) -> None:
    if recorded and current is None:
        say(
            path,
            line,
            f"overrides {what}, which no longer exists: delete the file, or remove 'overrides:' "
            "to keep it as this territory's own item",
        )
    elif recorded and recorded != current:
        say(
            path,
            line,
            f"stale: {what} changed since this was written (overrides: {recorded}, now "
            f"{current}); check it still fits, then write 'overrides: \"{current}\"'",
        )
    elif current is not None and not recorded:
        say(
            path,
            line,
            f"replaces {what} without saying which version: once checked, write "
            f"'overrides: \"{current}\"' so that a later national change is reported",
        )


def _recorded(path: Path) -> tuple[str | None, int]:
    """The `overrides:` value and its line (the file's first line when there is none)."""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if found := _FIELD.match(text):
            return found.group(1) or None, number
    return None, 1


def _national_file(root: Path, language: str, kind: str, name: str) -> Path | None:
    for folder in (root / language / kind, root / SOURCE_LANGUAGE / kind):
        if (folder / name).is_file():
            return folder / name
    return None


def _check_helplines(root: Path, path: Path, say: Say) -> None:
    national = {str(entry.get("id")): entry for entry in _entries(root / HELPLINES)[0]}
    entries, lines = _entries(path)
    for index, entry in enumerate(entries):
        if "id" not in entry:
            continue
        recorded, helpline_id = entry.get("overrides"), str(entry.get("id"))
        line = line_of(lines, (index, "overrides")) if recorded else line_of(lines, (index,))
        found = national.get(helpline_id)
        current = version(json.dumps(found, sort_keys=True, ensure_ascii=False)) if found else None
        what = f"the national helpline {helpline_id!r}"
        _judge(path, line, what, str(recorded) if recorded else None, current, say)


def _entries(path: Path) -> tuple[list[dict[str, object]], dict[tuple[str | int, ...], int]]:
    """The file's entries (the loader reports a broken or missing file already)."""
    try:
        data, lines = load_with_lines(path.read_text(encoding="utf-8")) if path.is_file() else ([], {})
    except (YamlError, UnicodeDecodeError):
        return [], {}
    # Kept in place (a broken entry as {}), so that an entry's index still finds its lines.
    return [entry if isinstance(entry, dict) else {} for entry in data] if isinstance(
        data, list
    ) else [], lines
