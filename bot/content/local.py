"""A territory's own content: `content/territories/<territory>/`, laid out like the national folders.

    territories/<territory>/<lang>/pages/<id>.md       same formats as content/<lang>/pages/...
    territories/<territory>/<lang>/resources/<id>.md
    territories/<territory>/<lang>/myths/<id>.md
    territories/<territory>/<lang>/modules/<id>.yml
    territories/<territory>/helplines.yml              a list, like content/helplines.yml

An item whose id is a national item's REPLACES it, whole (title, menu, topic, order and text), for the
people of that territory; an item with a new id is ADDED, for them only (their menus, lists and search).
Everyone else sees the national content. The files are checked like the national ones (same schemas, with
one more optional field, `overrides:`, see bot/content/versions.py), and French is the reference: a local
item exists in French, its translations are optional (French local text is shown otherwise).

A new kind of item becomes overridable with one line in LOCAL_KINDS and a field of `Local` (pack.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache, partial
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, Field, create_model, field_validator

from bot.content.loader import _load_folder, _load_modules, _myth, _page, _resource
from bot.content.pack import SOURCE_LANGUAGE, ContentPack, Local
from bot.content.places import read_helplines
from bot.content.problems import Report, language_name
from bot.content.schemas import (
    VERSION_PATTERN,
    HelplineFile,
    ModuleFile,
    MythFile,
    PageFile,
    ResourceFile,
)

Model = TypeVar("Model", bound=BaseModel)


class _Versioned(BaseModel):
    # The national version a replacing item was written against (bot/content/versions.py).
    overrides: str | None = Field(default=None, pattern=VERSION_PATTERN)

    @field_validator("overrides", mode="before")
    @classmethod
    def _quoted(cls, value: object) -> object:
        # YAML reads 12345678 as a number (and 01234567 as octal): only a quoted version keeps its digits.
        if value is not None and not isinstance(value, str):
            raise ValueError('write the version between quotes: overrides: "1a2b3c4d"')
        return value


@cache  # one class per schema, however many territories and languages are read
def local_schema(model: type[Model]) -> type[Model]:
    """The national schema, plus `overrides:`."""
    return cast(type[Model], create_model(f"Local{model.__name__}", __base__=(model, _Versioned)))


Reader = Callable[[Path, str, Report], dict[str, Any]]
# kind (a ContentPack and Local field, and the folder's name) -> (file extension, how to read a folder).
LOCAL_KINDS: dict[str, tuple[str, Reader]] = {
    "pages": (
        "md",
        lambda f, lang, r: _load_folder(f, lang, r, partial(_page, schema=local_schema(PageFile))),
    ),
    "resources": (
        "md",
        lambda f, lang, r: _load_folder(f, lang, r, partial(_resource, schema=local_schema(ResourceFile))),
    ),
    "myths": (
        "md",
        lambda f, lang, r: _load_folder(f, lang, r, partial(_myth, schema=local_schema(MythFile))),
    ),
    "modules": ("yml", lambda f, lang, r: _load_modules(f, lang, r, local_schema(ModuleFile))),
}
HELPLINES = "helplines.yml"


def load_local(folder: Path, pack: ContentPack, report: Report) -> None:
    """Every territory's own items into `pack.local`, checked; after the national items they replace."""
    for territory in sorted(pack.territories):
        base = folder / territory
        if not base.is_dir():
            continue
        local = Local()
        for language in pack.languages:
            for kind, (_, read) in LOCAL_KINDS.items():
                getattr(local, kind)[language] = read(base / language / kind, language, report)
        local.helplines = read_helplines(base / HELPLINES, pack.languages, report, local_schema(HelplineFile))
        _check(base, pack, local, report)
        pack.local[territory] = local
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        looks_local = any((path / name).exists() for name in (*pack.languages, HELPLINES))
        if path.is_dir() and path.name not in pack.territories and looks_local:
            report.error(path, 1, f"unknown territory {path.name!r}: name the folder after a territory's id")


def _check(base: Path, pack: ContentPack, local: Local, report: Report) -> None:
    for kind, (extension, _) in LOCAL_KINDS.items():
        items: Mapping[str, Mapping[str, Any]] = getattr(local, kind)
        source = items.get(SOURCE_LANGUAGE, {})
        for language, translated in items.items():
            for item_id in translated:
                path = base / language / kind / f"{item_id}.{extension}"
                if not path.is_file():  # the loader matched the file by its id field
                    report.error(
                        base / language / kind, 1, f"{item_id!r}: name the file after its id ({path.name})"
                    )
                if language != SOURCE_LANGUAGE and item_id not in source:
                    report.error(
                        path,
                        1,
                        f"no French version of {item_id!r} in this territory: write "
                        f"{SOURCE_LANGUAGE}/{kind}/{path.name} first (French is the reference)",
                    )
            if language == SOURCE_LANGUAGE:
                continue
            for item_id in source:
                if item_id not in translated:
                    path = base / language / kind / f"{item_id}.{extension}"
                    name = language_name(language)
                    report.warning(
                        path, 1, f"no {name} version of {item_id!r}; the local French one is shown"
                    )
    _check_references(base, pack, local, report)


def _check_references(base: Path, pack: ContentPack, local: Local, report: Report) -> None:
    """A local resource's topic and a local myth's next step exist, nationally or in this territory; a
    replacing module keeps the national one's cards count (progress is kept by card)."""
    topics = set(pack.topics.get(SOURCE_LANGUAGE, {}))
    known = {
        "resource": set(pack.resources.get(SOURCE_LANGUAGE, {}))
        | set(local.resources.get(SOURCE_LANGUAGE, {})),
        "page": set(pack.pages.get(SOURCE_LANGUAGE, {})) | set(local.pages.get(SOURCE_LANGUAGE, {})),
    }
    for language in pack.languages:
        for resource in local.resources.get(language, {}).values():
            if resource.topic not in topics:
                path = base / language / "resources" / f"{resource.id}.md"
                report.error(path, 3, f"unknown topic {resource.topic!r}: use one of {language}/topics.yml")
        for myth in local.myths.get(language, {}).values():
            kind, _, target = (myth.next or ":").partition(":")
            if myth.next and target not in known.get(kind, set()):
                report.error(
                    base / language / "myths" / f"{myth.id}.md", 3, f"next: unknown {kind} {target!r}"
                )
        for module in local.modules.get(language, {}).values():
            national = pack.module(language, module.id)
            if national is not None and len(national.cards) != len(module.cards):
                path = base / language / "modules" / f"{module.id}.yml"
                message = f"{len(module.cards)} cards, the national module has {len(national.cards)}"
                report.error(path, 1, message + ": keep the same number (progress is kept by card)")
