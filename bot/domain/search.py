"""Search across resources, myth cards and services, in the person's language.

Accents, case and Arabic diacritics are ignored, small typos are forgiven (an edit distance from
rapidfuzz, growing with the word's length), and a word found in a title counts more than one in the
text. The query is used for one answer: it is neither stored nor logged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.content.pack import ContentPack

MIN_WORD = 3
TITLE_WEIGHT = 3.0
MAX_RESULTS = 8
# Results far below the best one are noise: a word of the query met once in a long text.
RELATIVE_CUTOFF = 0.5

# Arabic letters written several ways: hamza forms of alef, alef maqsura, ta marbuta, and the tatweel.
_ARABIC = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None})
_WORD = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]+>")


def normalise(text: str) -> str:
    """Lower case, without accents, diacritics or Arabic spelling variants."""
    decomposed = unicodedata.normalize("NFKD", _TAG.sub(" ", text).casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_ARABIC)


# The Arabic definite article, alone or after a one-letter conjunction or preposition ("and the", "with
# the"...): "المال" and "مال" are the same word for someone searching.
_ARTICLES = ("وال", "بال", "كال", "فال", "لل", "ال")


def _light_stem(word: str) -> str:
    for article in _ARTICLES:
        if word.startswith(article) and len(word) - len(article) >= MIN_WORD:
            return word[len(article) :]
    return word


def words(text: str) -> list[str]:
    found = (_light_stem(word) for word in _WORD.findall(normalise(text)))
    return [word for word in found if len(word) >= MIN_WORD]


@dataclass(frozen=True)
class Document:
    kind: str  # "resource", "myth" or "service"
    id: str
    title: str
    title_words: frozenset[str] = field(default_factory=frozenset)
    text_words: frozenset[str] = field(default_factory=frozenset)


def document(kind: str, item_id: str, title: str, text: str) -> Document:
    return Document(kind, item_id, title, frozenset(words(title)), frozenset(words(text)))


class Index:
    """The documents of one language, searched in memory: a few hundred items at most."""

    def __init__(self, documents: list[Document]) -> None:
        self.documents = documents

    def search(self, query: str, limit: int = MAX_RESULTS) -> list[Document]:
        terms = words(query)
        if not terms:
            return []
        scored: list[tuple[float, int, Document]] = []
        for position, doc in enumerate(self.documents):
            score = 0.0
            for term in terms:
                score += TITLE_WEIGHT * _best(term, doc.title_words) + _best(term, doc.text_words)
            if score > 0:
                scored.append((score, -position, doc))
        scored.sort(reverse=True)
        if not scored:
            return []
        floor = scored[0][0] * RELATIVE_CUTOFF
        return [doc for score, _, doc in scored[:limit] if score >= floor]


def allowed_typos(term: str) -> int:
    """Edits forgiven in a word: none in short words (where one edit makes another word), then 1, then 2."""
    return 0 if len(term) < 5 else 1 if len(term) < 8 else 2


def _best(term: str, vocabulary: frozenset[str]) -> float:
    """How well `term` matches its closest word in `vocabulary`: 1 for the same word, less per typo."""
    if term in vocabulary:
        return 1.0
    typos = allowed_typos(term)
    if not typos:
        return 0.0
    found = process.extractOne(term, vocabulary, scorer=Levenshtein.distance, score_cutoff=typos)
    return 1.0 - found[1] / (typos + 1) if found else 0.0


def index_content(pack: ContentPack, language: str, territory: str | None = None) -> Index:
    """Resources, myth cards and services, in `language` where translated, French otherwise; in a
    territory's versions, with its own items, when `territory` is given."""
    documents = []
    for resource_id in pack.resource_ids(territory):
        resource = pack.resource(language, resource_id, territory)
        if resource is not None:
            text = f"{resource.summary} {' '.join(resource.pages)}"
            documents.append(document("resource", resource.id, resource.title, text))
    for myth_id in pack.myth_ids(territory):
        myth = pack.myth(language, myth_id, territory)
        if myth is not None:
            documents.append(document("myth", myth.id, myth.claim, myth.html))
    # A person's own commune's services (the directory is each territory's); everyone's before they chose.
    places = [pack.directory.get(territory, ())] if territory is not None else pack.directory.values()
    for services in places:
        for service in services:
            text = f"{service.description(language)} {service.kind} {service.address}"
            documents.append(document("service", service.id, service.name, text))
    return Index(documents)
