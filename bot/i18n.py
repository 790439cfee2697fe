"""Gettext catalogs and locale formats, through babel.

Catalogs are read from `locales/<lang>/LC_MESSAGES/messages.po` at start-up and compiled in memory, so a
translator edits one text file and no compiled `.mo` file can go stale. French is the source language: the
message ids in the code are French.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal
from babel.support import Translations
from babel.units import format_unit

from bot.bidi import RLM as RLM
from bot.bidi import directed, foreign, is_rtl, isolate_label, typed
from bot.config import SUPPORTED_LANGUAGES, ConfigError

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"


class CatalogError(ConfigError):
    """A catalog the bot cannot use, said in one line with its file and line, like a content problem."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        try:
            shown = path.relative_to(LOCALES_DIR.parent)
        except ValueError:
            shown = path
        where = f"{shown}:{line}" if line else str(shown)
        super().__init__(f"{where}: error: {message}")


def catalog_path(language: str, locales_dir: Path = LOCALES_DIR) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(language: str, locales_dir: Path = LOCALES_DIR) -> Translations:
    """The language's catalog, or CatalogError: babel alone would print a warning per bad line and go on
    with a catalog missing the messages around it, so the first problem stops the reading here."""
    path = catalog_path(language, locales_dir)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CatalogError(path, None, f"cannot read the catalog ({type(error).__name__})") from None
    lines = data.splitlines(keepends=True)
    try:
        text = [line.decode("utf-8") for line in lines]
    except UnicodeDecodeError:
        number = next(n for n, line in enumerate(lines, 1) if not _decodes(line))
        raise CatalogError(path, number, "not UTF-8 text") from None
    for number, line in enumerate(text, 1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not _PO_LINE.match(stripped):
            # babel takes `msgstr text` without its quotes and drops a letter at each end, without a word.
            raise CatalogError(path, number, "expected a keyword and a quoted string, or a quoted string")
    try:
        catalog = read_po(text, locale=language, abort_invalid=True)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        return Translations(fp=buffer, domain=DOMAIN)
    except PoFileError as error:
        # babel counts lines from 0 and words its message "... on N": said here from 1, without the "on".
        message = str(error).rsplit(" on ", 1)[0]
        raise CatalogError(path, error.lineno + 1, message) from None
    except (ValueError, LookupError, SyntaxError) as error:  # a header babel cannot use (plural forms)
        raise CatalogError(path, None, f"{type(error).__name__}: {error}") from None


# A PO line outside comments: `msgid "..."`, `msgstr[1] "..."`, or a continued `"..."`.
_PO_LINE = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"$')


def _decodes(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def catalog_problems(languages: tuple[str, ...], locales_dir: Path = LOCALES_DIR) -> list[str]:
    """Every catalog's first problem, for `content check`: one line per broken file."""
    problems = []
    for language in languages:
        try:
            load_translations(language, locales_dir)
        except CatalogError as error:
            problems.append(str(error))
    return problems


@dataclass(frozen=True)
class Translator:
    """Everything language-dependent for one person: texts, plurals, dates, numbers, direction."""

    language: str
    translations: Translations

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    @property
    def rtl(self) -> bool:
        return is_rtl(self.language)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: date) -> str:
        return long_date(value, self.locale)

    def time(self, value: datetime) -> str:
        return format_time(value, format="short", locale=self.locale)

    def language_name(self, code: str) -> str:
        """A language's name in this person's language ("anglais", "English", "الإنجليزية")."""
        return str(Locale.parse(code).get_display_name(self.locale) or code)

    def duration(self, seconds: float) -> str:
        """ "about 7 minutes", "2 hours": how long a send will take, rounded as people say it."""
        return format_timedelta(timedelta(seconds=max(1.0, seconds)), threshold=1.1, locale=self.locale)

    def when(self, value: datetime) -> str:
        """A day of the week and a time ("ven. 08:00"): enough for "opens ..." within the week."""
        return format_skeleton("EEEHm", value, locale=self.locale)

    def distance(self, kilometres: float) -> str:
        if kilometres < 1:
            metres = max(10, round(kilometres * 1000, -1))
            return format_unit(metres, "length-meter", length="short", locale=self.locale)
        return format_unit(round(kilometres, 1), "length-kilometer", length="short", locale=self.locale)

    def directed(self, text: str) -> str:
        """An RTL message laid out right to left line by line, its numbers, commands and Latin words kept in
        order (bot/bidi.py); other languages' messages unchanged."""
        return directed(text, self.rtl)

    def typed(self, text: str) -> str:
        """Text someone typed (a relayed message), each line directed the way its first letter goes."""
        return typed(text, self.rtl)

    def directed_label(self, label: str) -> str:
        """A button label with its left-to-right runs isolated (a label is one line: no direction mark)."""
        return isolate_label(label) if self.rtl else label

    def foreign(self, text: str, language: str) -> str:
        """Content in `language` shown to this person: a French fallback read by an Arabic reader stays
        left to right as a whole."""
        return foreign(text, self.rtl and not is_rtl(language))


def long_date(value: date, locale: Locale) -> str:
    """ "1er décembre 2026", "December 1, 2026": the long date, with the French ordinal for the first of
    the month, which French writes "1er" and babel (CLDR) leaves as "1"."""
    text = str(format_date(value, format="long", locale=locale))
    if locale.language == "fr" and value.day == 1:
        text = _FIRST_OF_MONTH.sub("1er", text, count=1)
    return text


_FIRST_OF_MONTH = re.compile(r"(?<!\d)1(?!\d)")


class Catalogs:
    """The translators for the supported languages, loaded once."""

    def __init__(self, languages: tuple[str, ...] = SUPPORTED_LANGUAGES, locales_dir: Path = LOCALES_DIR):
        self.languages = languages
        self._translators = {
            language: Translator(language, load_translations(language, locales_dir)) for language in languages
        }
        # Babel loads a locale's data to name it (a third of a millisecond per language button), and the
        # names never change: computed once here rather than on every /start.
        self._native_names = {language: _native_name(language) for language in languages}

    def get(self, language: str) -> Translator:
        return self._translators.get(language) or self._translators[self.languages[0]]

    def native_name(self, language: str) -> str:
        """The language's name in itself ("Français", "English", "العربية") for the language buttons."""
        return self._native_names.get(language) or _native_name(language)


def _native_name(language: str) -> str:
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def resolve_language(
    chosen: str | None, telegram_code: str | None, supported: tuple[str, ...], default: str
) -> str:
    """The chosen language, else the person's Telegram language when supported, else the default."""
    if chosen in supported:
        return chosen
    if telegram_code:
        base = telegram_code.replace("_", "-").split("-")[0].lower()
        if base in supported:
            return base
    return default
