"""The public verification page over HTTP (GET /verify and /verify/{code} on the web app of `serve`): the name
printed on a certificate in the visitor's language, a clear 404 for an unknown code, security headers,
nothing loaded from elsewhere, and a bound on guesses."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.dashboard.logs import RedactingAccessLogger
from bot.dashboard.verify import LOOKUPS, WINDOW, accepted
from bot.runner import serving_app
from sandbox.client import SandboxUser
from tests.conftest import Harness, last
from tests.test_training_e2e import COORDINATOR, answer_quiz, invite_link, module, professional


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "trainings_open_to_all": False}


@pytest.fixture
async def http(harness: Harness) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = serving_app(harness.app, harness.services, webhook=False)
    async with TestClient(TestServer(app)) as client:
        yield client


async def certified(harness: Harness, name: str | None) -> tuple[SandboxUser, str]:
    """A professional who passed the module and received a certificate; its code."""
    quiz = module(harness)
    pro = await professional(harness, await invite_link(harness))
    await pro.press("🎓 Formations courtes")
    await pro.press(next(label for label in pro.buttons(await last(pro)) if quiz.title in label))
    for _ in range(len(quiz.cards) - 1):
        await pro.press("Suivant ▶️")
    await pro.press("📝 Passer le quiz")
    await answer_quiz(pro, quiz, right=True)
    await pro.press("📄 Recevoir mon attestation")
    if name is None:
        await pro.press("Sans nom")
    else:
        await pro.send(name)
    caption = (await last(pro))["caption"]
    return pro, caption.split("vérification : ")[1].split()[0]


async def test_the_page_shows_the_printed_name_in_the_visitors_language(
    harness: Harness, http: TestClient[web.Request, web.Application]
) -> None:
    harness.clock.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    pro, code = await certified(harness, "Camille Durand")
    quiz = module(harness)
    reply = await http.get(f"/verify/{code}", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.8"})
    page = await reply.text()
    assert reply.status == 200 and '<html lang="fr" dir="ltr">' in page
    for words in ("Attestation authentique", "Nom imprimé", "Camille Durand", quiz.title, "100 %"):
        assert words in page, words
    assert "1er décembre 2026" in page and "Démo-sur-Seine (exemple)" in page
    assert "un autre nom, module ou score est fausse" in page
    headers = reply.headers
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store" and headers["X-Frame-Options"] == "DENY"
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing loaded from elsewhere"
    assert "<script" not in page

    english = await http.get(f"/verify/{code.lower()}", headers={"Accept-Language": "de,en-GB;q=0.7"})
    text = await english.text()
    assert english.status == 200 and '<html lang="en" dir="ltr">' in text
    assert "Genuine certificate" in text and "Camille Durand" in text and "December 1, 2026" in text

    arabic = await http.get(f"/verify/{code}", headers={"Accept-Language": "ar-MA"})
    text = await arabic.text()
    assert '<html lang="ar" dir="rtl">' in text and "شهادة صحيحة" in text and "Camille Durand" in text
    chosen = await http.get(f"/verify/{code}?lang=ar", headers={"Accept-Language": "fr"})
    assert 'dir="rtl"' in await chosen.text(), "the language links win over the browser's"

    await pro.send("/forget")
    await pro.press("Oui, tout effacer")
    gone = await http.get(f"/verify/{code}")
    assert gone.status == 404, "the holder deleted it"


async def test_an_unknown_code_is_a_404_with_a_clear_sentence(
    harness: Harness, http: TestClient[web.Request, web.Application]
) -> None:
    reply = await http.get("/verify/ZZZZZZZZZZZZ", headers={"Accept-Language": "fr"})
    page = await reply.text()
    assert reply.status == 404 and "Attestation introuvable" in page
    assert "Aucune attestation ne porte ce code" in page and 'role="alert"' in page
    assert 'value="ZZZZZZZZZZZZ"' in page, "the form again, with the code to correct"
    odd = await http.get("/verify/%3Cscript%3Ealert(1)%3C%2Fscript%3E" + "A" * 200)
    assert odd.status == 404 and "<script>" not in await odd.text()
    form = await http.get("/verify", headers={"Accept-Language": "en"})
    text = await form.text()
    assert form.status == 200 and '<label for="code">Code printed on the certificate</label>' in text
    assert '<input type="hidden" name="lang" value="en">' in text, "the answer in the form's language"
    sent = await http.get("/verify?code=abcd-efgh jklm&lang=ar", allow_redirects=False)
    assert sent.status == 303 and sent.headers["Location"] == "/verify/ABCDEFGHJKLM?lang=ar"
    odd = await http.get("/verify?code=%2F%2Fevil.example%3Fx%3D%0d%0aSet-Cookie:1", allow_redirects=False)
    assert odd.headers["Location"] == "/verify/EVILEXAMPLEXSETCOOKIE1", "only letters and digits go on"


async def test_guesses_from_one_address_are_bounded(
    harness: Harness, http: TestClient[web.Request, web.Application]
) -> None:
    _, code = await certified(harness, None)
    for number in range(LOOKUPS):
        reply = await http.get(f"/verify/GUESS{number:07d}")
        assert reply.status == 404
    refused = await http.get(f"/verify/{code}", headers={"Accept-Language": "fr"})
    assert refused.status == 429 and refused.headers["Retry-After"] == str(int(WINDOW.total_seconds()))
    assert "Trop de codes vérifiés depuis cette adresse" in await refused.text()
    # Behind the local reverse proxy, each visitor it forwards counts on their own.
    proxied = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7"}
    other = await http.get(f"/verify/{code}", headers=proxied)
    assert other.status == 200, "another visitor is not held back by the guesser"
    for number in range(LOOKUPS - 1):
        await http.get(f"/verify/GUESS{number:07d}", headers=proxied)
    assert (await http.get(f"/verify/{code}", headers=proxied)).status == 429
    forged = {"X-Forwarded-For": "192.0.2.1, 198.51.100.7"}
    assert (await http.get(f"/verify/{code}", headers=forged)).status == 429, "the proxy's entry counts"
    harness.clock.now += WINDOW
    again = await http.get(f"/verify/{code}", headers={"Accept-Language": "fr"})
    assert again.status == 200 and "Imprimée sans nom" in await again.text()


def test_accept_language() -> None:
    supported = ("fr", "en", "ar")
    assert accepted("ar-MA,fr;q=0.8", supported) == "ar"
    assert accepted("de-DE,en;q=0.5,fr;q=0.9", supported) == "fr"
    assert accepted("fr;q=0,en", supported) == "en"
    assert accepted("de, *;q=0.1", supported) is None
    assert accepted("fr;q=abc,en;q=0.2", supported) == "en"


async def test_the_access_log_never_holds_a_certificate_code(caplog: pytest.LogCaptureFixture) -> None:
    """A code gives the name printed on its certificate: the access log (read by more people, kept longer)
    keeps the page asked for, not the code, whether in the path or in the form's query."""

    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.add_routes([web.get("/verify", ok), web.get("/verify/{code}", ok)])
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        server = TestServer(app)
        await server.start_server(access_log_class=RedactingAccessLogger)  # as the runner starts it
        async with TestClient(server) as client:
            assert (await client.get("/verify/ABCD2345EFGH")).status == 200
            assert (await client.get("/verify?code=HGFE5432DCBA&lang=fr")).status == 200
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "/verify" in logged and "ABCD2345EFGH" not in logged and "HGFE5432DCBA" not in logged
