"""How typed text and the word lists of `worries.yml` are compared: the same folding on both sides.

Parents type fast, on a phone, often without accents, capitals or apostrophes, and Arabic is written with or
without its short vowels and in several spellings of the same letter. Folding removes what does not change
the word for a reader: case, accents, Arabic diacritics and letter variants (hamza forms, alef wasla, alef
maqsura, taa marbuta, tatweel, Persian keyboard letters), Arabic-Indic digits, and French elisions
("l'", "qu'", "s'"...). What is left is cut into words: a list is matched word by word, never inside a word.
"""

from __future__ import annotations

import re
import unicodedata

# Letters a reader takes for the same one; NFKD has already split hamza forms into a letter and a mark.
_LETTERS = str.maketrans(
    {
        "ٱ": "ا",  # alef wasla
        "ى": "ي",  # alef maqsura, often typed for a final yaa and the other way round
        "ة": "ه",  # taa marbuta, often typed as haa
        "ء": None,  # a lone hamza, often left out
        "ـ": None,  # tatweel, a stretching stroke
        "ک": "ك",  # Persian and Urdu keyboards
        "ی": "ي",
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},  # Arabic-Indic digits
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},  # Eastern Arabic-Indic digits
    }
)
# Apostrophes as phones and keyboards type them.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "´": "'", "`": "'", "′": "'"})
# A French elided word before an apostrophe: "l'argent", "qu'il", "s'est", "jusqu'à" keep only the word after.
_ELISION = re.compile(r"\b(?:jusqu|lorsqu|puisqu|quoiqu|qu|[cdjlmnst])'")
_WORD = re.compile(r"\w+")
# The Arabic definite article, alone or after a one-letter conjunction or preposition ("and the", "with
# the"...), and a lone "and"/"so" before a word: "والمخدرات" is "مخدرات" for this purpose.
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")
_CONJUNCTIONS = ("و", "ف")
MIN_ARABIC_ROOT = 2


def fold(text: str) -> str:
    """Lower case, without accents, diacritics, Arabic letter variants or French elisions."""
    # Apostrophes first: NFKD would turn "´" into a space and a mark.
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _ELISION.sub("", bare.translate(_LETTERS))


def words(text: str) -> list[str]:
    """The folded words of `text`, in order (punctuation and spaces only separate them)."""
    return _WORD.findall(fold(text))


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def bare_arabic(word: str) -> str:
    """An Arabic word without its definite article ("المال" -> "مال"); other words as they are."""
    if not word or not _is_arabic(word):
        return word
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= MIN_ARABIC_ROOT:
            return word[len(article) :]
    return word


def forms(word: str) -> frozenset[str]:
    """The ways a typed word may stand for a listed one: as typed, without the Arabic article, and without
    a leading "and"/"so" ("وابني" is "ابني", "والشرطة" is "شرطة")."""
    found = {word, bare_arabic(word)}
    if word and _is_arabic(word) and word.startswith(_CONJUNCTIONS) and len(word) > MIN_ARABIC_ROOT + 1:
        found |= {word[1:], bare_arabic(word[1:])}
    return frozenset(found)
