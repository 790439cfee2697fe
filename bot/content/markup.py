"""A small Markdown subset, converted once at load time into the HTML subset Telegram renders.

Editors write **bold**, _italic_, [links](https://...), "- " lists and "## " subheadings. Telegram has no
paragraphs, lists or headings, so they become blank lines, bullets and bold lines. Anything Telegram cannot
show (raw HTML, images, tables) is reported with its line rather than silently dropped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

TEXT_LIMIT = 4096
_LINK_SCHEMES = ("http", "https", "tg", "mailto")
_TAG = re.compile(r"<[^>]*>")

# Inline Markdown marks and the Telegram tags they become.
_TAGS = {
    "strong_open": "<b>",
    "strong_close": "</b>",
    "em_open": "<i>",
    "em_close": "</i>",
    "s_open": "<s>",
    "s_close": "</s>",
}

_parser = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")


@dataclass
class Rendered:
    html: str
    # (line in the Markdown, 1-based, relative to its first line; message)
    problems: list[tuple[int, str]] = field(default_factory=list)


def visible_length(telegram_html: str) -> int:
    """Characters as Telegram counts them against its limits: the text once tags and entities are parsed
    away, in UTF-16 code units (an emoji outside the basic plane counts two)."""
    return len(html.unescape(_TAG.sub("", telegram_html)).encode("utf-16-le")) // 2


def render(markdown: str) -> Rendered:
    """Telegram HTML for `markdown`, with the problems found and their lines."""
    result = Rendered(html="")
    blocks: list[tuple[int, str]] = []  # (list group, or 0 outside lists; text)
    group = 0
    lists: list[list[int]] = []  # one counter per open list: 0 for bullets, the next number for ordered
    quote = False
    prefix = ""
    for token in _parser.parse(markdown):
        line = token.map[0] + 1 if token.map else 1
        if token.type in ("bullet_list_open", "ordered_list_open"):
            group += 0 if lists else 1
            start = token.attrGet("start")
            lists.append(
                [int(start) if isinstance(start, (int, str)) and str(start).isdigit() else 1]
                if token.type == "ordered_list_open"
                else [0]
            )
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type == "list_item_open":
            indent = "    " * (len(lists) - 1)
            counter = lists[-1]
            if counter[0]:
                prefix = f"{indent}{counter[0]}. "
                counter[0] += 1
            else:
                prefix = f"{indent}• "
        elif token.type == "blockquote_open":
            quote = True
        elif token.type == "blockquote_close":
            quote = False
        elif token.type == "inline":
            text = _inline(token.children or [], line, result)
            if prefix:
                text, prefix = prefix + text, ""
            blocks.append((group if lists else 0, f"<blockquote>{text}</blockquote>" if quote else text))
        elif token.type == "heading_close":
            blocks[-1] = (0, f"<b>{blocks[-1][1]}</b>")
        elif token.type in ("fence", "code_block"):
            blocks.append((0, f"<pre>{html.escape(token.content.rstrip())}</pre>"))
        elif token.type == "hr":
            blocks.append((0, "—————"))
        elif token.type == "html_block":
            result.problems.append((line, _html_problem(token.content)))
    result.html = _join(blocks)
    return result


def _join(blocks: list[tuple[int, str]]) -> str:
    # Items of one list follow each other on consecutive lines; other blocks are separated by a blank line.
    out: list[tuple[int, str]] = []
    for group, text in blocks:
        if not text.strip():
            continue
        if out and group and out[-1][0] == group:
            out[-1] = (group, out[-1][1] + "\n" + text)
        else:
            out.append((group, text))
    return "\n\n".join(text for _, text in out).strip()


def _inline(children: list[Token], line: int, result: Rendered) -> str:
    parts: list[str] = []
    for child in children:
        kind = child.type
        if kind == "text":
            parts.append(html.escape(child.content, quote=False))
        elif kind in ("softbreak", "hardbreak"):
            parts.append("\n")
            line += 1
        elif kind in _TAGS:
            parts.append(_TAGS[kind])
        elif kind == "code_inline":
            parts.append(f"<code>{html.escape(child.content, quote=False)}</code>")
        elif kind == "link_open":
            href = str(child.attrGet("href") or "")
            if urlsplit(href).scheme not in _LINK_SCHEMES:
                result.problems.append((line, f"link '{href}' must start with https:// (or tg://, mailto:)"))
            parts.append(f'<a href="{html.escape(href)}">')
        elif kind == "link_close":
            parts.append("</a>")
        elif kind == "image":
            result.problems.append(
                (line, "images are not allowed in the text; Telegram cannot show them here")
            )
        elif kind == "html_inline":
            result.problems.append((line, _html_problem(child.content)))
    return "".join(parts)


def _html_problem(fragment: str) -> str:
    shown = fragment.strip().splitlines()[0][:40] if fragment.strip() else fragment
    return f"HTML such as '{shown}' is not allowed: use **bold**, _italic_ or [text](https://...)"
