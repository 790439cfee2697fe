"""Content as the bot uses it: typed, rendered, per language, read from memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from bot.content.worries import WordLists
from bot.content.youth import Youth

SOURCE_LANGUAGE = "fr"

Item = TypeVar("Item")


@dataclass(frozen=True)
class Page:
    id: str
    language: str
    title: str
    html: str  # Telegram HTML of the whole message: body then sources
    menu: tuple[str, ...]
    order: int
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Crip:
    """The département's child-protection unit (cellule de recueil des informations préoccupantes)."""

    name: str
    phone: str | None
    email: str | None
    website: str | None
    address: str | None
    example: bool


@dataclass(frozen=True)
class LocalContact:
    """Someone residents can talk to locally: the social landlord, the mediators, the mayor's office."""

    kind: str  # landlord, mediators or town_hall
    names: dict[str, str]  # per language
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    address: str | None = None
    hours: dict[str, str] = field(default_factory=dict)  # in words, per language
    example: bool = False

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names[SOURCE_LANGUAGE]

    def when(self, language: str) -> str | None:
        return self.hours.get(language) or self.hours.get(SOURCE_LANGUAGE)


@dataclass(frozen=True)
class Signatory:
    name: str
    titles: dict[str, str]  # per language

    def title(self, language: str) -> str:
        return self.titles.get(language) or self.titles[SOURCE_LANGUAGE]


@dataclass(frozen=True)
class Issuer:
    """What a territory's certificates carry besides its name: read once at start, so a logo file moved
    later cannot break a certificate."""

    logo: bytes | None = None  # PNG or JPEG, checked by the content check
    signatory: Signatory | None = None


@dataclass(frozen=True)
class Territory:
    id: str
    names: dict[str, str]
    timezone: str
    referents_chat: int | None = None
    crip: Crip | None = None
    referents_hours: dict[str, str] = field(default_factory=dict)  # in words, per language
    controller: dict[str, str] = field(default_factory=dict)  # the data controller's name, per language
    privacy_contact: str | None = None  # how to reach the data protection officer
    issuer: Issuer = field(default_factory=Issuer)  # on its training certificates
    local_contacts: tuple[LocalContact, ...] = ()  # for residents, in the file's order

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names[SOURCE_LANGUAGE]

    def hours(self, language: str) -> str | None:
        return self.referents_hours.get(language) or self.referents_hours.get(SOURCE_LANGUAGE)

    def controller_name(self, language: str) -> str | None:
        return self.controller.get(language) or self.controller.get(SOURCE_LANGUAGE)


@dataclass(frozen=True)
class StoredLine:
    """A line of the privacy notice (words of it, per language) and the stored columns it tells about."""

    words: dict[str, str]
    columns: tuple[str, ...]  # "table.column"


@dataclass(frozen=True)
class Topic:
    id: str
    language: str
    title: str
    order: int


@dataclass(frozen=True)
class Resource:
    id: str
    language: str
    topic: str
    title: str
    summary: str
    order: int
    pages: tuple[str, ...]  # Telegram HTML, one message each; the sources close the last one


@dataclass(frozen=True)
class Myth:
    id: str
    language: str
    claim: str
    answer: bool
    order: int
    next: str | None  # "resource:<id>" or "page:<id>"
    html: str  # the explanation, then the sources


@dataclass(frozen=True)
class Helpline:
    id: str
    name: str
    phone: str | None
    sms: str | None
    hours: str  # OpenStreetMap opening_hours, metropolitan French time
    website: str | None
    emergency: bool
    free: bool
    descriptions: dict[str, str]
    source: str

    def description(self, language: str) -> str:
        return self.descriptions.get(language) or self.descriptions[SOURCE_LANGUAGE]


@dataclass(frozen=True)
class Service:
    id: str
    territory: str
    name: str
    kind: str
    needs: tuple[str, ...]
    address: str
    phone: str | None
    hours: str | None  # OpenStreetMap opening_hours, in the territory's time zone
    website: str | None
    latitude: float
    longitude: float
    languages: tuple[str, ...]
    example: bool
    descriptions: dict[str, str]

    def description(self, language: str) -> str:
        return self.descriptions.get(language) or self.descriptions[SOURCE_LANGUAGE]


