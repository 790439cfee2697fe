"""A territory's `certificate:` block: its logo file read and checked once, and its signatory.

The logo is read at start (and by `content check`), so that a missing file or one that is no PNG or JPEG is
a problem with its file and line before any certificate is drawn, and a certificate never waits on a disk.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from bot.content.pack import Issuer, Signatory
from bot.content.problems import Report
from bot.content.schemas import CertificateFile
from bot.content.yaml_lines import Path_, line_of

MAX_LOGO_BYTES = 2 * 1024 * 1024  # a logo, not a photograph: it is copied into every certificate
LOGO_FORMATS = {"PNG": "PNG", "JPEG": "JPEG"}


def read_issuer(
    block: CertificateFile | None, folder: Path, path: Path, lines: dict[Path_, int], report: Report
) -> Issuer:
    """The issuer's logo and signatory; a logo that cannot be used is reported and left out."""
    if block is None:
        return Issuer()
    signatory = Signatory(block.signatory.name, dict(block.signatory.title)) if block.signatory else None
    logo = None
    if block.logo is not None:
        logo = _logo(folder / block.logo, block.logo, path, line_of(lines, ("certificate", "logo")), report)
    return Issuer(logo=logo, signatory=signatory)


def _logo(file: Path, name: str, path: Path, line: int, report: Report) -> bytes | None:
    if not file.is_file():
        report.error(path, line, f"certificate.logo: no file {name!r} in the territories folder")
        return None
    data = file.read_bytes()
    if len(data) > MAX_LOGO_BYTES:
        report.error(path, line, f"certificate.logo: {name!r} is over 2 MB, use a smaller image")
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()  # reads the whole file: a truncated or damaged one fails here, not in a PDF
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind not in LOGO_FORMATS:
        report.error(path, line, f"certificate.logo: {name!r} is not a PNG or JPEG image")
        return None
    return data
