"""Is the content ready for a real deployment? Placeholders left to fill in, and demo examples.

A commune deploys Repères by editing the shipped content. Two things must not reach a parent:
- a placeholder between square brackets, such as `[à compléter par la commune]`;
- an example entry (a fictional service, a demo territory, a sample link code) the commune forgot to replace.

`content check` lists them as warnings. `content check --strict`, run before a deployment, makes
placeholders and unmarked examples errors. An entry marked `example: true` stays a warning even then: the
demo territory ships with its examples marked, so the pack in the repository passes --strict, and a
commune sees each example it still has to replace.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.content.problems import Report
from bot.content.yaml_lines import YamlError, line_of, load_with_lines

# "[à compléter par la commune]", "[… to be completed …]", "[contact — to be replaced]", "[… تكملها البلدية]".
PLACEHOLDER = re.compile(
    r"\[[^\[\]\n]*?(?:compl[ée]ter|remplacer|to be (?:completed|filled|replaced)|fill(?:ed)? in|"
    r"تكمل|يُستبدل|يستبدل|TODO)[^\[\]\n]*\]",
    re.IGNORECASE,
)
# Values that only a demo uses: fictional numbers and postcode, example domains, "(exemple)" in a name.
EXAMPLE_VALUE = re.compile(
    r"example\.(?:org|com|net)|\((?:exemple|example|مثال)\)|exemple à remplacer|example to replace|"
    r"commune-exemple|\b99990\b|01 99 00 00",
    re.IGNORECASE,
)
SKIPPED = {"README.md"}
# Entries that can be demo examples: (folder or file, whether the file is a list of entries).
EXAMPLE_FILES = (("territories", False), ("directory", True), ("links.yml", True))
SHOWN = 70


def check_deployment(root: Path, report: Report, *, strict: bool) -> None:
    """Add every placeholder and every example entry to the report (errors when `strict`, see above)."""
    for path in sorted(root.rglob("*")):
        if path.suffix in {".md", ".yml", ".yaml"} and path.name not in SKIPPED and path.is_file():
            _placeholders(path, report, strict)
    for name, is_list in EXAMPLE_FILES:
        target = root / name
        files = sorted(target.glob("*.y*ml")) if target.is_dir() else [target] if target.is_file() else []
        for path in files:
            _examples(path, is_list, report, strict)


def _placeholders(path: Path, report: Report, strict: bool) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for found in PLACEHOLDER.finditer(line):
            text = found.group(0)
            shown = text if len(text) <= SHOWN else text[: SHOWN - 1] + "…]"
            message = f"placeholder to replace before deploying: {shown}"
            (report.error if strict else report.warning)(path, number, message)


def _examples(path: Path, is_list: bool, report: Report, strict: bool) -> None:
    try:
        data, lines = load_with_lines(path.read_text(encoding="utf-8"))
    except YamlError:
        return  # the loader reports the broken file already
    entries: list[tuple[tuple[int, ...], Any]] = (
        [((index,), entry) for index, entry in enumerate(data)] if is_list and isinstance(data, list) else []
    )
    if not is_list and isinstance(data, dict):
        entries = [((), data)]
    for where, entry in entries:
        if not isinstance(entry, dict):
            continue
        name = entry.get("id") or entry.get("code") or "entry"
        line = line_of(lines, where) if where else line_of(lines, ("id",))
        if entry.get("example") is True:
            report.warning(path, line, f"{name!r} is an example (example: true): replace it before deploying")
        elif _looks_like_an_example(entry):
            message = (
                f"{name!r} looks like a demo example: replace it, or mark it 'example: true' "
                "if it is one on purpose"
            )
            (report.error if strict else report.warning)(path, line, message)


def _looks_like_an_example(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_looks_like_an_example(item) for item in value.values())
    if isinstance(value, list):
        return any(_looks_like_an_example(item) for item in value)
    return isinstance(value, str) and EXAMPLE_VALUE.search(value) is not None
