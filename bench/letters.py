"""Benchmark letters: render, store and register reply letters and notices of mixed kinds.

    .venv/bin/python bench/letters.py                # 1,000 letters on SQLite in a temp folder
    .venv/bin/python bench/letters.py --count 200

Each letter goes the whole way a clerk's does (`gongkai request letter`): load the
request, check the letter may be printed, build its context, fill the template
with docxtpl, write the .docx under generated/ (fsynced, read-only), and register
it with its checksum, in one transaction. Requests are registered and decided
before the timing starts. The baseline beside it is docxtpl alone: open the
granted.docx template, render, save to memory — the floor any letter costs.
Target: under 30 ms a letter.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docxtpl import DocxTemplate  # noqa: E402

from engine.archive import Archive  # noqa: E402
from engine.config import Settings  # noqa: E402
from engine.deadlines import load_calendar  # noqa: E402
from engine.letters import SAMPLE_OFFICE, SHIPPED, request_samples  # noqa: E402
from engine.outcomes import Outcome  # noqa: E402
from engine.requests import Decision, Event, Step, new_request, withheld_parts  # noqa: E402

TODAY = date(2026, 11, 23)
RECEIVED = date(2026, 9, 28)


def baseline(runs: int) -> float:
    """Seconds per docxtpl render + save of the granted letter (sample context)."""
    calendar = load_calendar()
    context = dict(request_samples(calendar))["letters/granted.docx"]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        document = DocxTemplate(str(SHIPPED / "letters" / "granted.docx"))
        document.render(context)
        document.save(io.BytesIO())
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def prepare(archive: Archive, count: int) -> list[tuple[str, str]]:
    """``count`` decided requests (outcomes in turn); (number, letter kind) to print."""
    desk = archive.requests()
    desk.today = lambda: TODAY
    outcomes = [o for o in Outcome if o not in (Outcome.NO_CORRECTION, Outcome.FEE_UNPAID)]
    jobs = []
    for index in range(count):
        new = new_request(
            applicant=f"申请人{index}",
            applicant_kind="natural_person",
            channel="online",
            received=RECEIVED,
            content="2025年老旧小区改造项目的立项批复",
            today=TODAY,
        )
        number = str(desk.add(new, "王丽")["number"])
        if index % 4 == 3:  # a notice: the 补正告知 of a request waiting for it
            items = {"items": "请说明文件名称或文号", "due": "2026-10-20"}
            desk.record(number, Event(Step.CORRECTION_REQUESTED, date(2026, 9, 29), "王丽", items))
            jobs.append((number, "correction_request"))
            continue
        outcome = outcomes[index % len(outcomes)]
        if outcome is Outcome.UNCLEAR_AFTER_CORRECTION:
            asked = {"items": "请说明文件名称", "due": "2026-10-20"}
            desk.record(number, Event(Step.CORRECTION_REQUESTED, date(2026, 9, 29), "王丽", asked))
            desk.record(number, Event(Step.CORRECTION_RECEIVED, date(2026, 10, 12), "王丽"))
        parts = withheld_parts(["个人信息=third_party_rights"])
        decision = Decision(
            outcome,
            date(2026, 11, 20),
            "李强",
            reason_text="申请人撤回申请" if outcome is Outcome.OTHER else "",
            withheld_parts=parts if outcome is Outcome.PARTLY_GRANTED else (),
        )
        desk.decide(number, decision)
        jobs.append((number, "reply"))
    return jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    floor = baseline(50)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "archive"
        settings = Settings(
            home=home, database_url=f"sqlite:///{home / 'gongkai.db'}", inbox=home / "inbox"
        )
        with Archive.open(settings) as archive:
            jobs = prepare(archive, args.count)
            desk = archive.requests()
            desk.today = lambda: TODAY
            timings = []
            for number, kind in jobs:
                start = time.perf_counter()
                desk.letter(number, kind, by="王丽", office=SAMPLE_OFFICE, letter_date=TODAY)
                timings.append(time.perf_counter() - start)
    mean = statistics.fmean(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(
        f"letters: {len(timings)} ({sum(k == 'reply' for _, k in jobs)} replies, the rest notices)"
    )
    print(
        f"gongkai letter (render, store, register): {mean * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"
    )
    print(f"docxtpl alone (render + save one letter):  {floor * 1000:.1f} ms")
    print(f"target under 30 ms a letter: {'met' if mean < 0.030 else 'NOT met'}")


if __name__ == "__main__":
    main()
