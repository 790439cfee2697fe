"""The trainings' figures as the chat's /training_stats shows them: the dashboard's own cells.

Each line is one month, module and territory, read from the same suppressed cubes as the dashboard and the
export (bot/domain/indicators/cubes.py), so that the chat never shows a figure the dashboard hides, nor one
from which it could be recomputed: an all-time count, for one, minus the months the dashboard shows would
give a hidden month back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.indicators.cubes import average
from bot.domain.indicators.sources import gather
from bot.domain.scope import Scope
from bot.domain.tables import TOTAL, Value


@dataclass(frozen=True)
class TrainingLine:
    month: str  # "YYYY-MM"
    module: str
    territory: str
    started: Value  # None: hidden
    passed: Value
    average_score: Value  # mean best score of those who passed that month, in percent


def recent_months(now: datetime, count: int) -> tuple[str, str]:
    """The first and last of the `count` UTC months ending with `now`'s, as "YYYY-MM"."""
    index = now.astimezone(UTC).year * 12 + now.astimezone(UTC).month - count  # the first's, from 0
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{now.astimezone(UTC):%Y-%m}"


async def training_lines(
    session: AsyncSession, scope: Scope, *, now: datetime, months: int
) -> list[TrainingLine]:
    """The last `months` months, the latest first; a line only where a figure shows someone."""
    figures = await gather(session, scope, *recent_months(now, months), ("trainings",))
    lines = []
    for month in reversed(figures.months):
        modules = dict.fromkeys(
            module
            for cube in ("trainings_started", "trainings_passed")
            if cube in month.cubes
            for module in month.cubes[cube].axes[0]
        )
        for module in modules:
            for territory in month.territories:
                started = month.count("trainings_started", territory, module, TOTAL)
                passed = month.count("trainings_passed", territory, module, TOTAL)
                if not any(value for value in (started, passed)):
                    continue  # nothing shown, or only hidden figures: the line itself would tell someone
                scores = figures.total_sum(month.month, "passed_scores", (territory, module, TOTAL))
                lines.append(
                    TrainingLine(month.month, module, territory, started, passed, average(scores, passed))
                )
    return lines
