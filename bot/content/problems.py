"""Problems found in content files, each with its file and line, for people who are not programmers."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

# Language names in the report's messages ("no Arabic translation"), which are in English.
LANGUAGE_NAMES = {"fr": "French", "en": "English", "ar": "Arabic"}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    level: Level
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.level}: {self.message}"


@dataclass
class Report:
    """What a check found; the bot refuses to start while it holds an error."""

    root: Path
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: Path, line: int, level: Level, message: str) -> None:
        try:
            shown = path.relative_to(self.root.parent)
        except ValueError:
            shown = path
        self.problems.append(Problem(str(shown), max(line, 1), level, message))

    def error(self, path: Path, line: int, message: str) -> None:
        self.add(path, line, Level.ERROR, message)

    def warning(self, path: Path, line: int, message: str) -> None:
        self.add(path, line, Level.WARNING, message)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level is Level.WARNING]

    def lines(self) -> list[str]:
        return [str(problem) for problem in sorted(self.problems)]
