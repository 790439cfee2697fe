"""Read `content/`, validate it into typed models, and report every problem with its file and line.

Layout:
    content/territories/<id>.yml          one file per territory (id, name per language, time zone)
    content/territories/<id>/...          a territory's own items, replacing or adding (local.py)
    content/links.yml                     deep-link codes worth counting (optional)
    content/<lang>/pages/<id>.md          a page: YAML front matter between `---` lines, then Markdown
    content/<lang>/topics.yml             the themes resources are grouped under
    content/<lang>/resources/<id>.md      a resource for parents (long ones are cut into pages)
    content/<lang>/myths/<id>.md          a received idea, true or false, with the facts
    content/<lang>/youth/<id>.md          the youth space: its notice, sections and cards (youth.py)
    content/<lang>/worries.yml            words that tell a worry or a danger in typed text
    content/helplines.yml                 the national helplines, with their opening hours
    content/directory/<territory>.yml     a territory's local services
    content/sequences.yml                 drip and weekly series for the campaign engine (optional)
    content/stored_data.yml               every stored column and its line in the privacy notice

The same ids in every language, French as the source: an item missing in another language is a warning
(French is shown), an item that exists only in a translation is an error.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from bot.bidi import directed, is_rtl
from bot.content.files import read_list, read_markdown, read_model, with_sources
from bot.content.markup import TEXT_LIMIT, render, visible_length
from bot.content.pack import (
    SOURCE_LANGUAGE,
    ContentPack,
    Module,
    Myth,
    Option,
    Page,
    Question,
    Resource,
    Topic,
)
from bot.content.paging import split_pages
from bot.content.places import load_directory, load_helplines, load_links, load_territories
from bot.content.problems import Report, language_name
from bot.content.schemas import (
    ModuleFile,
    MythFile,
    PageFile,
    ResourceFile,
    TopicFile,
)
from bot.content.sequences import load_sequences
from bot.content.stored_data import NOTICE_PAGE, check_controller_fields, load_stored_data
from bot.content.worries import load_worries
from bot.content.yaml_lines import line_of
from bot.content.youth import Youth, load_youth

REQUIRED_PAGES = ("welcome", "privacy_notice", NOTICE_PAGE)
PAGE_LIMIT = TEXT_LIMIT - 300
MAX_PAGES = 20

Item = TypeVar("Item", Page, Resource, Myth)


def load_content(root: Path, languages: tuple[str, ...]) -> tuple[ContentPack, Report]:
    """The content pack and the report; use the pack only when the report has no error."""
    report = Report(root=root)
    pack = ContentPack(languages=languages)
    if not root.is_dir():
        report.error(root, 1, "the content folder does not exist")
        return pack, report
    load_territories(root / "territories", pack, report)
    load_links(root / "links.yml", pack, report)
    load_helplines(root / "helplines.yml", pack, report)
    load_directory(root / "directory", pack, report)
    for language in languages:
        folder = root / language
        pack.pages[language] = _load_folder(folder / "pages", language, report, _page)
        pack.topics[language] = _load_topics(folder / "topics.yml", language, report)
        pack.resources[language] = _load_folder(folder / "resources", language, report, _resource)
        pack.myths[language] = _load_folder(folder / "myths", language, report, _myth)
        pack.modules[language] = _load_modules(folder / "modules", language, report)
        known = frozenset(helpline.id for helpline in pack.helplines)
        lists = load_worries(folder / "worries.yml", language, report, known)
        if lists is not None:
            pack.worries[language] = lists
    for page_id in REQUIRED_PAGES:
        if page_id not in pack.pages[SOURCE_LANGUAGE]:
            path = root / SOURCE_LANGUAGE / "pages" / f"{page_id}.md"
            report.error(path, 1, f"the required page {page_id!r} is missing")
    for kind in ("pages", "resources", "myths"):
        _check_translations(root, kind, getattr(pack, kind), report)
    _check_module_translations(root, pack, report)
    _check_references(root, pack, report)
    pack.youth = Youth(load_youth(root, languages, report))
    from bot.content.local import load_local  # it reads with this module's readers: imported late

    load_local(root / "territories", pack, report)  # after the national items it overrides
    load_sequences(root / "sequences.yml", pack, report)
    load_stored_data(root / "stored_data.yml", pack, report)
    check_controller_fields(root, pack, report)
    return pack, report


def _fits(path: Path, line: int, text: str, language: str, report: Report) -> None:
    # Measured as sent: right-to-left texts get a direction mark per line and isolates around their
    # left-to-right runs (bot/bidi.py); the bot adds a line or two of its own.
    length = visible_length(directed(text, is_rtl(language)))
    if length > PAGE_LIMIT:
        report.error(
            path,
            line,
            f"the page is {length} characters once rendered; at most {PAGE_LIMIT} "
            f"(Telegram allows {TEXT_LIMIT}, and the bot adds a few lines of its own)",
        )


def _page(path: Path, language: str, report: Report, schema: type[PageFile] = PageFile) -> Page | None:
    read = read_markdown(path, schema, report)
    if read is None:
        return None
    meta = read.meta
    full = with_sources(read.html, meta.sources)
    _fits(path, read.body_line, full, language, report)
    return Page(meta.id, language, meta.title, full, tuple(meta.menu), meta.order, tuple(meta.sources))


def _resource(
    path: Path, language: str, report: Report, schema: type[ResourceFile] = ResourceFile
) -> Resource | None:
    read = read_markdown(path, schema, report)
    if read is None:
        return None
    meta = read.meta
    pages = split_pages(f"<b>{html.escape(meta.title)}</b>\n\n{read.html}")
    pages[-1] = with_sources(pages[-1], meta.sources)
    if len(pages) > MAX_PAGES:
        report.error(
            path, read.body_line, f"{len(pages)} pages once cut: at most {MAX_PAGES}, split the resource"
        )
    for page in pages:
        _fits(path, read.body_line, page, language, report)
    return Resource(meta.id, language, meta.topic, meta.title, meta.summary, meta.order, tuple(pages))


def _myth(path: Path, language: str, report: Report, schema: type[MythFile] = MythFile) -> Myth | None:
    read = read_markdown(path, schema, report)
    if read is None:
        return None
    meta = read.meta
    full = with_sources(read.html, meta.sources)
    _fits(path, read.body_line, full, language, report)
    return Myth(meta.id, language, meta.claim, meta.answer, meta.order, meta.next, full)


def _load_folder(
    folder: Path, language: str, report: Report, read: Callable[[Path, str, Report], Item | None]
) -> dict[str, Item]:
    items: dict[str, Item] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        item = read(path, language, report)
        if item is None:
            continue
        if item.id in items:
            report.error(
                path, 2, f"duplicate id {item.id!r}: another file in {language}/{folder.name} has it"
            )
            continue
        items[item.id] = item
    return items


def _load_modules(
    folder: Path, language: str, report: Report, schema: type[ModuleFile] = ModuleFile
) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        loaded = read_model(path, schema, report)
        if loaded is None:
            continue
        meta, lines = loaded
        if meta.id in modules:
            report.error(path, line_of(lines, ("id",)), f"duplicate id {meta.id!r}: another module has it")
            continue
        cards = []
        for index, card in enumerate(meta.cards):
            rendered = render(card)
            for line, message in rendered.problems:
                report.error(path, line_of(lines, ("cards", index)) + line, message)
            cards.append(rendered.html)
        cards[-1] = with_sources(cards[-1], meta.sources)
        for index, card in enumerate(cards):
            _fits(path, line_of(lines, ("cards", index)), card, language, report)
        quiz = tuple(
            Question(
                html.escape(question.question),
                question.multiple,
                tuple(Option(o.text, o.correct, render(o.explanation).html) for o in question.options),
            )
            for question in meta.quiz
        )
        fields = meta.model_dump(
            include={"id", "title", "summary", "minutes", "public", "order", "pass_mark"}
        )
        if not meta.objectives:
            report.warning(path, 1, "no objectives: its certificates will list none")
        modules[meta.id] = Module(
            **fields,
            language=language,
            audience=tuple(meta.audience),
            cards=tuple(cards),
            quiz=quiz,
            objectives=tuple(meta.objectives),
        )
    return modules


def _check_module_translations(root: Path, pack: ContentPack, report: Report) -> None:
    """The same modules in every language, with the same right answers (scores must mean the same)."""
    source = pack.modules.get(SOURCE_LANGUAGE, {})
    for language in pack.languages[1:]:
        translated = pack.modules.get(language, {})
        for module_id, module in translated.items():
            path = root / language / "modules" / f"{module_id}.yml"
            original = source.get(module_id)
            if original is None:
                report.error(path, 1, f"unknown id {module_id!r}: there is no French module with this id")
            elif [[o.correct for o in q.options] for q in module.quiz] != [  # scores must mean the same
                [o.correct for o in q.options] for q in original.quiz
            ]:
                report.error(path, 1, "the quiz's right answers differ from the French module's")
            elif len(module.cards) != len(original.cards):
                report.error(
                    path, 1, "the number of cards differs from the French module's (progress is kept by card)"
                )
            elif module == replace(original, language=language):
                report.warning(path, 1, "identical to the French module: not translated?")
        for module_id in source:
            path = root / language / "modules" / f"{module_id}.yml"
            # A file that failed to load has its error already: it is there, only broken.
            if module_id not in translated and not path.exists():
                name = language_name(language)
                report.warning(path, 1, f"no {name} translation of {module_id!r}; French will be shown")


def _load_topics(path: Path, language: str, report: Report) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for entry, line in read_list(path, TopicFile, report, "id") if path.is_file() else []:
        if entry.id in topics:
            report.error(path, line, f"duplicate topic id {entry.id!r}")
        topics[entry.id] = Topic(entry.id, language, entry.title, entry.order)
    return topics


def _check_translations(root: Path, kind: str, items: dict[str, dict[str, Item]], report: Report) -> None:
    source = items.get(SOURCE_LANGUAGE, {})
    folder = root / SOURCE_LANGUAGE / kind
    # A French file that failed to load is reported already; its translations are not "unknown" too.
    broken = {path.stem for path in folder.glob("*.md")} - set(source)
    for language, translated in items.items():
        if language == SOURCE_LANGUAGE:
            continue
        for item_id, item in translated.items():
            path = root / language / kind / f"{item_id}.md"
            if item_id not in source and item_id not in broken:
                report.error(path, 2, f"unknown id {item_id!r}: there is no French file with this id")
            elif item_id in source and item == _relabel(source[item_id], language):
                report.warning(path, 1, "identical to the French file: not translated?")
        for item_id in source:
            if item_id not in translated:
                path = root / language / kind / f"{item_id}.md"
                name = language_name(language)
                report.warning(path, 1, f"no {name} translation of {item_id!r}; French will be shown")


def _relabel(item: Item, language: str) -> Item:
    return replace(item, language=language)


def _check_references(root: Path, pack: ContentPack, report: Report) -> None:
    """Every id a file points to exists: a resource's topic, a myth's next step."""
    for language in pack.languages:
        topics = set(pack.topics.get(language, {})) | set(pack.topics.get(SOURCE_LANGUAGE, {}))
        for resource in pack.resources.get(language, {}).values():
            if resource.topic not in topics:
                path = root / language / "resources" / f"{resource.id}.md"
                report.error(path, 3, f"unknown topic {resource.topic!r}: add it to {language}/topics.yml")
        known: dict[str, set[str]] = {
            "resource": set(pack.resources.get(SOURCE_LANGUAGE, {})),
            "page": set(pack.pages[SOURCE_LANGUAGE]),
        }
        for myth in pack.myths.get(language, {}).values():
            kind, _, target = (myth.next or ":").partition(":")
            if myth.next and target not in known.get(kind, set()):
                path = root / language / "myths" / f"{myth.id}.md"
                report.error(path, 3, f"next: unknown {kind} {target!r}")
    for language in pack.languages[1:]:
        if pack.topics.get(SOURCE_LANGUAGE) and not pack.topics.get(language):
            path = root / language / "topics.yml"
            report.warning(path, 1, f"no {language_name(language)} topics; the French ones will be shown")
