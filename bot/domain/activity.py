"""The day each person last used the bot, written in the background rather than on the way to an answer.

The day of last use is what the retention rule counts from, and writing to the bot makes a person reachable
again; neither changes the answer the person is waiting for. Written inline, the first update of each
person's day was a write: with another process holding the database's write lock, every such update (on a
new day, nearly all of them) waited for the lock, then failed. Here an update only notes the day in memory;
the writer (bot/domain/writer.py) writes what was noted, many people in one statement, and when the lock is
held it is the writer that waits and retries, never a reply. A crash loses at most the last few seconds'
notes, which the person's next update makes again; the retention job writes what is pending before it counts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import or_, update
from sqlmodel import col

from bot.db import Database
from bot.domain.writer import BackgroundWriter
from bot.models import Person

# Ids per statement: well under SQLite's limit on bound variables.
_CHUNK = 500


class Activity(BackgroundWriter):
    """Days of use noted by updates, waiting to be written."""

    what = "last-use-days"

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[int, date] = {}

    @property
    def pending(self) -> int:
        return len(self._pending)

    def note(self, person: Person | None, today: date) -> None:
        """The person used the bot today: remembered if the stored row says otherwise."""
        if person is None or person.id is None:
            return
        if person.last_active_on != today or person.unreachable:
            self._pending[person.id] = max(today, self._pending.get(person.id, today))
            self._noted()

    async def _write(self, database: Database) -> int:
        taken, self._pending = self._pending, {}
        if not taken:
            return 0
        by_day: dict[date, list[int]] = defaultdict(list)
        for person_id, day in taken.items():
            by_day[day].append(person_id)
        try:
            async with database.session() as session:
                for day, ids in by_day.items():
                    for start in range(0, len(ids), _CHUNK):
                        chunk = ids[start : start + _CHUNK]
                        statement = (
                            update(Person)
                            .where(col(Person.id).in_(chunk))
                            .where(or_(col(Person.last_active_on) < day, col(Person.unreachable).is_(True)))
                            .values(last_active_on=day, unreachable=False)
                        )
                        await session.exec(statement)
        except BaseException:
            for person_id, day in taken.items():  # noted again meanwhile: keep the later day
                self._pending[person_id] = max(day, self._pending.get(person_id, day))
            raise
        return len(taken)
