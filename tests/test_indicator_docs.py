"""Every table key is defined in docs/INDICATORS.md, and every key, dimension and member has words."""

from __future__ import annotations

import re
from pathlib import Path

from bot.db import Database
from bot.domain.indicators import PAGES, export_tables, page_tables
from bot.domain.indicators.labels import label
from bot.domain.scope import Scope
from bot.domain.tables import Table
from tests import indicator_support as given
from tests.conftest import ROOT, ContentCache

DOCS = ROOT / "docs" / "INDICATORS.md"


async def every_table(database: Database, content_dir: Path, content_cache: ContentCache) -> list[Table]:
    content = content_cache.get(content_dir).content
    territory = next(iter(content.territories))
    module = content.module_list("fr")[0].id
    myth = content.myth_ids()[0]
    resource = next(iter(content.resources["fr"]))
    async with database.session() as session:
        people = await given.people(session, 6, month="2026-04", territory=territory)
        await given.trainings(session, people, module=module, month="2026-04", passed=True, score=80,
                              kind="teacher")  # fmt: skip
        await given.answers(session, myth=myth, territory=territory, month="2026-04", correct=7, mistaken=6)
        await given.opened(session, 6, resource=resource, territory=territory, month="2026-04")
    tables = []
    async with database.session() as session:
        for page in PAGES:
            tables += await page_tables(session, page, Scope.whole(), "2026-04", "2026-04")
        tables += await export_tables(session, Scope.whole(), "2026-04", "2026-04")
    return tables


async def test_every_table_key_is_defined_in_the_docs(
    database: Database, content_dir: Path, content_cache: ContentCache
) -> None:
    documented = set(re.findall(r"`([a-z_]+)`", DOCS.read_text(encoding="utf-8")))
    keys = {table.key.partition(":")[0] for table in await every_table(database, content_dir, content_cache)}
    assert len(keys) > 20
    assert keys - documented == set()


async def test_every_key_dimension_and_member_has_words_in_every_language(
    database: Database, content_dir: Path, content_cache: ContentCache
) -> None:
    loaded = content_cache.get(content_dir)
    tables = await every_table(database, content_dir, content_cache)
    for language in loaded.catalogs.languages:
        t = loaded.catalogs.get(language)
        for table in tables:
            words = [table.key, table.row_dimension, table.column_dimension, *table.rows, *table.columns]
            for key in words:
                shown = label(t, loaded.content, key)
                assert shown and shown != key, f"{key!r} has no words in {language}"
        for page in PAGES:
            assert label(t, loaded.content, page) != page
    french = loaded.catalogs.get("fr")
    assert label(french, loaded.content, "2026-04") == "avril 2026"
    assert label(french, loaded.content, "people_by_role:parent") == (
        "Personnes arrivées, par profil – Parents et proches"
    )
    assert label(loaded.catalogs.get("ar"), loaded.content, "ar") == "العربية"
