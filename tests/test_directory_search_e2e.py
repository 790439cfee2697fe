"""The help directory, the helplines' open hours, the nearest services, and search, end to end."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.search import Index, document, normalise, words
from bot.features.families.nearby import distance_km, status
from bot.features.people.personal_data import export_person
from bot.shorten import shorten
from tests.conftest import Harness, last
from tests.test_privacy_e2e import onboard_user


async def test_helplines_say_whether_they_answer_now(harness: Harness) -> None:
    user = await onboard_user(harness)
    harness.clock.now = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # 03:30 in Paris
    await user.press("☎️ Numéros d'aide")
    night = (await last(user))["text"]
    block = night.split("Drogues Info Service")[1].split("\n\n")[0]
    assert "🔴 Fermé, ouvre ven. 08:00" in block
    assert "🟢 Ouvert 24 h/24" in night.split("119 Allô Enfance en danger")[1].split("\n\n")[0]
    harness.clock.now = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # 21:00 in Paris
    await user.send("/menu")
    await user.press("☎️ Numéros d'aide")
    evening = (await last(user))["text"]
    assert "🟢 Ouvert, jusqu'à 02:00" in evening.split("Drogues Info Service")[1].split("\n\n")[0]


async def test_browse_by_need_then_send_the_place(harness: Harness) -> None:
    content = harness.services.content
    mission = content.service("mission_locale_demo")
    assert mission is not None and "school_work" in mission.needs
    user = await onboard_user(harness)
    await user.press("🤝 Trouver de l'aide")
    await user.press("🎓 École, formation, emploi")
    listing = await last(user)
    assert mission.name in user.buttons(listing)
    assert all(
        s.name not in listing["text"] for s in content.directory["demo"] if "school_work" not in s.needs
    )
    await user.press(mission.name)
    detail = await last(user)
    assert mission.address in detail["text"] and "Exemple de démonstration" in detail["text"]
    await user.press("🗺 Voir sur la carte")
    venue = (await last(user))["venue"]
    assert venue["title"] == mission.name
    assert (venue["location"]["latitude"], venue["location"]["longitude"]) == (
        mission.latitude,
        mission.longitude,
    )


async def test_nearest_services_from_a_shared_location(harness: Harness) -> None:
    services = list(harness.services.content.directory["demo"])
    here = (48.845, 2.41)
    expected = sorted(services, key=lambda s: distance_km(*here, s.latitude, s.longitude))[:5]
    user = await onboard_user(harness)
    await user.press("🤝 Trouver de l'aide")
    await user.press("📍 Les plus proches de moi")
    ask = await last(user)
    assert ask.get("reply_keyboard") or ask.get("reply_markup"), "a button asks for the location"
    await user.share_location(*here)
    nearest = await last(user)
    assert user.buttons(nearest)[:5] == [s.name for s in expected]
    closest = expected[0]
    metres = round(distance_km(*here, closest.latitude, closest.longitude) * 1000, -1)
    assert f"{closest.name} — {metres:.0f}\u202fm" in nearest["text"], "distances in the person's locale"


async def test_search_with_a_typo_and_in_arabic(harness: Harness) -> None:
    user = await harness.user("Chercheur", "fr")
    await user.send("arjent facil")
    results = await last(user)
    assert "n'est pas gardé" in results["text"]
    assert "❓ Dealer, c'est de l'argent facile." in user.buttons(results)
    await user.press("❓ Dealer, c'est de l'argent facile.")
    assert "Vrai ou faux" in (await last(user))["text"]
    await user.send("zzzyyyxxx")
    assert "rien trouvé" in (await last(user))["text"]

    arabic = await harness.user("باحث", "ar")
    await arabic.send("/language")
    await arabic.press("العربية")
    await arabic.press(arabic.buttons(await last(arabic))[0])
    await arabic.press(arabic.buttons(await last(arabic))[0])
    await arabic.send("المال السهل")
    found = arabic.buttons(await last(arabic))
    myth = harness.services.content.myth("ar", "easy_money")
    assert myth is not None and shorten(f"❓ {myth.claim}") in found


def test_normalisation_ignores_accents_case_and_arabic_variants() -> None:
    assert normalise("ÉCOLE élève") == "ecole eleve"
    assert normalise("أَحْكَام") == normalise("احكام")
    assert words("le CJC et la Maison") == ["cjc", "maison"]
    assert words("المال السهل") == words("مال سهل"), "the Arabic article does not count"
    index = Index(
        [document("resource", "a", "Parler sans juger", "adolescent"), document("myth", "b", "Argent", "")]
    )
    assert [d.id for d in index.search("adolesent")] == ["a"]
    assert [d.id for d in index.search("parent")] == [], "a short word needs an exact match"


def test_status_across_midnight_and_time_zones() -> None:
    late = status("Mo-Su 08:00-02:00", datetime(2026, 11, 27, 0, 30, tzinfo=UTC), "Europe/Paris")
    assert late.open and late.changes_at == datetime(2026, 11, 27, 2, 0)
    reunion = status("Mo-Fr 09:00-17:00", datetime(2026, 11, 27, 6, 0, tzinfo=UTC), "Indian/Reunion")
    assert reunion.open, "10:00 in La Réunion"


async def test_the_worried_path_leads_to_resources_places_or_emergency_numbers(harness: Harness) -> None:
    content = harness.services.content
    user = await onboard_user(harness)
    await user.press("😟 Je m'inquiète pour mon enfant")
    await user.press("🚨 Oui, maintenant")
    assert "17" in (await last(user))["text"] and "119" in (await last(user))["text"]
    await user.send("/menu")
    await user.press("😟 Je m'inquiète pour mon enfant")
    await user.press("Non")
    await user.press("Des messages ou des annonces sur les réseaux")
    advice = await last(user)
    labels = user.buttons(advice)
    expected = [f"📚 {r.title}" for r in content.resources_in("fr", "recruitment")]
    assert labels[: len(expected)] == expected
    assert sum(label.startswith("📍 ") for label in labels) == 3
    async with harness.services.database.session() as session:
        exported = await export_person(session, chat_id=user.id)
    assert exported is not None and exported["subscription"] == [], "the answers are not stored"
