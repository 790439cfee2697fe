"""The public page where anyone checks a training certificate: GET /verify (a form) and /verify/{code}.

It shows what the certificate with this code says (the name printed on it, the module, the score, the date,
the issuing commune), so that a copy bearing another name is caught, in the visitor's language (`?lang=`,
else Accept-Language among the bot's languages, right to left for Arabic). Nothing is loaded from elsewhere:
the style is inline and allowed by its hash in the Content-Security-Policy.

Guessing codes is bounded twice. A code is 12 of 32 symbols (60 random bits, bot/domain/training.py): with a
million certificates out, one guess finds one with odds of one in a million million. And each address may
look up LOOKUPS codes per WINDOW (then 429 with Retry-After), counted in memory per instance (behind the
local reverse proxy, per address that proxy forwards): the limit slows one guesser down, the length makes
guessing hopeless however many addresses try.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from markupsafe import Markup
from telegram.ext import Application

from bot.content.pack import ContentPack
from bot.core.context import BotApplication
from bot.domain import training
from bot.i18n import Translator
from bot.models import Certificate
from bot.services import Services

LOOKUPS = 30  # codes an address may look up per window: a person checking a pile of certificates is fine
WINDOW = timedelta(minutes=10)
MAX_ADDRESSES = 10_000  # past this many addresses in a window, the oldest windows are forgotten first
MAX_CODE = 40  # characters of a typed code read at all (spaces and dashes included)
LOCAL_PROXIES = frozenset({"127.0.0.1", "::1"})
STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:40rem;margin:0 auto;padding:1rem;"
    "color:#1a1a1a;background:#fff}a{color:#0b4f9c}.brand{font-weight:bold;color:#0b4f9c;margin:0}"
    "nav ul{list-style:none;display:flex;gap:1rem;padding:0;margin:0.5rem 0}"
    "a:focus,input:focus,button:focus{outline:3px solid #0b4f9c;outline-offset:2px}"
    "dt{font-weight:bold}dd{margin:0 0 0.75rem}.verdict{font-size:1.2rem;font-weight:bold}"
    "label{display:block;font-weight:bold}input{font-size:1.1rem;padding:0.4rem;margin:0.25rem 0}"
    "button{font-size:1.1rem;padding:0.4rem 1rem;background:#0b4f9c;color:#fff;border:0}"
    ".code{font-family:monospace;letter-spacing:0.1em}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # the code is in the address: no other site learns it
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates" / "verify"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


@dataclass
class Guesses:
    """Lookups per address in the current window: a fixed window, reset when it is over."""

    windows: dict[str, tuple[datetime, int]] = field(default_factory=dict)

    def allow(self, address: str, now: datetime) -> bool:
        start, count = self.windows.get(address, (now, 0))
        if now - start >= WINDOW:
            start, count = now, 0
        if count >= LOOKUPS:
            return False
        if address not in self.windows and len(self.windows) >= MAX_ADDRESSES:
            for old in sorted(self.windows, key=lambda key: self.windows[key][0])[: MAX_ADDRESSES // 10]:
                del self.windows[old]
        self.windows[address] = (start, count + 1)
        return True


@dataclass
class Verification:
    application: BotApplication
    guesses: Guesses = field(default_factory=Guesses)

    @property
    def services(self) -> Services:
        return self.application.bot_data.services


VERIFICATION = web.AppKey("verification", Verification)


def add_verification_routes(app: web.Application, application: BotApplication | None = None) -> None:
    """GET /verify and /verify/{code} on `app`: the web app of `serve` (bot/web.py), whose bot Application it
    already holds, or another app (the demo's) given the Application."""
    if application is None:
        # bot.web keeps the Application under its own key, which this lower layer cannot import: by type.
        found = [value for value in app.values() if isinstance(value, Application)]
        if not found:
            raise ValueError("add_verification_routes: give the bot's Application, the web app holds none")
        application = found[0]
    app[VERIFICATION] = Verification(application)
    app.add_routes([web.get("/verify", _form), web.get("/verify/{code}", _certificate)])


async def _form(request: web.Request) -> web.Response:
    typed = request.query.get("code", "")[:MAX_CODE]
    if typed.strip():
        code = training.plain_code(typed)
        language = request.query.get("lang")
        query = f"?lang={language}" if language in _languages(request) else ""
        raise web.HTTPSeeOther(f"/verify/{code}{query}", headers=HEADERS)
    t = _translator(request)
    return _page(request, t, title=t.gettext("Vérifier une attestation"), status=200)


async def _certificate(request: web.Request) -> web.Response:
    verification = request.app[VERIFICATION]
    found = verification.services
    t = _translator(request)
    if not verification.guesses.allow(client_address(request), found.clock()):
        response = _page(
            request,
            t,
            title=t.gettext("Trop de vérifications"),
            message=t.gettext("Trop de codes vérifiés depuis cette adresse. Réessayez dans 10 minutes."),
            status=429,
        )
        response.headers["Retry-After"] = str(int(WINDOW.total_seconds()))
        return response
    code = training.plain_code(request.match_info["code"][:MAX_CODE])
    async with found.database.session() as session:
        certificate = await training.find_certificate(session, code=code)
    if certificate is None:
        return _page(
            request,
            t,
            title=t.gettext("Attestation introuvable"),
            message=t.gettext(
                "Aucune attestation ne porte ce code. Vérifiez-le : s'il est bien recopié, l'attestation "
                "n'est pas authentique, ou son titulaire l'a effacée."
            ),
            code=code,
            status=404,
        )
    shown = certificate_fields(certificate, found.content, t)
    return _page(request, t, title=t.gettext("Attestation authentique"), certificate=shown, status=200)


def client_address(request: web.Request) -> str:
    """Who is guessing: the peer, or, behind a reverse proxy on this machine (README: Caddy), the address
    that proxy appended last to X-Forwarded-For (the earlier ones are the client's to forge)."""
    peer = request.remote or "unknown"
    if peer in LOCAL_PROXIES:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return peer


def certificate_fields(certificate: Certificate, content: ContentPack, t: Translator) -> dict[str, Any]:
    # The module as its holder took it: their territory's own version or item (bot/content/local.py).
    module = content.module(t.language, certificate.module, certificate.territory)
    territory = content.territories.get(certificate.territory or "")
    return {
        "holder": certificate.holder_name,
        "module": module.title if module else certificate.module,
        "score": f"{t.number(certificate.score)} %",
        "date": t.date(certificate.issued_on),
        "issuer": territory.name(t.language) if territory else None,
        "code": certificate.code,
    }


def _page(
    request: web.Request,
    t: Translator,
    *,
    title: str,
    status: int,
    message: str | None = None,
    code: str = "",
    certificate: dict[str, Any] | None = None,
) -> web.Response:
    found = request.app[VERIFICATION].services
    words = {
        "languages": t.gettext("Langues"),
        "authentic": t.gettext("Cette attestation a bien été délivrée par Repères."),
        "holder": t.gettext("Nom imprimé"),
        "no_name": t.gettext("Imprimée sans nom"),
        "module": t.gettext("Formation"),
        "score": t.gettext("Score"),
        "date": t.gettext("Date"),
        "issuer": t.gettext("Délivrée par"),
        "code": t.gettext("Code"),
        "other_name": t.gettext("Une attestation qui porte un autre nom, module ou score est fausse."),
        "label": t.gettext("Code imprimé sur l'attestation"),
        "submit": t.gettext("Vérifier"),
        "explain": t.gettext(
            "Le code figure en bas de l'attestation. Cette page montre le nom, la formation, le score et la "
            "date qui y sont imprimés."
        ),
    }
    languages = [(language, found.catalogs.native_name(language)) for language in _languages(request)]
    body = _TEMPLATES.get_template("page.html").render(
        lang=t.language,
        dir="rtl" if t.rtl else "ltr",
        title=title,
        style=Markup(STYLE),  # a constant of this module, hashed into the CSP above: not escaped
        languages=languages,
        t=words,
        message=message,
        code=code,
        certificate=certificate,
    )
    return web.Response(text=body, status=status, content_type="text/html", headers=HEADERS)


def _languages(request: web.Request) -> tuple[str, ...]:
    return request.app[VERIFICATION].services.catalogs.languages


def _translator(request: web.Request) -> Translator:
    found = request.app[VERIFICATION].services
    supported = found.catalogs.languages
    chosen = request.query.get("lang")
    if chosen in supported:
        return found.catalogs.get(chosen)
    preferred = accepted(request.headers.get("Accept-Language", ""), supported)
    return found.catalogs.get(preferred or found.settings.default_language)


def accepted(header: str, supported: tuple[str, ...]) -> str | None:
    """The supported language the visitor prefers most, from Accept-Language ("ar-MA,fr;q=0.8")."""
    ranked = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                continue
        language = tag.strip().split("-")[0].lower()
        if language in supported and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None
