"""Benchmark the reply clock: how many deadlines per second compute_deadline manages.

    .venv/bin/python bench/deadlines.py                 # 10,000 requests, as in an annual report
    .venv/bin/python bench/deadlines.py --count 50000 --seed 7

The requests are drawn with a fixed seed over 2024–2026 (春节, 国庆 and year ends
included) and mix what a desk sees: most answered on the plain clock, some with
a 补正, a consultation of one or two third parties, a fee notice or an
extension. The calendar is loaded once, outside the timing, as the desk does.
It prints the rate for the whole mix, for plain requests alone, and the time
the 10,000 deadlines of an annual report take.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engine.deadlines import Calendar, ClockEvent, EventKind, compute_deadline, load_calendar  # noqa: E402

FIRST_DAY = date(2024, 1, 1)
DAYS = (date(2026, 9, 30) - FIRST_DAY).days  # deadlines stay within the years chinesecalendar holds
ANNUAL_REPORT = 10_000

Request = tuple[date, list[ClockEvent]]


def requests(count: int, calendar: Calendar, rng: random.Random) -> list[Request]:
    """``count`` requests with events in the proportions below."""
    drawn = []
    for _ in range(count):
        received = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        events: list[ClockEvent] = []
        base = received
        if rng.random() < 0.15:  # 补正
            asked = calendar.add_working_days(received, rng.randrange(1, 8))
            base = calendar.add_working_days(asked, rng.randrange(1, 10))
            events += [
                ClockEvent(EventKind.CORRECTION_REQUESTED, asked),
                ClockEvent(EventKind.CORRECTION_RECEIVED, base),
            ]
        for party in ("甲公司", "乙局")[: rng.choice([0, 0, 0, 0, 1, 2])]:  # 征求意见
            sent = calendar.add_working_days(base, rng.randrange(1, 10))
            events += [
                ClockEvent(EventKind.THIRD_PARTY_CONSULTED, sent, party=party),
                ClockEvent(
                    EventKind.THIRD_PARTY_REPLIED,
                    calendar.add_working_days(sent, rng.randrange(1, 18)),
                    party=party,
                ),
            ]
        if rng.random() < 0.05:  # 收费通知
            sent = calendar.add_working_days(base, rng.randrange(5, 15))
            events += [
                ClockEvent(EventKind.FEE_NOTICE_SENT, sent),
                ClockEvent(
                    EventKind.FEE_PAID, calendar.add_working_days(sent, rng.randrange(1, 20))
                ),
            ]
        if rng.random() < 0.10:  # 延期, decided well inside the period
            decided = calendar.add_working_days(base, rng.randrange(10, 19))
            events.append(
                ClockEvent(EventKind.EXTENDED, decided, working_days=20, approver="王主任")
            )
        drawn.append((received, events))
    return drawn


def rate(batch: list[Request], calendar: Calendar) -> tuple[float, float]:
    """(deadlines per second, seconds) for computing every deadline of ``batch`` once."""
    started = time.perf_counter()
    for received, events in batch:
        compute_deadline(received, events, calendar)
    seconds = time.perf_counter() - started
    return len(batch) / seconds, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=ANNUAL_REPORT, help="requests to draw")
    parser.add_argument("--seed", type=int, default=20250120)
    args = parser.parse_args()

    calendar = load_calendar()
    rng = random.Random(args.seed)
    mix = requests(args.count, calendar, rng)
    plain: list[Request] = [(received, []) for received, _ in mix]
    with_events = sum(1 for _, events in mix if events)

    rate(mix[: min(500, len(mix))], calendar)  # warm up
    mixed, _ = rate(mix, calendar)
    bare, _ = rate(plain, calendar)
    print(f"requests: {args.count:,} ({with_events:,} with events), seed {args.seed}")
    print(f"mixed:    {mixed:,.0f} deadlines/s")
    print(f"plain:    {bare:,.0f} deadlines/s")
    print(f"annual report ({ANNUAL_REPORT:,} deadlines): {ANNUAL_REPORT / mixed:.2f} s")


if __name__ == "__main__":
    main()
