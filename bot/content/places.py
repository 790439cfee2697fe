"""Where help is: the territories (with their CRIP, referents and data controller), the deep-link codes worth
counting, the national helplines and each territory's local services. Loaded before the texts that point to
them; every problem is reported at its file and line."""

from __future__ import annotations

from pathlib import Path

from bot.content.files import read_list, read_model
from bot.content.issuers import read_issuer
from bot.content.pack import SOURCE_LANGUAGE, ContentPack, Crip, Helpline, LocalContact, Service, Territory
from bot.content.problems import Report, language_name
from bot.content.schemas import HelplineFile, LinkFile, ServiceFile, TerritoryFile
from bot.content.yaml_lines import line_of


def load_territories(folder: Path, pack: ContentPack, report: Report) -> None:
    files = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    for path in files:
        loaded = read_model(path, TerritoryFile, report)
        if loaded is None:
            continue
        parsed, lines = loaded
        if parsed.id in pack.territories:
            report.error(
                path, line_of(lines, ("id",)), f"duplicate id {parsed.id!r}: another territory has it"
            )
            continue
        for language in pack.languages:
            if language != SOURCE_LANGUAGE and not parsed.name.get(language, "").strip():
                where = line_of(lines, ("name",))
                report.warning(
                    path, where, f"no {language_name(language)} name; the French one will be shown"
                )
        crip = Crip(**parsed.crip.model_dump()) if parsed.crip else None
        if crip is None:
            report.warning(
                path, 1, "no crip: block; parents looking for the child-protection unit get the 119 only"
            )
        if not parsed.controller or not parsed.privacy_contact:
            report.warning(
                path,
                1,
                "no controller or privacy_contact: the privacy notice cannot say who answers for the data",
            )
        pack.territories[parsed.id] = Territory(
            parsed.id,
            dict(parsed.name),
            parsed.timezone,
            parsed.referents_chat,
            crip,
            referents_hours=dict(parsed.referents_hours),
            controller=dict(parsed.controller),
            privacy_contact=parsed.privacy_contact,
            issuer=read_issuer(parsed.certificate, folder, path, lines, report),
            local_contacts=tuple(
                LocalContact(
                    contact.kind,
                    dict(contact.name),
                    contact.phone,
                    contact.email,
                    contact.website,
                    contact.address,
                    dict(contact.hours),
                    contact.example,
                )
                for contact in parsed.local_contacts
            ),
        )
    if not pack.territories:
        report.error(folder, 1, "no territory: add at least one file such as territories/my-town.yml")


def load_links(path: Path, pack: ContentPack, report: Report) -> None:
    """The deep-link codes worth counting; the file is optional (then every code counts as "other")."""
    codes: set[str] = set()
    for link, line in read_list(path, LinkFile, report, "code") if path.is_file() else []:
        if link.code in codes:
            report.error(path, line, f"duplicate code {link.code!r}")
        codes.add(link.code)
    pack.link_codes = frozenset(codes)


def load_helplines(path: Path, pack: ContentPack, report: Report) -> None:
    pack.helplines = tuple(read_helplines(path, pack.languages, report).values())


def read_helplines(
    path: Path, languages: tuple[str, ...], report: Report, schema: type[HelplineFile] = HelplineFile
) -> dict[str, Helpline]:
    """A list of helplines (the national one, or a territory's with `schema` allowing `overrides:`)."""
    helplines: dict[str, Helpline] = {}
    for entry, line in read_list(path, schema, report, "id") if path.is_file() else []:
        if entry.id in helplines:
            report.error(path, line, f"duplicate helpline id {entry.id!r}")
        _warn_untranslated(path, line, entry.description, languages, report)
        fields = entry.model_dump(exclude={"description", "overrides"})
        helplines[entry.id] = Helpline(**fields, descriptions=dict(entry.description))
    return helplines


def load_directory(folder: Path, pack: ContentPack, report: Report) -> None:
    """`directory/<territory>.yml`: each territory's services; ids are unique across territories."""
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        if path.stem not in pack.territories:
            report.error(path, 1, f"unknown territory {path.stem!r}: name the file after a territory's id")
            continue
        services = []
        for entry, line in read_list(path, ServiceFile, report, "id"):
            if entry.id in seen:
                report.error(path, line, f"duplicate service id {entry.id!r}")
                continue
            seen.add(entry.id)
            _warn_untranslated(path, line, entry.description, pack.languages, report)
            fields = entry.model_dump(exclude={"description", "needs", "languages"})
            services.append(
                Service(
                    **fields,
                    territory=path.stem,
                    needs=tuple(entry.needs),
                    languages=tuple(entry.languages),
                    descriptions=dict(entry.description),
                )
            )
        pack.directory[path.stem] = tuple(services)


def _warn_untranslated(
    path: Path, line: int, texts: dict[str, str], languages: tuple[str, ...], report: Report
) -> None:
    for language in languages:
        if not texts.get(language, "").strip():
            report.warning(path, line, f"no {language_name(language)} description; French will be shown")
