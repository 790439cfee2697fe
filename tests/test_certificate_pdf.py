"""The certificate as a holder gets it, read back with pypdf in French, English and Arabic: the commune with
its logo and signatory, the module's duration and objectives, the date ("1er" in French), the name printed,
and how to check the code (the bot's @username, and the public page when there is one)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from bot.certificate_pdf import render_certificate
from bot.core.ui import Ui
from bot.features.trainings.certificates import certificate_text, issuing_territory
from bot.models import Certificate
from tests.conftest import CONTENT, ContentCache

CODE = "ABCDEFGHJKLM"
PAGE = f"https://bot.example.fr/verify/{CODE}"


def read_back(content_cache: ContentCache, language: str, holder: str | None, page: str | None) -> str:
    loaded = content_cache.get(CONTENT)
    module = loaded.content.module(language, "networks_and_minors")
    assert module is not None and module.language == language
    issued = date(2026, 3, 1)
    certificate = Certificate(
        code=CODE, module=module.id, score=85, issued_on=issued, holder_name=holder, territory="demo"
    )
    ui = Ui(person=None, t=loaded.catalogs.get(language))
    territory = issuing_territory(loaded.content, "demo")
    text = certificate_text(ui, module, certificate, territory, username="reperes_bot", page=page)
    pdf = PdfReader(io.BytesIO(render_certificate(text)))
    assert len(pdf.pages) == 1, "everything fits on one page"
    assert pdf.pages[0].images, "the commune's logo"
    for objective in module.objectives:
        assert objective in pdf.pages[0].extract_text() or language == "ar"
    return pdf.pages[0].extract_text().replace("\u200e", "").replace("\u200f", "")  # zero-width marks


def test_french(content_cache: ContentCache) -> None:
    text = read_back(content_cache, "fr", "Camille Durand", PAGE)
    for line in (
        "Attestation de formation",
        "Camille Durand",
        "Réseaux de trafic : le rôle donné aux mineurs",
        "Le 1er mars 2026, avec un score de 85 % · Durée : 7 minutes",
        "Objectifs de la formation",
        "Délivrée par Démo-sur-Seine (exemple)",
        "Camille Exemple (exemple), Maire de Démo-sur-Seine (exemple)",
        f"Code : {CODE}",
        f"Vérifiable sur Telegram : /verify {CODE} auprès de @reperes_bot",
        f"ou en ligne : {PAGE}",
    ):
        assert line in text, line


def test_english(content_cache: ContentCache) -> None:
    text = read_back(content_cache, "en", "Alex Martin", None)
    for line in (
        "Training certificate",
        "Alex Martin",
        "On March 1, 2026, with a score of 85% · Length: 7 minutes",
        "Training objectives",
        "Issued by Démo-sur-Seine (example)",
        "Camille Exemple (exemple), Mayor of Démo-sur-Seine (example)",
        f"Check it on Telegram: /verify {CODE} with @reperes_bot",
    ):
        assert line in text, line
    assert "online" not in text, "no public page without DASHBOARD_URL"


@pytest.mark.parametrize("holder", ["كريمة بن علي", None])
def test_arabic(content_cache: ContentCache, holder: str | None) -> None:
    text = read_back(content_cache, "ar", holder, PAGE)
    # pypdf gives Arabic lines in visual order: whole words are checked, and the Latin runs as they are.
    for word in ("شهادة", "تكوين", "أهداف", "ديمو", CODE, "@reperes_bot", "/verify", PAGE, "2026"):
        assert word in text, word
    if holder:
        assert all(part in text for part in holder.split()), "the Arabic name"
