"""The pacer's timetable, on a clock the test moves: the overall rate, the catch-up slack, a 429's pause,
and one message per chat at a time. Also the sender's backoff between retries.

The pacer reads `time.monotonic` and sleeps with `asyncio.sleep`; both are replaced, in the pacing module
only, by a fake clock whose sleep moves time forward at once, so these tests take no time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest
from telegram.error import RetryAfter

from bot.delivery import pacing
from bot.delivery.pacing import MAX_TRACKED_CHATS, PER_CHAT_INTERVAL, SLACK, Pacer, retry_seconds
from bot.delivery.sender import backoff

START = 1000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = START
        self.slept: list[float] = []
        self.moves = True  # False: sleeping only records how long, for tasks that sleep side by side

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.moves:
            self.now += seconds
        else:
            await asyncio.sleep(0)  # still a real suspension point, so that other tasks run


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(pacing, "time", SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(pacing, "asyncio", SimpleNamespace(sleep=fake.sleep))
    return fake


async def grants(pacer: Pacer, clock: FakeClock, count: int, *, work: float = 0.0) -> list[float]:
    """When each of `count` slots was handed out, from the start; `work` is time spent between two."""
    times = []
    for _ in range(count):
        await pacer.slot()
        times.append(round(clock.now - START, 6))
        clock.now += work
    return times


async def test_slots_follow_the_rate_after_a_short_catch_up(clock: FakeClock) -> None:
    pacer = Pacer(10)
    # The first slot, plus SLACK's worth (0.2 s at 10/s: two) at once; then one every 0.1 s.
    assert await grants(pacer, clock, 8) == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5])


async def test_a_second_holds_at_most_the_rate_plus_the_slack(clock: FakeClock) -> None:
    pacer = Pacer(30)
    times = await grants(pacer, clock, 200)
    for first in range(len(times)):
        within = [t for t in times[first:] if t < times[first] + 1.0]
        assert len(within) <= 30 + round(SLACK * 30) + 1
    assert times[-1] == pytest.approx((200 - 1 - round(SLACK * 30)) / 30)  # the average rate holds


async def test_time_spent_between_slots_does_not_slow_the_average(clock: FakeClock) -> None:
    # Each message costs 0.04 s of other work: at 10/s the timetable still grants one every 0.1 s (sleeping
    # 0.1 s after each message would give one every 0.14 s).
    times = await grants(Pacer(10), clock, 13, work=0.04)
    assert times == pytest.approx([0, 0.04, 0.08, 0.12, *(0.1 * n for n in range(2, 11))])


async def test_an_idle_pause_is_not_caught_up_in_a_burst(clock: FakeClock) -> None:
    pacer = Pacer(10)
    await grants(pacer, clock, 10)
    clock.now += 60  # nothing to send for a minute
    resumed = clock.now - START
    times = await grants(pacer, clock, 5)
    # A minute of unused slots is not 600 messages at once: the same three as at the very start.
    assert times == pytest.approx([resumed, resumed, resumed, resumed + 0.1, resumed + 0.2])


async def test_a_429_pauses_every_slot_until_its_retry_after(clock: FakeClock) -> None:
    pacer = Pacer(10)
    await grants(pacer, clock, 4)  # the last one at 0.1 s
    pacer.pause(3)
    assert pacer.pauses == 1
    after = await grants(pacer, clock, 3)
    assert after == pytest.approx([3.1, 3.2, 3.3])  # from the pause's end, at the rate
    # A shorter pause while a longer one runs does not shorten it.
    pacer.pause(5)
    pacer.pause(1)
    assert pacer.pauses == 3
    assert (await grants(pacer, clock, 1))[0] == pytest.approx(3.3 + 5)


async def test_one_message_per_chat_at_a_time(clock: FakeClock) -> None:
    pacer = Pacer(30)
    await pacer.chat_turn(1)
    await pacer.chat_turn(2)  # another chat does not wait
    assert clock.slept == []
    await pacer.chat_turn(1)
    assert clock.slept == [PER_CHAT_INTERVAL] and clock.now == START + PER_CHAT_INTERVAL
    clock.now += 10
    await pacer.chat_turn(1)  # long after its last message: no wait
    assert clock.slept == [PER_CHAT_INTERVAL]


async def test_messages_for_one_chat_queue_one_after_another(clock: FakeClock) -> None:
    clock.moves = False
    pacer = Pacer(30)
    await asyncio.gather(*(pacer.chat_turn(7) for _ in range(3)))
    # Each turn is reserved before sleeping: the third waits for the second, not only for the first.
    assert clock.slept == pytest.approx([PER_CHAT_INTERVAL, 2 * PER_CHAT_INTERVAL])


async def test_chats_long_quiet_are_forgotten_past_the_limit(clock: FakeClock) -> None:
    pacer = Pacer(30)
    for chat in range(MAX_TRACKED_CHATS):
        await pacer.chat_turn(chat)
    clock.now += PER_CHAT_INTERVAL + 1
    await pacer.chat_turn(-1)
    assert list(pacer._last_by_chat) == [-1]  # memory stays bounded however many chats a campaign has


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_retry_after_in_seconds_whatever_its_type() -> None:
    assert retry_seconds(RetryAfter(7)) == 7.0
    assert retry_seconds(RetryAfter(timedelta(seconds=2, milliseconds=500))) == 2.5


@pytest.mark.parametrize(("attempts", "seconds"), [(0, 2), (1, 4), (2, 8), (7, 256), (8, 300), (20, 300)])
def test_retries_back_off_exponentially_up_to_five_minutes(attempts: int, seconds: int) -> None:
    assert backoff(attempts) == timedelta(seconds=seconds)
