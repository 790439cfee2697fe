"""Arabic that reads right, as a browser lays it out: in the sandbox's chat page, headless Chromium, an
Arabic-speaking parent sees a phone number, an address, a command, a distance and a French page (no Arabic
version yet) in their visual order. Positions are measured character by character, so the test fails if the
bidirectional algorithm shows "01 99 00 00 01" as "01 00 00 99 01" or "/forget" as "forget/".
"""

from __future__ import annotations

import html
import itertools
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CONTENT, Harness
from tests.test_chat_page_onboarding import arabic_parent, press, type_in

pytestmark = pytest.mark.browser
UNTRANSLATED = "about"  # a page whose Arabic version this test's copy of the content lacks

# Every character of `needle` in the bubble's text, with its box: found through the text nodes (the text
# may cross tags) and past the direction marks (invisible, and not what is tested), one Range per character.
_BOXES = """(needle) => {
  const marks = /[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/;
  const boxesIn = (element) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const where = [];  // the text node and offset of each character of `text`
    let text = '';
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let offset = 0; offset < node.data.length; offset++) {
        if (marks.test(node.data[offset])) continue;
        where.push([node, offset]);
        text += node.data[offset];
      }
    }
    const start = text.indexOf(needle);
    if (start < 0) return null;
    return where.slice(start, start + needle.length).map(([node, offset]) => {
      const range = document.createRange();
      range.setStart(node, offset);
      range.setEnd(node, offset + 1);
      const box = range.getBoundingClientRect();
      return {char: node.data[offset], left: box.left, right: box.right, top: box.top, height: box.height};
    });
  };
  const texts = [...document.querySelectorAll('.msg.bot .bubble .text')].reverse();
  return texts.map(boxesIn).find((boxes) => boxes !== null) || null;
}"""


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content without the Arabic version of one page: an Arabic reader gets the French one."""
    copy = tmp_path_factory.mktemp("untranslated") / "content"
    shutil.copytree(CONTENT, copy)
    (copy / "ar" / "pages" / f"{UNTRANSLATED}.md").unlink()
    return copy


async def boxes(page: Any, needle: str) -> list[dict[str, Any]]:
    """The boxes of `needle`'s characters in the last bot message that contains it (once it has come)."""
    found = await (await page.wait_for_function(_BOXES, arg=needle, timeout=20_000)).json_value()
    return [box for box in found if box["char"].strip() and box["height"] > 0]


def left_to_right(found: list[dict[str, Any]]) -> list[str]:
    """Pairs of characters, next to each other in reading order and on one line, shown in the wrong order."""
    wrong = []
    for before, after in itertools.pairwise(found):
        same_line = abs(before["top"] - after["top"]) < before["height"] / 2
        if same_line and not before["left"] < after["left"]:
            wrong.append(before["char"] + after["char"])
    return wrong


def read_right_to_left(first: list[dict[str, Any]], then: list[dict[str, Any]]) -> bool:
    """Whether `first` comes before `then` for a right-to-left reader: to its right on the same line, or
    on a line above (a narrow bubble may wrap between them)."""
    last, following = first[-1], then[0]
    if following["top"] > last["top"] + last["height"] / 2:
        return True
    return bool(min(box["left"] for box in first) >= max(box["right"] for box in then) - 1)


async def test_an_arabic_reader_sees_numbers_commands_and_french_in_order(
    harness: Harness, chromium: Any
) -> None:
    from playwright.async_api import expect

    content = harness.services.content
    service = next(s for s in content.directory["demo"] if s.phone)
    assert service.phone is not None
    problems: dict[str, list[str]] = {}

    page = await arabic_parent(chromium, harness.base_url)

    # A command in /help: "/forget", not "forget/".
    await type_in(page, "/help")
    problems["command"] = left_to_right(await boxes(page, "/forget"))

    # A source line on /crip: "… ديسمبر 2026، https://…": the year, then (to its left) the link.
    await type_in(page, "/crip")
    dated = await boxes(page, "2026، https")
    year, link = dated[:4], dated[5:]
    problems["source"] = left_to_right(year) + left_to_right(link)
    if not read_right_to_left(year, link):
        problems["source"].append("link before the year")

    # The nearest places: each distance beside its unit, after the place's name.
    await type_in(page, "/menu")
    await press(page, "🤝 الحصول على المساعدة")
    await press(page, "📍")
    await page.locator("#reply-keyboard button").first.click()
    await page.fill("#location-lat", "48.845")
    await page.fill("#location-lon", "2.41")
    await page.locator("#location-form button[type=submit]").click()
    heading = harness.services.catalogs.get("ar").gettext("Les lieux les plus proches")
    listed = page.locator(".msg.bot .bubble", has_text=heading).last
    await expect(listed).to_be_visible()
    shown = re.sub("[\u200e\u200f\u2066-\u2069]", "", await listed.locator(".text").inner_text())
    line = next(ln for ln in shown.split("\n") if service.name in ln)
    distance = re.search(r"[0-9][0-9.,]* (?:كم|متر)", line)
    assert distance is not None, line
    number, unit = distance.group().split(" ")
    number_boxes, unit_boxes = await boxes(page, number + " " + unit), await boxes(page, unit)
    digits = number_boxes[: len(number)]
    problems["distance"] = left_to_right(digits)
    if not read_right_to_left(digits, unit_boxes):
        problems["distance"].append("unit before its number")
    name = await boxes(page, service.name)
    if not read_right_to_left(name[-3:], digits):
        problems["distance"].append("distance before the place's name")

    # The place itself: its phone number and its address, as written.
    await press(page, service.name[:20])
    problems["phone"] = left_to_right(await boxes(page, service.phone))
    problems["address"] = left_to_right(await boxes(page, service.address))

    # A page with no Arabic version: the French text reads left to right, its full stop at its end.
    french = content.page("fr", UNTRANSLATED)
    await type_in(page, "/menu")
    await press(page, french.title)
    sentence = next(
        html.unescape(line)
        for line in french.html.split("\n")
        if line.endswith(".") and "<" not in line and len(line) > 40
    )
    problems["French fallback"] = left_to_right(await boxes(page, sentence))

    assert {what: wrong for what, wrong in problems.items() if wrong} == {}
