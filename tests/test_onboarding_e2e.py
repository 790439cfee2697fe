"""Onboarding end to end: the real Application polling the sandbox over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.domain.people import attribution_counts, get_person
from tests.conftest import Harness, last

# What the bot writes by itself at start-up (the content files' weekly series), not about anyone.
BOT_OWN_TABLES = {"campaign", "audit_log"}


async def count_rows(harness: Harness) -> int:
    """Rows in every table that could hold something about a person."""
    total = 0
    async with harness.services.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in BOT_OWN_TABLES:
                total += await session.scalar(select(func.count()).select_from(table)) or 0
    return total


async def test_start_to_menu_in_french(harness: Harness) -> None:
    user = await harness.user("Amina", "fr")
    await user.send("/start")
    message = await last(user)
    assert message is not None
    assert "Choisissez votre langue" in message["text"]
    assert user.buttons(message) == ["Français", "English", "العربية"]

    await user.press("Français")
    message = await last(user)
    assert "Bienvenue sur Repères" in message["text"]
    assert "Parent ou proche d'un jeune" in user.buttons(message)

    await user.press("Parent ou proche d'un jeune")
    message = await last(user)
    assert "Ce que Repères garde" in message["text"]
    assert await count_rows(harness) == 0, "nothing may be stored before Accept"

    await user.press("✅ J'accepte")
    message = await last(user)
    assert "Vos choix sont enregistrés" in message["text"]
    assert "☎️ Numéros d'aide" in user.buttons(message)
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None
    assert (person.language, person.role, person.territory) == ("fr", "parent", "demo")


async def test_start_to_menu_in_english(harness: Harness) -> None:
    # Telegram says the app is in English: the prompt is in English; the choice is what counts after.
    user = await harness.user("Sam", "en-GB")
    await user.send("/start")
    assert "Choose your language" in (await last(user))["text"]
    await user.press("English")
    welcome = await last(user)
    assert "Welcome to" in welcome["text"]
    await user.press(user.buttons(welcome)[1])  # professional
    notice = await last(user)
    assert "What Repères keeps" in notice["text"]
    controller = "Responsible: Démo-sur-Seine town hall (example); contact: dpo@demo-sur-seine.example"
    assert controller in notice["text"], "from the territory file, in English"
    await user.press(user.buttons(notice)[0])
    menu = await last(user)
    assert "Menu" in menu["text"]
    labels = user.buttons(menu)
    assert "☎️ Helplines" in labels
    assert any("Child in danger" in label for label in labels), "professionals see the referral page"
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and (person.language, person.role) == ("en", "professional")


async def test_start_to_menu_in_arabic_reads_right_to_left(harness: Harness) -> None:
    user = await harness.user("Nour", "ar")
    await user.send("/start")
    await user.press("العربية")
    welcome = await last(user)
    assert "Repères" in welcome["text"]
    # Every line of an Arabic message starts with a right-to-left mark, even one that starts with "Repères".
    assert all(line.startswith("\u200f") for line in welcome["text"].split("\n") if line)
    await user.press(user.buttons(welcome)[0])
    notice = await last(user)
    await user.press(user.buttons(notice)[0])
    menu = await last(user)
    assert "☎️ أرقام المساعدة" in user.buttons(menu)
    assert all(line.startswith("\u200f") for line in menu["text"].split("\n") if line)
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.language == "ar"


async def test_not_now_stores_nothing_and_still_offers_help(harness: Harness) -> None:
    user = await harness.user("Léa", "fr")
    await user.send("/start")
    await user.press("Français")
    await user.press("Habitant")
    await user.press("Pas maintenant")
    message = await last(user)
    assert "rien n'a été enregistré" in message["text"]
    assert "☎️ Numéros d'aide" in user.buttons(message)
    await user.press("☎️ Numéros d'aide")
    assert "0 800 23 13 13" in (await last(user))["text"]
    await user.send("/settings")
    assert "rien enregistré" in (await last(user))["text"]
    assert await count_rows(harness) == 0


async def test_deep_link_code_is_recorded_for_anonymous_attribution(harness: Harness) -> None:
    for name in ("A", "B"):
        user = await harness.user(name, "fr")
        await user.send("/start affiche-gare")
        await user.press("Français")
        await user.press("Autre")
        await user.press("✅ J'accepte")
    unlisted = await harness.user("C", "fr")
    await unlisted.send("/start Kevin_bloc_C")  # not in content/links.yml: counted as "other", never kept
    refused = await harness.user("D", "fr")
    await refused.send("/start bad*code")  # not a code Telegram could send: ignored
    for user in (unlisted, refused):
        await user.press("Français")
        await user.press("Autre")
        await user.press("✅ J'accepte")
    async with harness.services.database.session() as session:
        counts = await attribution_counts(session)
        sources = [(await get_person(session, chat_id=u.id)) for u in (unlisted, refused)]
    assert [(row.source, row.territory, row.month, row.joined) for row in counts] == [
        ("affiche-gare", "demo", "2026-11", 2),
        ("direct", "demo", "2026-11", 1),  # joined without a code: counted, so nobody can subtract it out
        ("other", "demo", "2026-11", 1),
    ]
    assert [person.source if person else "missing" for person in sources] == ["other", None]


async def test_returning_person_gets_the_menu(harness: Harness) -> None:
    user = await harness.user("Ali", "fr")
    await user.send("/start")
    await user.press("Français")
    await user.press("Parent ou proche d'un jeune")
    await user.press("✅ J'accepte")
    await user.send("/start")
    message = await last(user)
    assert "Bon retour" in message["text"]
    assert "⚙️ Réglages" in user.buttons(message)


async def test_commands_are_published_in_each_language(harness: Harness) -> None:
    for language, word in (("fr", "le menu principal"), ("en", "main menu"), ("ar", "القائمة")):
        commands = await harness.client.commands(language)
        assert [command["command"] for command in commands][:3] == ["start", "menu", "help"]
        assert any(word in command["description"] for command in commands), (language, commands)


async def test_accept_twice_or_an_old_onboarding_message(harness: Harness) -> None:
    user = await harness.user("Double", "fr")
    await user.send("/start")
    await user.press("Français")
    await user.press("Parent ou proche d'un jeune")
    notice = await last(user)
    accept, not_now = (button["callback_data"] for button in notice["reply_markup"]["inline_keyboard"][0])
    await user.press("✅ J'accepte")
    messages = {message["message_id"]: message for message in await user.messages()}
    assert not messages[notice["message_id"]].get("reply_markup"), (
        "the notice keeps its text, loses its buttons"
    )
    for data in (accept, not_now):  # a double tap, or the buttons of an older copy of the notice
        events = await user.press_data(data, notice["message_id"])
        assert any(e["type"] == "callback_answer" for e in events)
        message = await last(user)
        assert "Bon retour" in message["text"], data
        assert "quelque chose s'est mal passé" not in message["text"]
    async with harness.services.database.session() as session:
        person = await get_person(session, chat_id=user.id)
    assert person is not None and person.role == "parent"


async def test_language_prompt_lines_each_go_their_own_way(harness: Harness) -> None:
    user = await harness.user("Rania", "ar")
    await user.send("/start")
    lines = (await last(user))["text"].split("\n")
    assert lines[0] == "Choisissez votre langue :"
    assert lines[1].startswith("Choose")
    assert lines[2] == "\u200fاختاروا لغتكم:"


async def test_the_notice_fits_one_screen_with_its_details_one_tap_away(harness: Harness) -> None:
    user = await harness.user("Maëlle", "fr")
    await user.send("/start")
    await user.press("Français")
    await user.press("Parent ou proche d'un jeune")
    short = await last(user)
    assert user.buttons(short) == ["✅ J'accepte", "Pas maintenant", "📋 Détails"]
    # A first screen: what is kept, for how long, the rights, who answers for it; no more.
    assert len(short["text"]) < 800, len(short["text"])
    for words in ("Ce que Repères garde", "Combien de temps", "Vos droits", "/forget"):
        assert words in short["text"], words
    controller = "Responsable : Mairie de Démo-sur-Seine (exemple) ; contact : dpo@demo-sur-seine.example"
    assert controller in short["text"], "the demo territory's example controller"
    assert "[" not in short["text"] and "{" not in short["text"], "no placeholder reaches a reader"

    await user.press("📋 Détails")
    details = await last(user)
    assert details["message_id"] == short["message_id"], "the details replace the short notice"
    for line in ("si vous êtes enregistré comme professionnel", "si vous suivez une formation courte"):
        assert line in details["text"], line
    assert "Mairie de Démo-sur-Seine (exemple). Contact : dpo@demo-sur-seine.example" in details["text"]
    assert "[" not in details["text"] and "{" not in details["text"]
    assert user.buttons(details) == ["✅ J'accepte", "Pas maintenant", "↩️ Retour"], "Accept still there"
    assert await count_rows(harness) == 0, "reading the details stores nothing"

    await user.press("↩️ Retour")
    assert "Ce que Repères garde" in (await last(user))["text"]
    await user.press("📋 Détails")
    await user.press("✅ J'accepte")
    assert "Vos choix sont enregistrés" in (await last(user))["text"]
    async with harness.services.database.session() as session:
        assert await get_person(session, chat_id=user.id) is not None


async def test_the_notice_in_arabic_names_the_controller_in_arabic(harness: Harness) -> None:
    user = await harness.user("Nour", "ar")
    await user.send("/start inv_NOPE")  # the link rides in the Details and Back buttons too
    await user.press("العربية")
    await user.press(user.buttons(await last(user))[0])
    short = await last(user)
    assert "بلدية ديمو سور سين (مثال)" in short["text"]
    await user.press("📋 التفاصيل")
    details = await last(user)
    assert "إذا كنتم تتابعون تكوينًا قصيرًا" in details["text"]
    await user.press("↩️ رجوع")
    await user.press(user.buttons(await last(user))[0])
    assert "رمز الدعوة هذا غير موجود" in (await last(user))["text"], "accepted, then the invite was tried"
