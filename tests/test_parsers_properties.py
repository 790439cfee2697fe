"""Properties of what reads untrusted input, checked on many generated inputs (Hypothesis): button data, the
number parser, command arguments, the update sanitiser, and the bidirectional layer that puts people's text
inside the bot's messages. Kept fast: a modest number of examples, no deadline (two shared cores)."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.bidi import LRI, LRM, PDI, RLI, RLM, directed
from bot.config import ConfigError, load_settings
from bot.core.callbacks import MAX_BYTES, SEPARATOR, Action, CallbackTooLong, pack, pattern, unpack
from bot.core.sanitise import UNWANTED, clean_payload, clean_spans, clean_text
from bot.features.campaigns.drafting import parse_when
from bot.features.coordination.invites import MAX_DAYS, MAX_USES, invite_terms
from bot.fields import INT32_MAX, TELEGRAM_ID_MAX, index, number, numbers, row_id, telegram_id
from bot.schedule import parse_clock
from tests.bidi_support import unmarked

QUICK = settings(max_examples=150, deadline=None)
ASCII_DIGITS = re.compile(r"[0-9]+")
TERRITORIES = ("demo", "ile")
# Text as people type it, and as a forger would: any code point, surrogates and controls included.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
# The characters the tricky cases are made of, drawn often: digits of several kinds, signs, marks, Arabic.
TRICKY = st.text(
    st.sampled_from(list("0123456789²٣۴١+-_ .:\n\u0000\u0007\u200f\u202e\u2066\u2069aé€ب")), max_size=24
)
SOME_TEXT = st.one_of(ANY_TEXT, TRICKY)


# -- numbers ---------------------------------------------------------------------------------------------


@QUICK
@given(SOME_TEXT, st.integers(0, 10), st.integers(0, 2**63))
def test_a_number_is_ascii_digits_within_its_range_and_nothing_else(text: str, low: int, high: int) -> None:
    value = number(text, low=low, high=high)
    expected = int(text) if ASCII_DIGITS.fullmatch(text) and low <= int(text) <= high else None
    assert value == expected


@QUICK
@given(st.integers(1, INT32_MAX), st.integers(0, 3))
def test_every_number_in_range_reads_back_even_with_leading_zeros(value: int, zeros: int) -> None:
    assert row_id("0" * zeros + str(value)) == value
    assert number(str(value)) == value


@QUICK
@given(SOME_TEXT)
def test_ids_and_positions_stay_within_their_columns(text: str) -> None:
    assert row_id(text) is None or 1 <= (row_id(text) or 0) <= INT32_MAX
    assert telegram_id(text) is None or 1 <= (telegram_id(text) or 0) <= TELEGRAM_ID_MAX
    assert index(text, 0) is None
    position = index(text, 5)
    assert position is None or 0 <= position < 5


@QUICK
@given(st.lists(SOME_TEXT, max_size=4))
def test_numbers_reads_all_fields_or_none(fields: list[str]) -> None:
    read = numbers(fields)
    if all(number(field) is not None for field in fields):
        assert read == [number(field) for field in fields]
    else:
        assert read is None


# -- button data -----------------------------------------------------------------------------------------

FIELD = st.text(st.characters(codec="utf-8", exclude_characters=SEPARATOR), max_size=12)


@QUICK
@given(st.sampled_from(list(Action)), st.lists(FIELD, max_size=5))
def test_what_is_packed_unpacks_to_itself(action: Action, fields: list[str]) -> None:
    try:
        data = pack(action, *fields)
    except CallbackTooLong:
        assert len(SEPARATOR.join(("1", action.value, *fields)).encode()) > MAX_BYTES
        return
    pressed = unpack(data)
    assert pressed is not None and (pressed.action, pressed.fields) == (action, fields)
    assert pattern(action).match(data)


@QUICK
@example("1:k\n")  # `$` matches before a final newline: the pattern took data unpack refuses
@given(st.one_of(SOME_TEXT, st.builds(lambda a, rest: "1:" + a + rest, st.sampled_from("kqfam"), SOME_TEXT)))
def test_any_data_unpacks_or_not_without_raising_and_as_its_handler_is_chosen(data: str) -> None:
    pressed = unpack(data)
    for action in Action:
        # The handler registered for an action gets the press exactly when it unpacks to that action: no
        # handler is handed data its own reading refuses.
        assert bool(pattern(action).match(data)) == (pressed is not None and pressed.action == action), action


# -- command arguments -----------------------------------------------------------------------------------


@QUICK
@given(st.lists(st.one_of(SOME_TEXT.filter(lambda t: t and not t.isspace()), st.sampled_from(TERRITORIES))))
def test_invite_arguments_are_refused_or_within_range(args: list[str]) -> None:
    terms = invite_terms(args, TERRITORIES)
    if terms is not None:
        assert 1 <= terms.uses <= MAX_USES and 1 <= terms.days <= MAX_DAYS
        assert terms.territory in (None, *TERRITORIES)


@QUICK
@given(
    st.integers(1, MAX_USES),
    st.integers(1, MAX_DAYS),
    st.sampled_from([None, *TERRITORIES]),
    st.sampled_from([None, "coach", "teacher"]),
    st.randoms(),
)
def test_invite_arguments_read_back_in_any_order(
    uses: int, days: int, territory: str | None, kind: str | None, rng: Any
) -> None:
    words = [w for w in (territory, kind) if w]
    args = [str(uses), str(days)]
    for word in words:  # a territory or kind may stand anywhere; the numbers keep their order
        args.insert(rng.randrange(len(args) + 1), word)
    terms = invite_terms(args, TERRITORIES)
    assert terms is not None and (terms.uses, terms.days, terms.territory) == (uses, days, territory)


# -- the sanitiser ---------------------------------------------------------------------------------------


@QUICK
@given(SOME_TEXT)
def test_cleaning_removes_only_the_unwanted_and_is_idempotent(text: str) -> None:
    cleaned = clean_text(text)
    assert not UNWANTED.search(cleaned)
    assert cleaned == "".join(c for c in text if not UNWANTED.match(c))
    assert clean_text(cleaned) == cleaned


@QUICK
@given(st.text(st.sampled_from(list("مرحبا 👋🏽👨‍👩‍👧\t\n\r\u200f\u200e\u061cabc123«»"))))
def test_arabic_emoji_newlines_tabs_and_marks_are_kept(text: str) -> None:
    assert clean_text(text) == text


def _utf16_slice(text: str, offset: int, length: int) -> str:
    units = text.encode("utf-16-le", "surrogatepass")
    return units[2 * offset : 2 * (offset + length)].decode("utf-16-le", "surrogatepass")


@st.composite
def text_with_entities(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    text = draw(st.text(st.sampled_from(list("ab é👋🏽ب\u0000\u0007\u202e\u2066\u2069\n")), max_size=30))
    # Telegram's spans start and end between characters, and hold at least one UTF-16 unit.
    edges = [len(text[:i].encode("utf-16-le")) // 2 for i in range(len(text) + 1)]
    entities = []
    for _ in range(draw(st.integers(0, 3)) if len(edges) > 1 else 0):
        start, end = sorted(draw(st.lists(st.sampled_from(edges), min_size=2, max_size=2, unique=True)))
        entities.append({"type": "bold", "offset": start, "length": end - start})
    return text, entities


@QUICK
@given(text_with_entities())
def test_formatting_spans_keep_covering_the_same_characters(case: tuple[str, list[dict[str, Any]]]) -> None:
    text, entities = case
    before = [_utf16_slice(text, e["offset"], e["length"]) for e in entities]
    cleaned, kept = clean_spans(text, json.loads(json.dumps(entities)))
    assert cleaned == clean_text(text)
    after = [_utf16_slice(cleaned, e["offset"], e["length"]) for e in kept]
    # Spans whose text was all removed go; the others cover their own text, cleaned.
    assert after == [clean_text(b) for b in before if clean_text(b)]


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), SOME_TEXT),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(SOME_TEXT, children, max_size=4)
    ),
    max_leaves=20,
)


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


@QUICK
@given(st.dictionaries(SOME_TEXT, JSON_VALUES, max_size=4))
def test_a_cleaned_update_has_no_unwanted_character_left(payload: dict[str, Any]) -> None:
    changed = clean_payload(payload)
    assert not any(UNWANTED.search(s) for s in _strings(payload))
    assert clean_payload(payload) is False, "a second pass finds nothing"
    assert isinstance(changed, bool)


def test_a_deeply_nested_update_is_cleaned_without_recursion() -> None:
    payload: Any = "\u0000"
    for _ in range(100_000):
        payload = [payload]
    assert clean_payload({"x": payload})


# -- the bidirectional layer ----------------------------------------------------------------------------

TAGS = ["<b>", "</b>", "<i>", "</i>", '<a href="https://t.me/x?start=1">', "</a>", "<code>", "</code>"]
WORDS = st.text(st.sampled_from(list("abc XYZ 0123 ,.:;!?()«»/+%-—€ مرحبا ١٢ بك ")), min_size=1, max_size=12)
HTML_LINE = st.lists(st.one_of(st.sampled_from(TAGS), WORDS.map(html.escape)), max_size=8).map("".join)
HTML_TEXT = st.lists(HTML_LINE, min_size=1, max_size=3).map("\n".join)
TAG = re.compile(r"<[^>]*>")


@QUICK
@given(HTML_TEXT)
def test_directed_is_idempotent_keeps_the_visible_text_and_the_tags(text: str) -> None:
    once = directed(text, True)
    assert directed(once, True) == once
    assert unmarked(once) == unmarked(text)
    assert TAG.findall(once) == TAG.findall(text)
    assert directed(text, False) == text


def _balanced(line: str) -> bool:
    depth = 0
    for char in line:
        if char in (LRI, RLI, "\u2068"):
            depth += 1
        elif char == PDI:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


@QUICK
@given(HTML_LINE, ANY_TEXT, HTML_LINE)
def test_what_a_person_typed_cannot_unbalance_the_bots_isolates(before: str, typed: str, after: str) -> None:
    """People's text reaches the bot's messages cleaned (bot/core/sanitise.py): whatever they typed, every
    isolate the bot places on a line is closed on that line, and none is closed early."""
    line = before + html.escape(clean_text(typed).replace("\n", " ").replace("\r", " ")) + after
    out = directed(line, True)
    assert all(_balanced(part) for part in out.split("\n"))
    assert out.startswith(RLM) or out.startswith(LRM) or not out


# -- times and dates a coordinator types -----------------------------------------------------------------


@QUICK
@example("²:00")  # `isdigit` took it and `int` refused it
@example("18:²")
@given(st.one_of(SOME_TEXT, st.from_regex(r"\A[0-9²٣١]{1,3}[:h][0-9²٣١]{0,3}\Z")))
def test_a_typed_time_is_read_or_refused_without_raising(text: str) -> None:
    moment = parse_clock(text)
    assert moment is None or (moment.second, moment.microsecond) == (0, 0)
    if "²" in text:
        assert moment is None


TYPED_DATE = st.from_regex(r"\A[0-9²٣]{1,4}[/-][0-9²٣]{1,2}(?:[/-][0-9²٣]{1,4})? [0-9²]{1,2}h\Z")


@QUICK
@given(st.one_of(SOME_TEXT, TYPED_DATE))
def test_a_typed_date_is_read_or_refused_without_raising(text: str) -> None:
    today = date(2026, 11, 27)
    parsed = parse_when(text, today=today)
    if parsed is not None and re.match(r"\s*\d{1,2}/\d{1,2}\s", text):  # no year: this year's, flagged
        day, _, guessed = parsed  # (a 29 February: the next leap year's); the composer asks when it is past
        assert guessed and (day.year == today.year or (day.month, day.day) == (2, 29))


@pytest.mark.parametrize("coordinators", ["²", "12,٣", "+5", "1_000", "0", "99999999999999999999"])
def test_coordinators_that_are_not_telegram_ids_are_a_configuration_error(coordinators: str) -> None:
    with pytest.raises(ConfigError, match="COORDINATORS"):
        load_settings(None, coordinators=coordinators)
    assert load_settings(None, coordinators="12, 2147483648").coordinators == (12, 2147483648)
