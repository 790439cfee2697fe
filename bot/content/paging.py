"""Long texts cut into messages at paragraph boundaries, so each page reads well on its own."""

from __future__ import annotations

import re

from bot.content.markup import visible_length

# A block that is bold from end to end on one line: what markup.render makes of a "## " heading (and of a
# paragraph written as one **bold** line, which introduces what follows just the same).
_HEADING = re.compile(r"<b>[^\n]*</b>")

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
        # A page of headings alone would say nothing: the block joins them, over the target if need be.
        if current and visible_length(candidate) > target and not all(map(is_heading, current)):
            # A heading opens what follows it: it moves to the next page rather than end this one.
            moved: list[str] = []
            while is_heading(current[-1]):
                moved.insert(0, current.pop())
            pages.append("\n\n".join(current))
            current = [*moved, block]
        else:
            current.append(block)
    if current:
        pages.append("\n\n".join(current))
    return pages


def is_heading(block: str) -> bool:
    return _HEADING.fullmatch(block) is not None and block.count("<b>") == 1
