"""Long texts cut into messages at paragraph boundaries, so each page reads well on its own."""

from __future__ import annotations

from bot.content.markup import visible_length

# About two phone screens: long enough to say something, short enough to read before tapping "Next".
PAGE_TARGET = 2000


def split_pages(telegram_html: str, target: int = PAGE_TARGET) -> list[str]:
    """Pages of at most `target` visible characters, cut between blocks (a block over it stays whole).

    Blocks are separated by a blank line and each closes its own tags (see markup.render), so any cut
    between two blocks leaves valid HTML on both sides.
    """
    pages: list[str] = []
    current: list[str] = []
    for block in telegram_html.split("\n\n"):
        candidate = "\n\n".join([*current, block])
        if current and visible_length(candidate) > target:
            pages.append("\n\n".join(current))
            current = [block]
        else:
            current.append(block)
    if current:
        pages.append("\n\n".join(current))
    return pages
