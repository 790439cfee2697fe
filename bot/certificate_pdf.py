"""The PDF attestation of a passed module, drawn with fpdf2.

It carries the issuing commune (its name, and its logo and signatory when its territory file gives them),
the module with its duration and objectives, the date, the score, the name the person chose to print, and
the code with how to check it. DejaVu Sans is used when the system has it (accents and most scripts, shaped
by HarfBuzz so that Arabic reads right to left); otherwise a core PDF font, with the text brought to Latin-1.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
WIDTH = 250  # mm available for a line inside the frame
LOGO_BOX = (20.0, 16.0, 45.0, 24.0)  # x, y, width, height in mm: a logo is fitted inside, its shape kept
BOTTOM = 150.0  # where the issuer, the signatory and the code start, whatever the length above
_TYPOGRAPHY = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "œ": "oe",
        "Œ": "OE",
        "\u202f": " ",
        "\u00a0": " ",
    }
)


@dataclass(frozen=True)
class CertificateText:
    """Every line of the certificate, already in the person's language."""

    heading: str
    name: str | None
    completed: str  # "has completed the micro-training"
    module: str
    details: str  # date, score and duration
    objectives_heading: str
    objectives: tuple[str, ...]
    issuer: str  # "Issued by <commune>"
    signatory: str | None  # "<name>, <title>"
    code: str
    verify: tuple[str, ...]  # how to check the code: in the chat, and on the public page when there is one
    logo: bytes | None = None  # PNG or JPEG, checked when the content was loaded


def render_certificate(text: CertificateText) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    font, clean = _font(pdf)
    pdf.set_draw_color(30, 90, 160)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    if text.logo is not None:
        x, y, width, height = LOGO_BOX
        pdf.image(io.BytesIO(text.logo), x=x, y=y, w=width, h=height, keep_aspect_ratio=True)
    pdf.set_y(24)
    pdf.set_font(font, "B", 26)
    pdf.cell(0, 13, clean(text.heading), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    if text.name:
        size = 22
        pdf.set_font(font, "B", size)
        while size > 10 and pdf.get_string_width(clean(text.name)) > WIDTH:  # a long name shrinks to fit
            size -= 1
            pdf.set_font(font, "B", size)
        pdf.cell(0, 12, clean(text.name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 14)
    pdf.cell(0, 9, clean(text.completed), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(font, "B", 18)
    pdf.multi_cell(0, 9, clean(text.module), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(font, "", 12)
    pdf.cell(0, 8, clean(text.details), align="C", new_x="LMARGIN", new_y="NEXT")
    if text.objectives:
        pdf.ln(3)
        pdf.set_font(font, "B", 11)
        pdf.cell(0, 7, clean(text.objectives_heading), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(font, "", 10)
        for objective in text.objectives:
            pdf.multi_cell(0, 5.5, clean(f"• {objective}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y() + 3, BOTTOM))
    pdf.set_font(font, "", 12)
    pdf.cell(0, 7, clean(text.issuer), align="C", new_x="LMARGIN", new_y="NEXT")
    if text.signatory:
        pdf.set_font(font, "B", 11)
        pdf.cell(0, 7, clean(text.signatory), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(font, "B", 15)
    pdf.cell(0, 8, clean(text.code), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    for line in text.verify:
        pdf.cell(0, 6, clean(line), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _font(pdf: FPDF) -> tuple[str, Callable[[str], str]]:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        # HarfBuzz joins Arabic letters and lays the line out right to left.
        pdf.set_text_shaping(True)
        return "DejaVu", _marks
    return "Helvetica", _latin1


# DejaVu has no glyph for the isolates bot/bidi.py places around left-to-right runs in Arabic lines (they
# would print as boxes), but has zero-width direction marks: a mark on each side of a run keeps it in order
# just as well on a certificate's short lines ("@bot", not "bot@").
_ISOLATES = str.maketrans({"\u2066": "\u200e", "\u2068": "\u200e", "\u2069": "\u200e", "\u2067": "\u200f"})


def _marks(value: str) -> str:
    return value.translate(_ISOLATES)


def _latin1(value: str) -> str:
    value = value.translate(_TYPOGRAPHY)
    kept = "".join(c if ord(c) < 256 else unicodedata.normalize("NFKD", c)[0] for c in value)
    return kept.encode("latin-1", "replace").decode("latin-1")
