"""YAML that remembers where each value stands, so a problem can name its line."""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[str | int, ...]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_with_lines(text: str) -> tuple[Any, dict[Path_, int]]:
    """The data and a map from each key path (("name", "fr"), ("items", 0)) to its 1-based line."""
    # One parse, with libyaml's C parser when PyYAML has it: the content folder is read at every start.
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        # A problem found only at the end of the text (an unclosed bracket) is shown where it began.
        if error.context_mark is not None and (mark is None or mark.line >= len(text.splitlines())):
            mark = error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlError(line, f"not valid YAML: {error.problem or error}") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*path, str(key.value))
            lines[child] = key.start_mark.line + 1
            _walk(value, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _walk(value, (*path, index), lines)


def line_of(lines: dict[Path_, int], path: Path_) -> int:
    """The line of the deepest part of `path` that exists (a missing field points at its parent)."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1
