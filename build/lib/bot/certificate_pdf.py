"""The PDF attestation of a passed module, drawn with fpdf2.

It carries the module, the date, the score and the verification code; a name only if the person typed one
for this document (it is printed, never stored). DejaVu Sans is used when the system has it (accents and
most scripts, shaped by HarfBuzz so that Arabic reads right to left); otherwise a core PDF font, with the
text brought to Latin-1.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
WIDTH = 250  # mm available for a line inside the frame
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
    details: str  # date and score
    issuer: str
    verify: str  # how to check the code
    code: str


def render_certificate(text: CertificateText) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    font, clean = _font(pdf)
    pdf.set_draw_color(30, 90, 160)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, 277, 190)
    pdf.set_y(32)
    pdf.set_font(font, "B", 28)
    pdf.cell(0, 14, clean(text.heading), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    if text.name:
        size = 22
        pdf.set_font(font, "B", size)
        while size > 10 and pdf.get_string_width(clean(text.name)) > WIDTH:  # a long name shrinks to fit
            size -= 1
            pdf.set_font(font, "B", size)
        pdf.cell(0, 12, clean(text.name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 16)
    pdf.cell(0, 10, clean(text.completed), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(font, "B", 20)
    pdf.multi_cell(0, 11, clean(text.module), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(font, "", 14)
    pdf.cell(0, 9, clean(text.details), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 9, clean(text.issuer), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(165)
    pdf.set_font(font, "B", 16)
    pdf.cell(0, 9, clean(text.code), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 11)
    pdf.cell(0, 7, clean(text.verify), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _font(pdf: FPDF) -> tuple[str, Callable[[str], str]]:
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        # HarfBuzz joins Arabic letters and lays the line out right to left.
        pdf.set_text_shaping(True)
        return "DejaVu", str
    return "Helvetica", _latin1


def _latin1(value: str) -> str:
    value = value.translate(_TYPOGRAPHY)
    kept = "".join(c if ord(c) < 256 else unicodedata.normalize("NFKD", c)[0] for c in value)
    return kept.encode("latin-1", "replace").decode("latin-1")