@dataclass(frozen=True)
class DripStep:
    day: int  # days after enrolment (the day the person accepted the privacy notice), 0 to 365
    item: str  # "page:<id>", "myth:<id>" or "resource:<id>"


@dataclass(frozen=True)
class Drip:
    """A series counted from each person's enrolment, such as a welcome series for parents."""

    id: str
    roles: tuple[str, ...]  # empty: everyone
    steps: tuple[DripStep, ...]  # by day, each day once

    def applies_to(self, role: str | None) -> bool:
        return not self.roles or role in self.roles


@dataclass(frozen=True)
class WeeklySeries:
    """One item a week, at a local time on a weekday, for the people subscribed to a topic."""

    id: str
    topic: str  # one of bot.domain.subscriptions.TOPICS
    weekday: int  # 0 = Monday
    time: str  # "18:00", in the recipient's time zone
    items: tuple[str, ...]  # in order; "myths" in the file is every myth card, in content order


@dataclass
class Local:
    """A territory's own content (content/territories/<territory>/): items that replace a national one with
    the same id (the whole item), and items only this territory has (a new id). Same shapes as the
    national ones; a kind added here and in LOCAL_KINDS (bot/content/local.py) can be made local too."""

    pages: dict[str, dict[str, Page]] = field(default_factory=dict)  # language -> id -> page
    resources: dict[str, dict[str, Resource]] = field(default_factory=dict)
    myths: dict[str, dict[str, Myth]] = field(default_factory=dict)
    modules: dict[str, dict[str, Module]] = field(default_factory=dict)
    helplines: dict[str, Helpline] = field(default_factory=dict)  # id -> helpline


