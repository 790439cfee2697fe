"""French is the source language: its catalog repeats each message id, so every plural form is right.

Run after `make messages` (the Makefile does): `python locales/fill_french.py`.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).parent / "fr" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="fr")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            message.string = tuple([singular] + [plural] * (catalog.num_plurals - 1))
        else:
            message.string = message.id
        message.flags.discard("fuzzy")
    with CATALOG.open("wb") as handle:
        write_po(handle, catalog, width=110, omit_header=False)


if __name__ == "__main__":
    main()
