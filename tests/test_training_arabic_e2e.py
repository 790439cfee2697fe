"""An Arabic-speaking professional takes a micro-training in Arabic, end to end: invited, onboarded in Arabic,
the Arabic cards one by one (not the French fallback), then the quiz answered in Arabic and passed."""

from __future__ import annotations

import re

import pytest

from bot.content.pack import Module
from sandbox.client import SandboxUser
from tests.bidi_support import unmarked
from tests.conftest import Harness, last
from tests.test_training_e2e import COORDINATOR, invite_link

MODULE = "legal_frame"
# Direction marks and isolates the bot may add around a line or a left-to-right run: not what is read.


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"coordinators": str(COORDINATOR), "trainings_open_to_all": False}


def read(message: dict[str, object]) -> str:
    return unmarked(str(message.get("text") or ""))


def plain(card_html: str) -> str:
    return unmarked(re.sub(r"<[^>]+>", "", card_html))


async def press_answer(user: SandboxUser, label: str) -> None:
    """Press the answer whose label, once its direction marks are read past, is `label` ("13 سنة": its
    number is isolated in the Arabic label)."""
    message = await last(user)
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    data = next(b["callback_data"] for row in rows for b in row if unmarked(b["text"]) == label)
    await user.press_data(data, message["message_id"])


async def arabic_professional(harness: Harness, payload: str) -> SandboxUser:
    user = await harness.user("Samira", "ar")
    await user.send(f"/start {payload}")
    await user.press("العربية")
    await user.press("غير ذلك")
    await user.press("✅ أوافق")
    return user


async def test_an_arabic_speaking_professional_reads_the_arabic_cards_and_passes_the_quiz(
    harness: Harness,
) -> None:
    module = harness.services.content.module("ar", MODULE)
    assert isinstance(module, Module) and module.language == "ar", "the Arabic module, not the French one"
    pro = await arabic_professional(harness, await invite_link(harness))
    await pro.press("🎓 تكوينات قصيرة")
    catalogue = await last(pro)
    await pro.press(next(label for label in pro.buttons(catalogue) if module.title in label))
    seen: list[str] = []  # one message, edited card after card
    for number, card in enumerate(module.cards, start=1):
        shown = read(await last(pro))
        seen.append(shown)
        assert f"البطاقة {number} من {len(module.cards)}" in shown
        first_line = plain(card).strip().split("\n")[0]
        assert first_line in shown, f"card {number} is the Arabic card"
        if number < len(module.cards):
            await pro.press("التالي ▶️")
    everything = "\n".join(seen)
    assert "المادة 222-37" in everything and "المادة 227-18-1" in everything, "the corrected law is read"
    assert "حتى 1 ديسمبر 2026" in everything, "legal statements are dated"
    assert "Trafic" not in everything and "Carte " not in everything, "no French shown to this reader"

    await pro.press("📝 إجراء الاختبار")
    for index, question in enumerate(module.quiz):
        shown = read(await last(pro))
        assert f"السؤال {index + 1} من {len(module.quiz)}" in shown
        assert plain(question.text) in shown
        right = [o for o in question.options if o.correct]
        if question.multiple:
            for option in right:
                await press_answer(pro, f"⬜ {option.text}")
            await pro.press("✔️ تأكيد")
        else:
            await press_answer(pro, right[0].text)
        feedback = read(await last(pro))
        assert plain(right[0].explanation) in feedback, "the Arabic explanation of the right answer"
        await pro.press("السؤال التالي ▶️" if index + 1 < len(module.quiz) else "عرض نتيجتي")
    result = read(await last(pro))
    assert "نجحتم" in result and "100 %" in result
