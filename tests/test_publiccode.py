"""publiccode.yml against the publiccode.yml standard, version 0.4 (https://yml.publiccode.tools): its
mandatory keys, their value formats and controlled vocabularies, as the standard's schema states them.

The standard's own validator is a Go program (publiccode-parser-go); no package on PyPI or npm carries it,
so these checks follow the schema's text. The file also has to agree with the project: its languages, its
licence and its Python version.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from bot.config import SUPPORTED_LANGUAGES


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ROOT = Path(__file__).resolve().parent.parent
PUBLICCODE = ROOT / "publiccode.yml"

TOP_LEVEL = words(
    """publiccodeYmlVersion name applicationSuite url landingURL isBasedOn softwareVersion releaseDate logo
    platforms categories usedBy roadmap developmentStatus softwareType intendedAudience description legal
    maintenance localisation dependsOn it"""
)
MANDATORY = (
    "publiccodeYmlVersion", "name", "url", "platforms", "categories", "developmentStatus", "softwareType",
    "description", "legal", "maintenance", "localisation",
)  # fmt: skip
DEVELOPMENT_STATUS = {"concept", "development", "beta", "stable", "obsolete"}
SOFTWARE_TYPE = {
    "standalone/mobile", "standalone/iot", "standalone/desktop", "standalone/web", "standalone/backend",
    "standalone/other", "addon", "library", "configurationFiles",
}  # fmt: skip
MAINTENANCE_TYPE = {"internal", "contract", "community", "none"}
# The standard's controlled vocabularies (categories-list and scope-list).
CATEGORIES = words(
    """accounting agile-project-management applicant-tracking application-development appointment-scheduling
    backup billing-and-invoicing blog budgeting business-intelligence business-process-management cad
    call-center-management cloud-management collaboration communications compliance-management
    contact-management content-management crm customer-service-and-support data-analytics data-collection
    data-visualization design design-system digital-asset-management digital-citizenship document-management
    donor-management e-commerce e-signature educational-content email-management email-marketing
    employee-management enterprise-project-management enterprise-social-networking erp event-management
    facility-management feedback-and-reviews-management financial-reporting fleet-management fundraising
    gamification geographic-information-systems grant-management graphic-design help-desk hr ide
    identity-management instant-messaging inventory-management it-asset-management it-development
    it-management it-security it-service-management knowledge-management learning-management-system marketing
    mind-mapping mobile-marketing mobile-payment network-management office online-booking online-community
    payment-gateway payroll predictive-analysis procurement productivity-suite project-collaboration
    project-management property-management real-estate-management remote-support resource-management
    sales-management seo service-desk social-media-management survey talent-management task-management
    taxes-management test-management time-management time-tracking translation video-conferencing
    video-editing visitor-management voip warehouse-management web-collaboration web-conferencing
    website-builder whistleblowing workflow-management"""
)
SCOPES = words(
    """agriculture culture defence education emergency-services employment energy environment
    finance-and-economic-development foreign-affairs healthcare infrastructures justice local-authorities
    manufacturing research science-and-technology security society sport tourism transportation
    welfare"""
)
DESCRIPTION_KEYS = {
    "localisedName", "genericName", "shortDescription", "longDescription", "documentation",
    "apiDocumentation", "features", "screenshots", "videos", "awards",
}  # fmt: skip
DEPENDENCY_KEYS = {"name", "versionMin", "versionMax", "version", "optional"}
BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
SPDX = re.compile(r"^[A-Za-z0-9.+-]+( (AND|OR) [A-Za-z0-9.+-]+)*$")


def problems(data: Any) -> list[str]:
    """Every way `data` breaks the standard (0.4), one sentence each; empty when it is valid."""
    if not isinstance(data, dict):
        return ["the file is not a mapping of keys"]
    found = [f"{key}: mandatory" for key in MANDATORY if key not in data]
    found += [f"{key}: not a key of the standard" for key in data if key not in TOP_LEVEL]
    if data.get("publiccodeYmlVersion") != "0.4":
        found.append('publiccodeYmlVersion: the string "0.4"')
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        found.append("name: a string")
    for key in ("url", "landingURL"):
        if key in data and not (isinstance(data[key], str) and URL.match(data[key])):
            found.append(f"{key}: a URL")
    if "releaseDate" in data and not (
        isinstance(data["releaseDate"], str) and DATE.match(data["releaseDate"])
    ):
        found.append("releaseDate: a date written YYYY-MM-DD, between quotes")
    platforms = data.get("platforms")
    platforms = [platforms] if isinstance(platforms, str) else platforms
    if not isinstance(platforms, list) or not platforms or not all(isinstance(p, str) for p in platforms):
        found.append("platforms: one platform or a list of them")
    categories = data.get("categories")
    if not isinstance(categories, list) or not categories:
        found.append("categories: a list")
    else:
        found += [
            f"categories: {c!r} is not in the standard's list" for c in categories if c not in CATEGORIES
        ]
    if data.get("developmentStatus") not in DEVELOPMENT_STATUS:
        found.append(f"developmentStatus: one of {sorted(DEVELOPMENT_STATUS)}")
    if data.get("softwareType") not in SOFTWARE_TYPE:
        found.append(f"softwareType: one of {sorted(SOFTWARE_TYPE)}")
    found += _audience(data.get("intendedAudience", {}))
    found += _description(data.get("description"))
    found += _legal(data.get("legal"))
    found += _maintenance(data.get("maintenance"))
    found += _localisation(data.get("localisation"))
    found += _depends_on(data.get("dependsOn", {}))
    return found


def _audience(audience: Any) -> list[str]:
    if not isinstance(audience, dict):
        return ["intendedAudience: a section"]
    found = []
    for key in ("countries", "unsupportedCountries"):
        for country in audience.get(key, []):
            if not re.fullmatch(r"[a-z]{2}", str(country)):
                found.append(f"intendedAudience.{key}: {country!r} is no lowercase ISO 3166-1 alpha-2 code")
    unknown = [scope for scope in audience.get("scope", []) if scope not in SCOPES]
    found += [f"intendedAudience.scope: {scope!r} is not in the standard's list" for scope in unknown]
    return found


def _description(description: Any) -> list[str]:
    if not isinstance(description, dict) or not description:
        return ["description: at least one language"]
    found = []
    for language, text in description.items():
        where = f"description.{language}"
        if not BCP47.match(str(language)):
            found.append(f"{where}: the section's name is no BCP 47 language tag")
        if not isinstance(text, dict):
            found.append(f"{where}: a section")
            continue
        found += [f"{where}.{key}: not a key of the standard" for key in text if key not in DESCRIPTION_KEYS]
        short = text.get("shortDescription")
        if not isinstance(short, str) or not short.strip() or len(short) > 150 or "\n" in short.strip():
            found.append(f"{where}.shortDescription: one line of 150 characters at most")
        long = text.get("longDescription")
        if long is not None and not (isinstance(long, str) and 150 <= len(long) <= 10000):
            found.append(f"{where}.longDescription: 150 to 10,000 characters")
        features = text.get("features")
        if features is not None and not (
            isinstance(features, list) and all(isinstance(f, str) for f in features)
        ):
            found.append(f"{where}.features: a list of strings")
    for key in ("longDescription", "features"):
        if not any(isinstance(text, dict) and text.get(key) for text in description.values()):
            found.append(f"description: {key} is mandatory in at least one language")
    return found


def _legal(legal: Any) -> list[str]:
    if not isinstance(legal, dict):
        return ["legal: a section"]
    license = legal.get("license")
    return [] if isinstance(license, str) and SPDX.match(license) else ["legal.license: an SPDX expression"]


def _maintenance(maintenance: Any) -> list[str]:
    if not isinstance(maintenance, dict) or maintenance.get("type") not in MAINTENANCE_TYPE:
        return [f"maintenance.type: one of {sorted(MAINTENANCE_TYPE)}"]
    found = []
    kind = maintenance["type"]
    if kind in ("internal", "community"):
        contacts = maintenance.get("contacts")
        if (
            not isinstance(contacts, list)
            or not contacts
            or not all(
                isinstance(c, dict) and isinstance(c.get("name"), str) and c["name"].strip() for c in contacts
            )
        ):
            found.append("maintenance.contacts: mandatory for internal or community maintenance, each named")
    if kind == "contract":
        contractors = maintenance.get("contractors")
        if (
            not isinstance(contractors, list)
            or not contractors
            or not all(
                isinstance(c, dict) and c.get("name") and DATE.match(str(c.get("until", "")))
                for c in contractors
            )
        ):
            found.append("maintenance.contractors: mandatory for contract maintenance, with name and until")
    return found


def _localisation(localisation: Any) -> list[str]:
    if not isinstance(localisation, dict):
        return ["localisation: a section"]
    found = []
    if not isinstance(localisation.get("localisationReady"), bool):
        found.append("localisation.localisationReady: true or false")
    languages = localisation.get("availableLanguages")
    if (
        not isinstance(languages, list)
        or not languages
        or not all(BCP47.match(str(tag)) for tag in languages)
    ):
        found.append("localisation.availableLanguages: a list of BCP 47 language tags")
    return found


def _depends_on(depends_on: Any) -> list[str]:
    if not isinstance(depends_on, dict):
        return ["dependsOn: a section"]
    found = []
    for kind, dependencies in depends_on.items():
        if kind not in ("open", "proprietary", "hardware"):
            found.append(f"dependsOn.{kind}: not a key of the standard")
            continue
        for dependency in dependencies or []:
            if not isinstance(dependency, dict) or not dependency.get("name"):
                found.append(f"dependsOn.{kind}: each dependency has a name")
                continue
            found += [f"dependsOn.{kind}: {key!r} is not a key of a dependency" for key in dependency
                      if key not in DEPENDENCY_KEYS]  # fmt: skip
            if "optional" in dependency and not isinstance(dependency["optional"], bool):
                found.append(f"dependsOn.{kind}: optional is true or false")
            for key in ("versionMin", "versionMax", "version"):
                if key in dependency and not isinstance(dependency[key], str):
                    found.append(f"dependsOn.{kind}.{key}: a string, between quotes")
    return found


def load() -> Any:
    return yaml.safe_load(PUBLICCODE.read_text(encoding="utf-8"))


def test_publiccode_follows_the_standard() -> None:
    assert problems(load()) == []


def test_publiccode_agrees_with_the_project() -> None:
    data = load()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert data["legal"]["license"] == project["license"] == "EUPL-1.2"
    assert data["localisation"]["availableLanguages"] == list(SUPPORTED_LANGUAGES)
    assert {"fr", "en"} <= set(data["description"]), "described in French and in English"
    python = next(d for d in data["dependsOn"]["open"] if d["name"] == "Python")
    assert project["requires-python"] == f">={python['versionMin']}"
    # The placeholders stay marked until someone replaces them.
    lines = PUBLICCODE.read_text(encoding="utf-8").splitlines()
    url = next(line for line in lines if line.startswith("url:"))
    assert "example.org" not in data["url"] or "PLACEHOLDER" in url


def test_the_checks_catch_what_breaks_the_standard() -> None:
    data = load()
    data["description"]["fr"]["shortDescription"] = "x" * 151
    data["developmentStatus"] = "alpha"
    data["categories"].append("drug-prevention")
    del data["legal"]["license"]
    data["maintenance"] = {"type": "contract"}
    data["localisation"]["availableLanguages"] = ["French"]
    data["releaseDate"] = "2026-12"
    assert problems(data) == [
        "releaseDate: a date written YYYY-MM-DD, between quotes",
        "categories: 'drug-prevention' is not in the standard's list",
        "developmentStatus: one of ['beta', 'concept', 'development', 'obsolete', 'stable']",
        "description.fr.shortDescription: one line of 150 characters at most",
        "legal.license: an SPDX expression",
        "maintenance.contractors: mandatory for contract maintenance, with name and until",
        "localisation.availableLanguages: a list of BCP 47 language tags",
    ]
    assert problems({"name": "x"})[0] == "publiccodeYmlVersion: mandatory"
