"""Read `content/`, validate it into typed models, and report every problem with its file and line.

Layout:
    content/territories/<id>.yml      one file per territory (id, name per language, time zone)
    content/<lang>/pages/<id>.md      a page: YAML front matter between `---` lines, then Markdown

The same ids in every language, French as the source: a page missing in another language is a warning
(French is shown), a page that exists only in a translation is an error.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.content.markup import TEXT_LIMIT, render, visible_length
from bot.content.models import (
    ID_PATTERN,
    LINK_CODE_PATTERN,
    SOURCE_LANGUAGE,
    TERRITORY_ID_PATTERN,
    ContentPack,
    LinkFile,
    Page,
    PageFile,
    Territory,
    TerritoryFile,
)
from bot.content.problems import Report
from bot.content.yaml_lines import YamlError, line_of, load_with_lines
from bot.i18n import RTL_LANGUAGES

REQUIRED_PAGES = ("welcome", "privacy_notice")
PAGE_LIMIT = TEXT_LIMIT - 300
PATTERN_HINTS = {
    ID_PATTERN: "lowercase letters, digits and _ (32 at most)",
    TERRITORY_ID_PATTERN: "lowercase letters, digits, - and _ (20 at most)",
    LINK_CODE_PATTERN: "letters, digits, - and _ (64 at most)",
}
LANGUAGE_NAMES = {"fr": "French", "en": "English", "ar": "Arabic"}


def load_content(root: Path, languages: tuple[str, ...]) -> tuple[ContentPack, Report]:
    """The content pack and the report; use the pack only when the report has no error."""
    report = Report(root=root)
    pack = ContentPack(languages=languages)
    if not root.is_dir():
        report.error(root, 1, "the content folder does not exist")
        return pack, report
    _load_territories(root / "territories", pack, report)
    _load_links(root / "links.yml", pack, report)
    for language in languages:
        pack.pages[language] = _load_pages(root / language / "pages", language, report)
    _check_languages(root, pack, report)
    return pack, report


def _validate(
    model: type[BaseModel], data: Any, lines: dict[Any, int], offset: int, path: Path, report: Report
) -> Any:
    """The model, or None after reporting each field error at its line."""
    if not isinstance(data, dict):
        report.error(path, offset + 1, "expected fields such as 'id: ...' (one per line)")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "file"
            line = offset + line_of(lines, tuple(item["loc"]))
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "missing":
                message = "this field is required"
            elif item["type"] == "extra_forbidden":
                message = "unknown field (check its spelling)"
            elif item["type"] == "string_pattern_mismatch":
                allowed = PATTERN_HINTS.get(str(item.get("ctx", {}).get("pattern")), "other characters")
                message = f"{item['input']!r} is not allowed: use {allowed}"
            elif item["type"] == "string_too_long":
                message = f"too long: {item.get('ctx', {}).get('max_length')} characters at most"
            report.error(path, line, f"{where}: {message}")
        return None


def _load_territories(folder: Path, pack: ContentPack, report: Report) -> None:
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    for path in files:
        try:
            data, lines = load_with_lines(path.read_text(encoding="utf-8"))
        except (YamlError, UnicodeDecodeError) as error:
            report.error(path, getattr(error, "line", 1), getattr(error, "message", "not UTF-8 text"))
            continue
        parsed = _validate(TerritoryFile, data, lines, 0, path, report)
        if parsed is None:
            continue
        if parsed.id in pack.territories:
            report.error(
                path, line_of(lines, ("id",)), f"duplicate id {parsed.id!r}: another territory has it"
            )
            continue
        for language in pack.languages:
            if language != SOURCE_LANGUAGE and not parsed.name.get(language, "").strip():
                report.warning(
                    path,
                    line_of(lines, ("name",)),
                    f"no {_language_name(language)} name; the French one will be shown",
                )
        pack.territories[parsed.id] = Territory(
            id=parsed.id, names=dict(parsed.name), timezone=parsed.timezone
        )
    if not pack.territories:
        report.error(folder, 1, "no territory: add at least one file such as territories/my-town.yml")


def _load_links(path: Path, pack: ContentPack, report: Report) -> None:
    """The deep-link codes worth counting; the file is optional (then every code counts as "other")."""
    if not path.is_file():
        return
    try:
        data, lines = load_with_lines(path.read_text(encoding="utf-8"))
    except (YamlError, UnicodeDecodeError) as error:
        report.error(path, getattr(error, "line", 1), getattr(error, "message", "not UTF-8 text"))
        return
    if not isinstance(data, list):
        report.error(path, 1, "expected a list of entries, each starting with '- code: ...'")
        return
    codes: set[str] = set()
    for index, entry in enumerate(data):
        link = _validate(
            LinkFile, entry, {k[1:]: v for k, v in lines.items() if k[:1] == (index,)}, 0, path, report
        )
        if link is None:
            continue
        if link.code in codes:
            report.error(path, line_of(lines, (index, "code")), f"duplicate code {link.code!r}")
        codes.add(link.code)
    pack.link_codes = frozenset(codes)


def _load_pages(folder: Path, language: str, report: Report) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        page = _load_page(path, language, report)
        if page is None:
            continue
        if page.id in pages:
            report.error(path, 2, f"duplicate id {page.id!r}: another {language} page has it")
            continue
        pages[page.id] = page
    return pages


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line number of the body's first line) or None without front matter."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    return None


def _load_page(path: Path, language: str, report: Report) -> Page | None:
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
    meta = _validate(PageFile, data, lines, 1, path, report)
    if meta is None:
        return None
    if not body.strip():
        report.error(path, body_line, "the page has no text after the fields")
        return None
    rendered = render(body)
    for line, message in rendered.problems:
        report.error(path, body_line + line - 1, message)
    full = rendered.html
    if meta.sources:
        full += "\n\n" + "\n".join(f"<i>📚 {html.escape(source, quote=False)}</i>" for source in meta.sources)
    # Right-to-left pages get a direction mark per line, and the bot adds a line or two of its own.
    length = visible_length(full) + (full.count("\n") + 1 if language in RTL_LANGUAGES else 0)
    if length > PAGE_LIMIT:
        report.error(
            path,
            body_line,
            f"the page is {length} characters once rendered; at most {PAGE_LIMIT} "
            f"(Telegram allows {TEXT_LIMIT}, and the bot adds a few lines of its own)",
        )
    return Page(
        id=meta.id,
        language=language,
        title=meta.title,
        html=full,
        menu=tuple(meta.menu),
        order=meta.order,
        sources=tuple(meta.sources),
    )


def _check_languages(root: Path, pack: ContentPack, report: Report) -> None:
    source = pack.pages.get(SOURCE_LANGUAGE, {})
    source_folder = root / SOURCE_LANGUAGE / "pages"
    # A French page that failed to load is reported already; its translations are not "unknown" too.
    broken = {path.stem for path in source_folder.glob("*.md")} - {page.id for page in source.values()}
    for page_id in REQUIRED_PAGES:
        if page_id not in source:
            report.error(source_folder / f"{page_id}.md", 1, f"the required page {page_id!r} is missing")
    for language in pack.languages:
        if language == SOURCE_LANGUAGE:
            continue
        folder = root / language / "pages"
        for page_id, page in pack.pages.get(language, {}).items():
            if page_id not in source and page_id not in broken:
                report.error(
                    folder / f"{page_id}.md",
                    2,
                    f"unknown id {page_id!r}: there is no French page with this id",
                )
            elif page_id in source and (page.title, page.html) == (
                source[page_id].title,
                source[page_id].html,
            ):
                report.warning(folder / f"{page_id}.md", 1, "identical to the French page: not translated?")
        for page_id in source:
            if page_id not in pack.pages.get(language, {}):
                report.warning(
                    folder / f"{page_id}.md",
                    1,
                    f"no {_language_name(language)} translation of {page_id!r}; French will be shown",
                )


def _language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)
