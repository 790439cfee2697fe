"""Reading one content file: YAML or Markdown with a front matter, validated against its schema.

Every problem is added to the report with its file and line; the functions return None for a file that
cannot be used, so the loader goes on and reports the rest too.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.markup import render
from bot.content.problems import Report
from bot.content.schemas import ID_PATTERN, LINK_CODE_PATTERN, TERRITORY_ID_PATTERN, VERSION_PATTERN
from bot.content.yaml_lines import Path_, YamlError, line_of, load_with_lines

Model = TypeVar("Model", bound=BaseModel)
PATTERN_HINTS = {
    ID_PATTERN: "lowercase letters, digits and _ (32 at most)",
    TERRITORY_ID_PATTERN: "lowercase letters, digits, - and _ (20 at most)",
    LINK_CODE_PATTERN: "letters, digits, - and _ (64 at most)",
    VERSION_PATTERN: "the 8 letters and digits `content check` gives",
}


def validate(
    model: type[Model], data: Any, lines: dict[Path_, int], offset: int, path: Path, report: Report
) -> Model | None:
    """The model, or None after reporting each field error at its line."""
    if not isinstance(data, dict):
        report.error(path, offset + 1, "expected fields such as 'id: ...' (one per line)")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "file"
            report.error(path, offset + line_of(lines, tuple(item["loc"])), f"{where}: {_plain(item)}")
        return None


def _plain(item: Any) -> str:
    """Pydantic's message, said for someone who is not a programmer."""
    kind, context = item["type"], item.get("ctx", {})
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field (check its spelling)"
    if kind == "string_pattern_mismatch":
        allowed = PATTERN_HINTS.get(str(context.get("pattern")), "other characters")
        return f"{item['input']!r} is not allowed: use {allowed}"
    if kind == "string_too_long":
        return f"too long: {context.get('max_length')} characters at most"
    return str(item["msg"]).removeprefix("Value error, ")


def read_yaml(path: Path, report: Report) -> tuple[Any, dict[Path_, int]] | None:
    try:
        return load_with_lines(path.read_text(encoding="utf-8"))
    except YamlError as error:
        report.error(path, error.line, error.message)
    except UnicodeDecodeError:
        report.error(path, 1, "the file is not UTF-8 text")
    return None


def read_model(path: Path, model: type[Model], report: Report) -> tuple[Model, dict[Path_, int]] | None:
    """A YAML file validated against `model`, with the line of each field; None after reporting."""
    loaded = read_yaml(path, report)
    if loaded is None:
        return None
    data, lines = loaded
    parsed = validate(model, data, lines, 0, path, report)
    return None if parsed is None else (parsed, lines)


def read_list(path: Path, model: type[Model], report: Report, what: str) -> list[tuple[Model, int]]:
    """A YAML list of entries, each validated; with the line of each entry."""
    loaded = read_yaml(path, report)
    if loaded is None:
        return []
    data, lines = loaded
    if not isinstance(data, list):
        report.error(path, 1, f"expected a list of entries, each starting with '- {what}: ...'")
        return []
    entries = []
    for index, entry in enumerate(data):
        own_lines = {key[1:]: line for key, line in lines.items() if key[:1] == (index,)}
        parsed = validate(model, entry, own_lines, 0, path, report)
        if parsed is not None:
            entries.append((parsed, line_of(lines, (index,))))
    return entries


@dataclass(frozen=True)
class MarkdownFile(Generic[Model]):
    meta: Model
    html: str  # the body as Telegram HTML
    body_line: int  # where the body starts in the file, for problems found later


def read_markdown(path: Path, model: type[Model], report: Report) -> MarkdownFile[Model] | None:
    """The front matter validated against `model`, and the body converted to Telegram HTML."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        report.error(path, 1, "the file is not UTF-8 text")
        return None
    parts = _split_front_matter(text)
    if parts is None:
        report.error(path, 1, "the file must start with '---', the fields, then '---' before the text")
        return None
    front, body, body_line = parts
    try:
        data, lines = load_with_lines(front)
    except YamlError as error:
        report.error(path, error.line + 1, error.message)
        return None
    meta = validate(model, data, lines, 1, path, report)
    if meta is None:
        return None
    if not body.strip():
        report.error(path, body_line, "the file has no text after the fields")
        return None
    rendered = render(body)
    for line, message in rendered.problems:
        report.error(path, body_line + line - 1, message)
    return MarkdownFile(meta=meta, html=rendered.html, body_line=body_line)


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line number of the body's first line) or None without front matter."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def with_sources(body: str, sources: list[str]) -> str:
    """The body followed by its sources, one per line."""
    if not sources:
        return body
    return body + "\n\n" + "\n".join(f"<i>📚 {html.escape(source, quote=False)}</i>" for source in sources)
