"""The certificate of a passed module, and `/verify CODE` in the chat.

A certificate names the commune that issues it (the person's territory: its name, and its logo and signatory
when its territory file gives them), the module with its duration and objectives, and how to check it: the
bot's @username and, when the dashboard has a public address, the verification page. The name the person
chose to print is kept on the certificate's row (certificate_name.mmd, beside this file), so that /verify
shows it and a copy bearing another name is caught; the row is the holder's, and /forget deletes it.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable
from datetime import timedelta

from telegram import InputFile, Update

from bot.bidi import isolate_line
from bot.certificate_pdf import CertificateText, render_certificate
from bot.config import Settings
from bot.content.pack import ContentPack, Module, Territory
from bot.core.callbacks import Action, pack
from bot.core.context import Context
from bot.core.stale import stale_button
from bot.core.ui import Ui, acknowledge, answer, button, ui_for
from bot.core.views import back_to_menu
from bot.domain import conversations, training
from bot.domain.conversations import INPUT_WAITS, Current, Kind
from bot.models import Certificate

NAME_WAIT = timedelta(minutes=10)  # after this, typed text is a search again
MAX_NAME = 80  # the certificate row's holder_name column


def issuing_territory(content: ContentPack, territory_id: str | None) -> Territory | None:
    """The person's territory; with one territory in the deployment, that one for everyone."""
    if territory_id and territory_id in content.territories:
        return content.territories[territory_id]
    if len(content.territories) == 1:
        return next(iter(content.territories.values()))
    return None


def public_page(settings: Settings, code: str) -> str | None:
    """The verification page of a code, when the dashboard has a public address (DASHBOARD_URL)."""
    # The setting belongs to the dashboard (bot/dashboard/): until it is set, the chat is the only check.
    base = getattr(settings, "dashboard_url", None)
    return f"{str(base).rstrip('/')}/verify/{code}" if base else None


def certificate_text(
    ui: Ui,
    module: Module,
    certificate: Certificate,
    territory: Territory | None,
    *,
    username: str,
    page: str | None,
) -> CertificateText:
    minutes = ui.t.ngettext("{count} minute", "{count} minutes", module.minutes).format(count=module.minutes)
    details = ui._("Le {date}, avec un score de {score} %").format(
        date=ui.t.date(certificate.issued_on), score=certificate.score
    )
    issuer = ui._("Repères, dispositif local de prévention")
    signatory = None
    if territory is not None:
        issuer = ui._("Délivrée par {commune}").format(commune=territory.name(ui.language))
        found = territory.issuer.signatory
        if found is not None:
            signatory = ui._("{name}, {title}").format(name=found.name, title=found.title(ui.language))
    verify = [
        ui._("Vérifiable sur Telegram : /verify {code} auprès de @{bot}").format(
            code=certificate.code, bot=username
        )
    ]
    if page is not None:
        verify.append(ui._("ou en ligne : {address}").format(address=page))
    line = _line_for(ui)
    return CertificateText(
        heading=line(ui._("Attestation de formation")),
        name=line(certificate.holder_name) if certificate.holder_name else None,
        completed=line(ui._("a suivi avec succès la micro-formation")),
        module=line(module.title),
        details=line(details + " · " + ui._("Durée : {duration}").format(duration=minutes)),
        objectives_heading=line(ui._("Objectifs de la formation")),
        objectives=tuple(line(objective) for objective in module.objectives),
        issuer=line(issuer),
        signatory=line(signatory) if signatory else None,
        code=line(ui._("Code : {code}").format(code=certificate.code)),
        verify=tuple(line(text) for text in verify),
        logo=territory.issuer.logo if territory is not None else None,
    )


def _line_for(ui: Ui) -> Callable[[str], str]:
    """Right to left, each line's left-to-right runs (the code, "/verify", "@bot", a URL, a Latin name) are
    isolated as in the chat (bot/bidi.py): fpdf2 applies the same bidirectional algorithm, and without the
    isolates "@bot" would print as "bot@"."""
    return isolate_line if ui.t.rtl else str


