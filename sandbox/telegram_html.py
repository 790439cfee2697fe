"""Telegram's HTML subset: parse it into text + entities, and render entities back to safe HTML.

Telegram measures entity offsets and lengths in UTF-16 code units, so an emoji outside the Basic
Multilingual Plane counts for two; getting that wrong shifts every later entity, which is exactly the
kind of bug the sandbox must reveal rather than hide.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

JSON = dict[str, Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
_SUPPORTED_TAGS = {*_SIMPLE_TAGS, "a", "span", "blockquote", "tg-emoji"}
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; `description` is Telegram's error string."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.description = f"Bad Request: can't parse entities: {detail}"


class _Parser(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.parts: list[str] = []
        self.length = 0
        # (tag, entity or None, start offset, creation order)
        self.stack: list[tuple[str, JSON | None, int, int]] = []
        self.entities: list[tuple[int, JSON]] = []
        self._order = 0

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        index = self._line_starts[line - 1] + column
        return len(self._source[:index].encode())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SUPPORTED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        values = dict(attrs)
        entity: JSON | None
        if tag == "a":
            href = values.get("href")
            entity = {"type": "text_link", "url": href} if href else None
        elif tag == "span":
            if values.get("class") != "tg-spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset()}'
                )
            entity = {"type": "spoiler"}
        elif tag == "tg-emoji":
            emoji_id = values.get("emoji-id")
            if not emoji_id:
                raise EntityParseError(
                    f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {self._byte_offset()}'
                )
            entity = {"type": "custom_emoji", "custom_emoji_id": emoji_id}
        elif tag == "blockquote":
            entity = {"type": "expandable_blockquote" if "expandable" in values else "blockquote"}
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language, not two entities.
            pre_entity = self.stack[-1][1]
            language = values.get("class") or ""
            if pre_entity is not None and language.startswith("language-"):
                pre_entity["language"] = language.removeprefix("language-")
            entity = None
        else:
            entity = {"type": _SIMPLE_TAGS[tag]}
        self._order += 1
        self.stack.append((tag, entity, self.length, self._order))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {self._byte_offset()}")
        open_tag, entity, start, order = self.stack[-1]
        if open_tag != tag:
            where = f"at byte offset {self._byte_offset()}"
            raise EntityParseError(f'Unmatched end tag {where}, expected "</{open_tag}>", found "</{tag}>"')
        self.stack.pop()
        if entity is not None and self.length > start:
            entity["offset"] = start
            entity["length"] = self.length - start
            self.entities.append((order, entity))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def finish(self) -> tuple[str, list[JSON]]:
        self.close()
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        ordered = sorted(self.entities, key=lambda item: (item[1]["offset"], -item[1]["length"], item[0]))
        return "".join(self.parts), [{**_ordered_keys(entity)} for _, entity in ordered]


def _ordered_keys(entity: JSON) -> JSON:
    # Telegram lists type, offset and length first; keeping that order makes diffs in tests readable.
    extra = {key: value for key, value in entity.items() if key not in ("type", "offset", "length")}
    return {"type": entity["type"], "offset": entity["offset"], "length": entity["length"], **extra}


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML into (text, entities); raises EntityParseError like Telegram's 400."""
    parser = _Parser(source)
    parser.feed(source)
    return parser.finish()


def _tags_for(entity: JSON, entity_text: str) -> tuple[str, str] | None:
    kind = entity.get("type")
    simple = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "code": "code"}
    if kind in simple:
        return f"<{simple[kind]}>", f"</{simple[kind]}>"
    if kind == "spoiler":
        return '<span class="tg-spoiler">', "</span>"
    if kind == "pre":
        language = entity.get("language")
        label = f' data-language="{html.escape(str(language))}"' if language else ""
        return f"<pre{label}>", "</pre>"
    if kind in ("blockquote", "expandable_blockquote"):
        return "<blockquote>", "</blockquote>"
    url = None
    if kind == "text_link":
        url = str(entity.get("url", ""))
    elif kind == "url":
        url = entity_text if "://" in entity_text else f"https://{entity_text}"
    elif kind == "email":
        url = f"mailto:{entity_text}"
    if url is not None:
        if not url.lower().startswith(_SAFE_SCHEMES):
            return None
        return f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">', "</a>"
    if kind in ("bot_command", "mention", "hashtag"):
        return f'<span class="tg-{kind.replace("_", "-")}">', "</span>"
    return None


def render_html(text: str, entities: list[JSON] | None) -> str:
    """Render text + entities as HTML that is safe to insert in the chat page."""
    units = text.encode("utf-16-le")
    total = len(units) // 2

    def piece(start: int, end: int) -> str:
        return units[start * 2 : end * 2].decode("utf-16-le", errors="replace")

    spans: list[tuple[int, int, str, str]] = []
    for entity in entities or []:
        try:
            start = max(0, int(entity["offset"]))
            end = min(total, start + int(entity["length"]))
        except (KeyError, TypeError, ValueError):
            continue
        if end <= start:
            continue
        tags = _tags_for(entity, piece(start, end))
        if tags:
            spans.append((start, end, *tags))
    spans.sort(key=lambda span: (span[0], -span[1]))

    boundaries = sorted({0, total, *(s[0] for s in spans), *(s[1] for s in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, str, str]] = []
    pending = list(reversed(spans))
    for index, position in enumerate(boundaries):
        if any(span[1] <= position for span in stack):
            # Close down to the deepest span that ends here, then reopen the survivors: this keeps the
            # output well-formed even if entities overlap without nesting.
            reopen: list[tuple[int, int, str, str]] = []
            while any(span[1] <= position for span in stack):
                span = stack.pop()
                out.append(span[3])
                if span[1] > position:
                    reopen.append(span)
            for span in reversed(reopen):
                out.append(span[2])
                stack.append(span)
        while pending and pending[-1][0] == position:
            span = pending.pop()
            out.append(span[2])
            stack.append(span)
        if index + 1 < len(boundaries):
            out.append(html.escape(piece(position, boundaries[index + 1]), quote=False))
    while stack:
        out.append(stack.pop()[3])
    return "".join(out)
