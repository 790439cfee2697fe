"""What each language lacks compared with French, the source: for translators and for a deployment's review.

Anything missing in a language is shown in French there (ContentPack falls back per item), so a pack can be
valid and still show French to an Arabic reader: the per-file warnings say so one file at a time, and this
summary says it per language and kind, so that "valid" is never read as "fully translated". A translation
identical to the French file counts as missing too: the reader gets French either way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot.content.pack import SOURCE_LANGUAGE, ContentPack

KINDS = ("pages", "resources", "myths", "modules", "topics")


@dataclass(frozen=True)
class Gap:
    """The French items of one kind that a language does not have (or only as a copy of the French)."""

    language: str
    kind: str
    missing: tuple[str, ...]  # ids, sorted
    total: int  # how many the French source has


def translation_gaps(pack: ContentPack) -> list[Gap]:
    """One entry per language and kind, complete ones included (their `missing` is empty)."""
    gaps = []
    for language in pack.languages:
        if language == SOURCE_LANGUAGE:
            continue
        for kind in KINDS:
            items: dict[str, dict[str, Any]] = getattr(pack, kind)
            source = items.get(SOURCE_LANGUAGE, {})
            translated = items.get(language, {})
            missing = tuple(
                sorted(
                    item_id
                    for item_id, original in source.items()
                    if translated.get(item_id) in (None, replace(original, language=language))
                )
            )
            gaps.append(Gap(language, kind, missing, len(source)))
    return gaps


def summary_lines(pack: ContentPack, names: dict[str, str]) -> list[str]:
    """The summary `content check` prints: one line per complete language, one per kind lacking."""
    lines = ["translations (compared with French; what is missing is shown in French):"]
    by_language: dict[str, list[Gap]] = {}
    for gap in translation_gaps(pack):
        by_language.setdefault(gap.language, []).append(gap)
    for language, gaps in by_language.items():
        name = names.get(language, language)
        lacking = [gap for gap in gaps if gap.missing]
        if not lacking:
            counts = ", ".join(f"{gap.total} {gap.kind}" for gap in gaps)
            lines.append(f"  {name} ({language}): complete ({counts})")
            continue
        for gap in lacking:
            count = f"{len(gap.missing)} of {gap.total} {gap.kind}"
            lines.append(f"  {name} ({language}): {count} missing: {', '.join(gap.missing)}")
    return lines
