"""The territory's `certificate:` block and the modules' objectives in the content check: a logo that is
missing, outside the territories folder, or no PNG or JPEG is a problem with its file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from bot.config import SUPPORTED_LANGUAGES
from bot.content.loader import load_content
from tests.conftest import CONTENT

DEMO = Path("territories") / "demo.yml"


def copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def logo_line(root: Path) -> int:
    lines = (root / DEMO).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.strip().startswith("logo:"))


def errors(root: Path) -> list[str]:
    return [str(problem) for problem in load_content(root, SUPPORTED_LANGUAGES)[1].errors]


def set_logo(root: Path, value: str) -> None:
    path = root / DEMO
    path.write_text(
        path.read_text(encoding="utf-8").replace("logo: logos/demo.png", f"logo: {value}"), encoding="utf-8"
    )


def test_the_shipped_demo_logo_and_signatory_load(tmp_path: Path) -> None:
    pack, report = load_content(CONTENT, SUPPORTED_LANGUAGES)
    assert report.errors == []
    issuer = pack.territories["demo"].issuer
    assert issuer.logo is not None and issuer.logo.startswith(b"\x89PNG")
    assert issuer.signatory is not None and issuer.signatory.title("ar").endswith("(مثال)")
    for language in SUPPORTED_LANGUAGES:
        assert all(module.objectives for module in pack.modules[language].values()), language


@pytest.mark.parametrize(
    ("make", "value", "message"),
    [
        (None, "logos/nowhere.png", "certificate.logo: no file 'logos/nowhere.png' in the territories"),
        ("text", "logos/fake.png", "certificate.logo: 'logos/fake.png' is not a PNG or JPEG image"),
        ("truncated", "logos/cut.png", "certificate.logo: 'logos/cut.png' is not a PNG or JPEG image"),
        ("gif", "logos/anim.gif", "certificate.logo: 'logos/anim.gif' is not a PNG or JPEG image"),
        (None, "../links.yml", "certificate.logo: '../links.yml': give the file's path inside"),
    ],
)
def test_a_logo_that_cannot_be_printed_is_an_error_at_its_line(
    tmp_path: Path, make: str | None, value: str, message: str
) -> None:
    root = copy(tmp_path)
    target = root / "territories" / value
    shipped = (root / "territories" / "logos" / "demo.png").read_bytes()
    if make == "text":
        target.write_text("not an image", encoding="utf-8")
    elif make == "truncated":
        target.write_bytes(shipped[: len(shipped) // 2])
    elif make == "gif":
        target.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    line = logo_line(root)
    set_logo(root, value)
    found = errors(root)
    assert any(problem.startswith(f"content/{DEMO}:{line}: error: {message}") for problem in found), found


def test_a_jpeg_logo_is_accepted(tmp_path: Path) -> None:
    root = copy(tmp_path)
    Image.new("RGB", (40, 20), "navy").save(root / "territories" / "logos" / "town.jpg", format="JPEG")
    set_logo(root, "logos/town.jpg")
    pack, report = load_content(root, SUPPORTED_LANGUAGES)
    assert report.errors == []
    logo = pack.territories["demo"].issuer.logo
    assert logo is not None and logo.startswith(b"\xff\xd8")