async def ask_name(update: Update, context: Context, ui: Ui, module: Module) -> None:
    """Wait for the name to print: only the module's id is kept meanwhile."""
    found = context.services
    chat = update.effective_chat
    assert chat is not None
    async with found.database.session() as session:
        waiting = await conversations.begin(
            session,
            chat_id=chat.id,
            kind=Kind.CERTIFICATE_NAME,
            data={"module": module.id},
            now=found.clock(),
            lasts=NAME_WAIT,
            over=INPUT_WAITS,
        )
    if waiting is None:  # a relay conversation takes what the person types: a name would go there
        text = ui._(
            "Ce que vous écrivez va en ce moment au professionnel qui a pris votre demande. Recevez "
            "l'attestation sans nom, ou terminez d'abord la conversation."
        )
    else:
        text = ui._(
            "Écrivez votre nom tel qu'il doit figurer sur l'attestation. Il est gardé avec l'attestation, "
            "pour que /verify le montre, jusqu'à ce que vous l'effaciez avec /forget. Ou recevez-la sans nom."
        )
    await answer(
        update, ui, text, [[button(ui._("Sans nom"), pack(Action.TRAINING, "p", module.id, "anon"))]]
    )


async def send_certificate(
    update: Update, context: Context, ui: Ui, module: Module, name: str | None
) -> None:
    found = context.services
    assert ui.person is not None and ui.person.id is not None
    territory = issuing_territory(found.content, ui.person.territory)
    async with found.database.session() as session:
        progress = (await training.progress_of(session, person_id=ui.person.id)).get(module.id)
        if progress is None or progress.passed_at is None:
            certificate = None
        else:
            certificate = await training.issue_certificate(
                session,
                person_id=ui.person.id,
                module=module.id,
                score=progress.best_score,
                today=found.clock().date(),
                holder_name=name,
                territory=territory.id if territory is not None else None,
            )
    if certificate is None:
        await stale_button(update, context, ui)
        return
    await acknowledge(update)
    page = public_page(found.settings, certificate.code)
    text = certificate_text(ui, module, certificate, territory, username=context.bot.username, page=page)
    chat = update.effective_chat
    assert chat is not None
    pdf = await asyncio.to_thread(render_certificate, text)  # fonts and layout: keep the event loop free
    await chat.send_document(
        InputFile(pdf, filename=f"attestation-{module.id}.pdf"),
        caption=ui.t.directed(
            ui._("Votre attestation. Code de vérification : {code}").format(code=certificate.code)
        ),
    )


async def certificate_name(update: Update, context: Context, ui: Ui, waiting: Current) -> bool:
    """The text router's route while a name is awaited: typed text is the name to print; False for
    anything else, or when another instance took the answer first."""
    message = update.effective_message
    if message is None or not message.text:
        return False
    found = context.services
    module = found.content.module(ui.language, waiting.text("module") or "", ui.territory)
    async with found.database.session() as session:
        claimed = await conversations.taken(session, waiting)
    if not claimed or module is None or ui.person is None:
        return False
    name = " ".join(message.text.split())[:MAX_NAME]  # one line, as printed
    await send_certificate(update, context, ui, module, name or None)
    return True


async def verify(update: Update, context: Context) -> None:
    """What the certificate with this code says: the name printed on it, the module, the score, the date."""
    ui = await ui_for(update, context)
    code = training.plain_code(" ".join(context.args or []))
    async with context.services.database.session() as session:
        certificate = await training.find_certificate(session, code=code) if code else None
    if not code:
        text = ui._("Envoyez le code imprimé sur l'attestation : /verify CODE")
    elif certificate is None:
        text = ui._(
            "Aucune attestation ne porte ce code. Vérifiez-le : s'il est bien recopié, l'attestation n'est "
            "pas authentique, ou son titulaire l'a effacée."
        )
    else:
        text = verified_text(ui, context.services.content, certificate)
    await answer(update, ui, text, [back_to_menu(ui)], edit=False)


def verified_text(ui: Ui, content: ContentPack, certificate: Certificate) -> str:
    module = content.module(ui.language, certificate.module, certificate.territory)
    territory = content.territories.get(certificate.territory or "")
    lines = ["<b>" + ui._("✅ Attestation authentique") + "</b>"]
    if certificate.holder_name:
        name = f"<b>{html.escape(certificate.holder_name)}</b>"
        lines.append(ui._("Nom imprimé : {name}").format(name=name))
    else:
        lines.append(ui._("Imprimée sans nom."))
    lines.append(
        ui._("« {module} », score {score} %, le {date}.").format(
            module=html.escape(module.title if module else certificate.module),
            score=certificate.score,
            date=ui.t.date(certificate.issued_on),
        )
    )
    if territory is not None:
        lines.append(ui._("Délivrée par {commune}").format(commune=html.escape(territory.name(ui.language))))
    lines.append(ui._("Une attestation qui porte un autre nom, module ou score est fausse."))
    return "\n".join(lines)