@dataclass
class ContentPack:
    """All content, per language, with French as the fallback for anything not translated.

    Every lookup takes the person's territory (None: the national content). A territory's item is found
    before the national one with the same id, in the person's language then in French (a local item is
    about the place: its French text fits better than the national translation), then the national item.
    """

    languages: tuple[str, ...]
    pages: dict[str, dict[str, Page]] = field(default_factory=dict)  # language -> id -> page
    topics: dict[str, dict[str, Topic]] = field(default_factory=dict)
    resources: dict[str, dict[str, Resource]] = field(default_factory=dict)
    myths: dict[str, dict[str, Myth]] = field(default_factory=dict)
    territories: dict[str, Territory] = field(default_factory=dict)
    link_codes: frozenset[str] = frozenset()
    modules: dict[str, dict[str, Module]] = field(default_factory=dict)
    helplines: tuple[Helpline, ...] = ()
    directory: dict[str, tuple[Service, ...]] = field(default_factory=dict)  # territory -> services
    drips: tuple[Drip, ...] = ()
    weekly: tuple[WeeklySeries, ...] = ()
    worries: dict[str, WordLists] = field(default_factory=dict)  # language -> what tells a worry
    stored_data: tuple[StoredLine, ...] = ()  # stored_data.yml: what the privacy notice covers
    youth: Youth = field(default_factory=lambda: Youth({}))  # <lang>/youth/: the youth space
    local: dict[str, Local] = field(default_factory=dict)  # territory -> its own content

    def _local(self, territory: str | None) -> Local:
        return self.local.get(territory or "", _NO_LOCAL)

    def page(self, language: str, page_id: str, territory: str | None = None) -> Page:
        return _pick(self.pages, self._local(territory).pages, language, page_id)

    def has_page(self, page_id: str, territory: str | None = None) -> bool:
        return page_id in _ids(self.pages, self._local(territory).pages)

    def has_item(self, ref: str) -> bool:
        """Whether "page:<id>", "myth:<id>" or "resource:<id>" exists nationally (in French, hence in every
        language): series and campaigns name national items, each person then gets their territory's."""
        kind, _, item_id = ref.partition(":")
        kinds: dict[str, Mapping[str, Mapping[str, object]]] = {
            "page": self.pages,
            "myth": self.myths,
            "resource": self.resources,
        }
        return item_id in kinds.get(kind, {}).get(SOURCE_LANGUAGE, {})

    def menu_pages(self, language: str, role: str, territory: str | None = None) -> list[Page]:
        local = self._local(territory).pages
        ids = [
            i for i in _ids(self.pages, local) if role in _pick(self.pages, local, SOURCE_LANGUAGE, i).menu
        ]
        return sorted((self.page(language, i, territory) for i in ids), key=lambda page: page.order)

    def topic_list(self, language: str) -> list[Topic]:
        ids = self.topics.get(SOURCE_LANGUAGE, {})
        return sorted((_pick(self.topics, {}, language, i) for i in ids), key=lambda topic: topic.order)

    def topic(self, language: str, topic_id: str) -> Topic | None:
        return _find(self.topics, {}, language, topic_id)

    def resources_in(self, language: str, topic_id: str, territory: str | None = None) -> list[Resource]:
        local = self._local(territory).resources
        found = (_pick(self.resources, local, language, i) for i in _ids(self.resources, local))
        # The French version decides the topic, as it decides the ids.
        chosen = [r for r in found if _pick(self.resources, local, SOURCE_LANGUAGE, r.id).topic == topic_id]
        return sorted(chosen, key=lambda item: item.order)

    def resource_ids(self, territory: str | None = None) -> list[str]:
        return _ids(self.resources, self._local(territory).resources)

    def resource(self, language: str, resource_id: str, territory: str | None = None) -> Resource | None:
        return _find(self.resources, self._local(territory).resources, language, resource_id)

    def myth_ids(self, territory: str | None = None) -> list[str]:
        local = self._local(territory).myths
        ids = _ids(self.myths, local)
        return sorted(ids, key=lambda i: _pick(self.myths, local, SOURCE_LANGUAGE, i).order)

    def myth(self, language: str, myth_id: str, territory: str | None = None) -> Myth | None:
        return _find(self.myths, self._local(territory).myths, language, myth_id)

    def module(self, language: str, module_id: str, territory: str | None = None) -> Module | None:
        return _find(self.modules, self._local(territory).modules, language, module_id)

    def module_list(self, language: str, territory: str | None = None) -> list[Module]:
        local = self._local(territory).modules
        found = (_pick(self.modules, local, language, i) for i in _ids(self.modules, local))
        return sorted(found, key=lambda module: module.order)

    def helplines_for(self, territory: str | None = None) -> tuple[Helpline, ...]:
        """The national helplines, each replaced by the territory's entry with its id, then its own."""
        local = self._local(territory).helplines
        national = tuple(local.get(line.id, line) for line in self.helplines)
        known = {line.id for line in self.helplines}
        return national + tuple(line for line in local.values() if line.id not in known)

    def service(self, service_id: str) -> Service | None:
        return next((s for services in self.directory.values() for s in services if s.id == service_id), None)


_NO_LOCAL = Local()


def _ids(national: dict[str, dict[str, Item]], local: dict[str, dict[str, Item]]) -> list[str]:
    """The ids a territory sees: the national ones (French decides), then the territory's new ones."""
    ids = list(national.get(SOURCE_LANGUAGE, {}))
    return ids + [i for i in local.get(SOURCE_LANGUAGE, {}) if i not in national.get(SOURCE_LANGUAGE, {})]


def _find(
    national: dict[str, dict[str, Item]], local: dict[str, dict[str, Item]], language: str, item_id: str
) -> Item | None:
    for items in (local, national):
        found = items.get(language, {}).get(item_id) or items.get(SOURCE_LANGUAGE, {}).get(item_id)
        if found is not None:
            return found
    return None


def _pick(
    national: dict[str, dict[str, Item]], local: dict[str, dict[str, Item]], language: str, item_id: str
) -> Item:
    found = _find(national, local, language, item_id)
    if found is None:
        raise KeyError(item_id)
    return found


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    explanation: str  # Telegram HTML


@dataclass(frozen=True)
class Question:
    text: str
    multiple: bool
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Module:
    id: str
    language: str
    title: str
    summary: str
    minutes: int
    audience: tuple[str, ...]
    public: bool
    order: int
    pass_mark: int  # percent
    cards: tuple[str, ...]  # Telegram HTML; the sources close the last card
    quiz: tuple[Question, ...]
    objectives: tuple[str, ...] = ()  # plain text, printed on the certificate
