"""Working days and the reply clock (条例第三十条–第三十四条), on real dates.

Every expected date below was counted by hand on the calendar of the State
Council's notices, and each is also checked against chinesecalendar directly
(``cc_add``, ``cc_deadline``), so a slip in the hand count and a bug in the
engine cannot agree by accident.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Iterable
from datetime import date, timedelta
from importlib import resources
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]
import pytest

from engine.deadlines import (
    CORRECTION_NOTICE,
    EXTENSION_LIMIT,
    FEE_PAYMENT,
    REPLY,
    THIRD_PARTY_REPLY,
    Calendar,
    ClockError,
    ClockEvent,
    ClockSettings,
    ClockState,
    DeadlineWarning,
    EventKind,
    HolidayDataError,
    Period,
    Status,
    WarningKind,
    YearArrangement,
    compute_deadline,
    correction_notice_due,
    fee_payment_due,
    load_calendar,
    package_holidays,
    parse_holidays,
    shipped_holidays,
    status,
    third_party_reply_due,
)

D = date
ONE_DAY = timedelta(days=1)
SHIPPED = resources.files("engine") / "data" / "holidays.toml"


@pytest.fixture(scope="module")
def calendar() -> Calendar:
    return load_calendar()


def cc_add(start: date, n: int) -> date:
    """The n-th working day after ``start``, straight from chinesecalendar."""
    return cc_deadline(start, n)


def cc_deadline(base: date, n: int, waits: Iterable[tuple[date, date]] = ()) -> date:
    """The n-th chinesecalendar working day after ``base`` that falls in no wait (start, end]."""
    waits = list(waits)
    day = base
    while n:
        day += ONE_DAY
        if chinese_calendar.is_workday(day) and not any(s < day <= e for s, e in waits):
            n -= 1
    return day


def working_days_after(calendar: Calendar, start: date, n: int) -> list[date]:
    days: list[date] = []
    day = start
    while len(days) < n:
        day += ONE_DAY
        if calendar.is_working_day(day):
            days.append(day)
    return days


def kinds(warnings: Iterable[DeadlineWarning]) -> list[WarningKind]:
    return [warning.kind for warning in warnings]


# --- the calendar -----------------------------------------------------------


def test_every_day_of_2004_to_2026_agrees_with_chinesecalendar(calendar: Calendar) -> None:
    day = D(2004, 1, 1)
    while day <= D(2026, 12, 31):
        assert calendar.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += ONE_DAY
    assert all(calendar.covered(year) for year in range(2004, 2027))


def test_spring_festival_2025(calendar: Calendar) -> None:
    # 春节 1/28–2/4 off; Sunday 1/26 and Saturday 2/8 are make-up working days.
    assert working_days_after(calendar, D(2025, 1, 20), 20) == [
        D(2025, 1, 21), D(2025, 1, 22), D(2025, 1, 23), D(2025, 1, 24),
        D(2025, 1, 26),  # Sunday, 调休上班
        D(2025, 1, 27),
        D(2025, 2, 5), D(2025, 2, 6), D(2025, 2, 7),
        D(2025, 2, 8),  # Saturday, 调休上班
        D(2025, 2, 10), D(2025, 2, 11), D(2025, 2, 12), D(2025, 2, 13), D(2025, 2, 14),
        D(2025, 2, 17), D(2025, 2, 18), D(2025, 2, 19), D(2025, 2, 20), D(2025, 2, 21),
    ]  # fmt: skip
    deadline = compute_deadline(D(2025, 1, 20), [], calendar)
    assert deadline.due == D(2025, 2, 21) == cc_add(D(2025, 1, 20), 20)
    assert deadline.base == D(2025, 1, 20)
    assert deadline.state is ClockState.RUNNING
    assert deadline.warnings == ()
    assert correction_notice_due(D(2025, 1, 20), calendar).due == D(2025, 2, 5)


def test_national_day_2024(calendar: Calendar) -> None:
    # 国庆 10/1–10/7 off; Sunday 9/29 and Saturday 10/12 are make-up working days.
    assert working_days_after(calendar, D(2024, 9, 20), 20) == [
        D(2024, 9, 23), D(2024, 9, 24), D(2024, 9, 25), D(2024, 9, 26), D(2024, 9, 27),
        D(2024, 9, 29),  # Sunday, 调休上班
        D(2024, 9, 30),
        D(2024, 10, 8), D(2024, 10, 9), D(2024, 10, 10), D(2024, 10, 11),
        D(2024, 10, 12),  # Saturday, 调休上班
        D(2024, 10, 14), D(2024, 10, 15), D(2024, 10, 16), D(2024, 10, 17), D(2024, 10, 18),
        D(2024, 10, 21), D(2024, 10, 22), D(2024, 10, 23),
    ]  # fmt: skip
    assert compute_deadline(D(2024, 9, 20), [], calendar).due == D(2024, 10, 23)
    assert cc_add(D(2024, 9, 20), 20) == D(2024, 10, 23)


def test_year_end_into_2026_with_new_year(calendar: Calendar) -> None:
    # 元旦 2026: 1/1–1/3 off, Sunday 1/4 a make-up working day.
    assert working_days_after(calendar, D(2025, 12, 15), 20)[10:15] == [
        D(2025, 12, 30), D(2025, 12, 31), D(2026, 1, 4), D(2026, 1, 5), D(2026, 1, 6),
    ]  # fmt: skip
    deadline = compute_deadline(D(2025, 12, 15), [], calendar)
    assert deadline.due == D(2026, 1, 13) == cc_add(D(2025, 12, 15), 20)
    assert deadline.warnings == ()
    assert "2025年：" in deadline.explanation[-1]
    assert "2026年：" in deadline.explanation[-1]


def test_receipt_day_is_day_zero_even_on_a_day_off(calendar: Calendar) -> None:
    # An online request confirmed on Saturday 2025-01-25: day 1 is the make-up Sunday.
    assert calendar.add_working_days(D(2025, 1, 25), 1) == D(2025, 1, 26)
    # Confirmed during 春节: day 1 is the first day back.
    assert calendar.add_working_days(D(2025, 1, 29), 1) == D(2025, 2, 5)
    assert calendar.add_working_days(D(2025, 1, 29), 0) == D(2025, 1, 29)
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_days(D(2025, 1, 29), -1)


def test_working_days_between_inverts_add_working_days(calendar: Calendar) -> None:
    for start in (D(2024, 9, 20), D(2025, 1, 20), D(2025, 1, 25), D(2025, 12, 15)):
        for n in range(45):
            end = calendar.add_working_days(start, n)
            assert calendar.working_days_between(start, end) == n
            assert calendar.working_days_between(end, start) == -n
    # The 8 days of 春节 hold no working day.
    assert calendar.working_days_between(D(2025, 1, 27), D(2025, 2, 4)) == 0


def test_a_year_without_data_counts_weekends_and_warns(calendar: Calendar) -> None:
    assert not calendar.covered(2028)
    assert calendar.source(2028) is None
    deadline = compute_deadline(D(2028, 1, 3), [], calendar)  # a Monday
    assert deadline.due == D(2028, 1, 31)  # four weeks of Monday–Friday
    assert kinds(deadline.warnings) == [WarningKind.UNCOVERED_YEAR]
    assert "2028年" in deadline.warnings[0].message
    assert "2028年：未录入" in deadline.explanation[-1]
    due = correction_notice_due(D(2028, 1, 3), calendar)
    assert due.due == D(2028, 1, 12)
    assert kinds(due.warnings) == [WarningKind.UNCOVERED_YEAR]
    seen = status(deadline, D(2028, 1, 5), calendar)
    assert kinds(seen.warnings) == [WarningKind.UNCOVERED_YEAR]


def test_a_deadline_running_into_an_uncovered_year_warns_of_that_year_only() -> None:
    calendar = Calendar.layered(package_holidays())  # chinesecalendar ends with 2026
    deadline = compute_deadline(D(2026, 12, 15), [], calendar)
    # Weekends only in 2027: Friday 1 January counts as a working day.
    assert deadline.due == D(2027, 1, 12)
    assert [w.message[:5] for w in deadline.warnings] == ["2027年"]
    assert kinds(third_party_reply_due(D(2026, 12, 1), calendar).warnings) == []
    assert kinds(third_party_reply_due(D(2026, 12, 15), calendar).warnings) == [
        WarningKind.UNCOVERED_YEAR
    ]


def test_the_weekends_only_calendar() -> None:
    bare = Calendar()
    assert not bare.covered(2025)
    assert bare.is_working_day(D(2025, 1, 28))  # 春节, unknown to it
    assert not bare.is_working_day(D(2025, 1, 26))  # Sunday, make-up day unknown to it


# --- the user's file --------------------------------------------------------

COUNTY_2028 = """
[2028]
notice = "某县2028年节假日安排（测试用）"
holidays = [2028-01-01, 2028-01-02, 2028-01-03, 2028-01-04]
make_up_workdays = []
"""


def test_the_user_file_adds_a_year(tmp_path: Path) -> None:
    user_file = tmp_path / "holidays.toml"
    user_file.write_text(COUNTY_2028, encoding="utf-8")
    calendar = load_calendar(user_file)
    assert calendar.covered(2028)
    assert calendar.source(2028) == f"某县2028年节假日安排（测试用）（{user_file}）"
    deadline = compute_deadline(D(2028, 1, 3), [], calendar)
    # 1/4 is now off: one day later than the weekends-only 2028-01-31.
    assert deadline.due == D(2028, 2, 1)
    assert deadline.warnings == ()


def test_the_user_file_replaces_a_year_whole(tmp_path: Path) -> None:
    cc_2025 = next(a for a in package_holidays() if a.year == 2025)
    local = D(2025, 2, 10)  # a county's own day off, for the test
    user_file = tmp_path / "holidays.toml"
    user_file.write_text(
        toml_year(2025, "2025年节假日安排及本县节日（测试用）", cc_2025.holidays | {local},
                  cc_2025.make_up_workdays),
        encoding="utf-8",
    )  # fmt: skip
    assert compute_deadline(D(2025, 1, 20), [], load_calendar(user_file)).due == D(2025, 2, 24)

    # A year is taken whole: a 2025 with only 元旦 drops 春节 and its make-up days.
    user_file.write_text(toml_year(2025, "只有元旦（测试用）", {D(2025, 1, 1)}, set()), "utf-8")
    assert compute_deadline(D(2025, 1, 20), [], load_calendar(user_file)).due == D(2025, 2, 17)


def test_a_missing_user_file_is_no_user_file(tmp_path: Path) -> None:
    assert load_calendar(tmp_path / "holidays.toml") == load_calendar()


def toml_year(year: int, notice: str, holidays: Iterable[date], make_up: Iterable[date]) -> str:
    def dates(days: Iterable[date]) -> str:
        return ", ".join(day.isoformat() for day in sorted(days))

    return (
        f'[{year}]\nnotice = "{notice}"\n'
        f"holidays = [{dates(holidays)}]\nmake_up_workdays = [{dates(make_up)}]\n"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (toml_year(2028, "n", [D(2027, 12, 31)], []), "another year"),
        (toml_year(2028, "n", [D(2028, 1, 1)], [D(2028, 1, 1)]), "both"),
        (toml_year(2028, "n", [D(2028, 1, 1)], [D(2028, 1, 3)]), "Saturday or Sunday"),
        (toml_year(2028, "", [D(2028, 1, 1)], []), "without the notice"),
        (toml_year(2028, "n", [], []), "no holidays"),
        ('[2028]\nnotice = "n"\nholidays = ["2028-01-01"]\nmake_up_workdays = []', "quotes"),
        ("[2028]\nnotice = 'n'\nholidays = [2028-01-01T00:00:00]\nmake_up_workdays = []", "date"),
        (
            "[2028]\nnotice = 'n'\nholidays = [2028-01-01, 2028-01-01]\nmake_up_workdays = []",
            "twice",
        ),
        ("[2028]\nnotice = 'n'\nholiday = [2028-01-01]\nmake_up_workdays = []", "unknown keys"),
        ("[year2028]\nnotice = 'n'\nholidays = []\nmake_up_workdays = []", "not a year"),
        ("[2028\nnotice = 'n'", "not valid TOML"),
    ],
)
def test_a_bad_holiday_file_is_refused_with_its_name(text: str, problem: str) -> None:
    with pytest.raises(HolidayDataError, match=problem) as raised:
        parse_holidays(text, "/srv/gongkai/holidays.toml")
    assert "/srv/gongkai/holidays.toml" in str(raised.value)


def test_a_placeholder_year_covers_nothing() -> None:
    assert parse_holidays(toml_year(2027, "", [], []), "f") == ()


# --- the shipped data file, walked whole -----------------------------------


def test_the_shipped_file_walked_entry_by_entry() -> None:
    data = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))
    assert data, "the shipped file has at least the placeholder for the next year"
    for key, entry in data.items():
        year = int(key)
        assert set(entry) == {"notice", "holidays", "make_up_workdays"}, key
        assert isinstance(entry["notice"], str)
        holidays, make_up = entry["holidays"], entry["make_up_workdays"]
        for day in [*holidays, *make_up]:
            assert type(day) is date, (key, day)  # a real date, in its year
            assert day.year == year, (key, day)
        assert len(set(holidays)) == len(holidays), key
        assert len(set(make_up)) == len(make_up), key
        assert not set(holidays) & set(make_up), key
        assert all(day.weekday() >= 5 for day in make_up), key
        placeholder = not entry["notice"] and not holidays and not make_up
        assert placeholder or (entry["notice"].strip() and holidays), key
    assert {a.year for a in shipped_holidays()} <= {int(key) for key in data}


def test_the_shipped_files_worked_example_is_valid_and_true() -> None:
    # The commented 2025 example shows a clerk the shape: it must parse, and match the notice.
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    start = lines.index("# ---- example: 2025 ----") + 1
    end = lines.index("# ---- end of example ----")
    example = "\n".join(line.removeprefix("#").removeprefix(" ") for line in lines[start:end])
    (arrangement,) = parse_holidays(example, "example")
    cc_2025 = next(a for a in package_holidays() if a.year == 2025)
    assert arrangement.holidays == cc_2025.holidays
    assert arrangement.make_up_workdays == cc_2025.make_up_workdays


def test_a_calendar_takes_each_year_once() -> None:
    year = YearArrangement(2028, frozenset({D(2028, 1, 1)}), frozenset(), "n")
    with pytest.raises(HolidayDataError, match="one arrangement"):
        Calendar((year, year))
    other = YearArrangement(2028, frozenset({D(2028, 1, 2)}), frozenset(), "m")
    assert Calendar.layered([year], [other]).source(2028) == "n"


@pytest.mark.parametrize(
    ("period", "days", "provision"),
    [  # regulation.md §3 and §5
        (CORRECTION_NOTICE, 7, "条例》第三十条"),
        (REPLY, 20, "条例》第三十三条第二款"),
        (EXTENSION_LIMIT, 20, "条例》第三十三条第二款"),
        (THIRD_PARTY_REPLY, 15, "条例》第三十二条、第三十四条"),
        (FEE_PAYMENT, 20, "《政府信息公开信息处理费管理办法》"),
    ],
)
def test_the_periods_are_the_regulations(period: Period, days: int, provision: str) -> None:
    assert period.working_days == days
    assert period.basis.endswith(provision)


# --- 补正 (第三十条) ---------------------------------------------------------


def test_the_correction_restarts_the_clock(calendar: Calendar) -> None:
    deadline = compute_deadline(
        D(2025, 1, 20),
        [
            ClockEvent(EventKind.CORRECTION_REQUESTED, D(2025, 1, 22)),
            ClockEvent(EventKind.CORRECTION_RECEIVED, D(2025, 2, 10)),
        ],
        calendar,
    )
    assert deadline.base == D(2025, 2, 10)
    assert deadline.due == D(2025, 3, 10) == cc_add(D(2025, 2, 10), 20)
    assert deadline.warnings == ()
    assert any("重新计算" in line for line in deadline.explanation)


def test_while_the_correction_is_awaited_no_deadline_runs(calendar: Calendar) -> None:
    events = [ClockEvent(EventKind.CORRECTION_REQUESTED, D(2025, 1, 22))]
    deadline = compute_deadline(D(2025, 1, 20), events, calendar)
    assert deadline.due is None
    assert deadline.state is ClockState.AWAITING_CORRECTION
    seen = status(deadline, D(2025, 3, 31), calendar)
    assert (seen.status, seen.working_days_left) == (Status.AWAITING_CORRECTION, None)
    with pytest.raises(ClockError, match="awaited"):
        compute_deadline(
            D(2025, 1, 20),
            [*events, ClockEvent(EventKind.FEE_NOTICE_SENT, D(2025, 1, 23))],
            calendar,
        )


def test_a_correction_notice_after_seven_working_days_is_flagged(calendar: Calendar) -> None:
    def requested_on(day: date) -> list[WarningKind]:
        events = [
            ClockEvent(EventKind.CORRECTION_REQUESTED, day),
            ClockEvent(EventKind.CORRECTION_RECEIVED, D(2025, 2, 12)),
        ]
        return kinds(compute_deadline(D(2025, 1, 20), events, calendar).warnings)

    assert requested_on(D(2025, 2, 5)) == []  # the 7th working day (春节 in between)
    assert requested_on(D(2025, 2, 6)) == [WarningKind.LATE_CORRECTION_NOTICE]


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        (
            [
                ClockEvent(EventKind.CORRECTION_REQUESTED, D(2025, 1, 21)),
                ClockEvent(EventKind.CORRECTION_RECEIVED, D(2025, 1, 23)),
                ClockEvent(EventKind.CORRECTION_REQUESTED, D(2025, 1, 24)),
            ],
            "second 补正告知",
        ),
        ([ClockEvent(EventKind.CORRECTION_RECEIVED, D(2025, 1, 23))], "no 补正告知"),
        ([ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 1, 23))], "answers no open"),
        ([ClockEvent(EventKind.FEE_PAID, D(2025, 1, 23))], "answers no open"),
        (
            [
                ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 1, 21), party="甲公司"),
                ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 1, 23), party="乙公司"),
            ],
            "answers no open",
        ),
        ([ClockEvent(EventKind.FEE_NOTICE_SENT, D(2025, 1, 19))], "before the request"),
    ],
)
def test_impossible_events_are_errors(
    calendar: Calendar, events: list[ClockEvent], problem: str
) -> None:
    with pytest.raises(ClockError, match=problem):
        compute_deadline(D(2025, 1, 20), events, calendar)


# --- extension (第三十三条第二款) -------------------------------------------


def extended(on: date, days: int = 20, approver: str = "王主任") -> ClockEvent:
    return ClockEvent(EventKind.EXTENDED, on, working_days=days, approver=approver)


def test_one_extension(calendar: Calendar) -> None:
    deadline = compute_deadline(D(2024, 9, 20), [extended(D(2024, 10, 15))], calendar)
    assert deadline.due == D(2024, 11, 20) == cc_add(D(2024, 9, 20), 40)
    assert deadline.extension is not None
    assert (deadline.extension.working_days, deadline.extension.approver) == (20, "王主任")
    assert any("经王主任同意" in line for line in deadline.explanation)
    # Decided on the last day of the period: still in time.
    on_time = compute_deadline(D(2024, 9, 20), [extended(D(2024, 10, 23), 5)], calendar)
    assert on_time.due == D(2024, 10, 30)


def test_a_second_extension_is_an_error(calendar: Calendar) -> None:
    with pytest.raises(ClockError, match="second extension"):
        compute_deadline(
            D(2024, 9, 20), [extended(D(2024, 10, 15), 10), extended(D(2024, 10, 20), 10)], calendar
        )


def test_an_extension_after_the_period_ended_is_an_error(calendar: Calendar) -> None:
    with pytest.raises(ClockError, match="cannot be extended"):
        compute_deadline(D(2024, 9, 20), [extended(D(2024, 10, 24))], calendar)


@pytest.mark.parametrize(
    ("days", "approver", "problem"),
    [(21, "王主任", "1 to 20"), (0, "王主任", "1 to 20"), (20, " ", "approver")],
)
def test_an_extension_needs_its_length_and_approver(days: int, approver: str, problem: str) -> None:
    with pytest.raises(ClockError, match=problem):
        extended(D(2024, 10, 15), days, approver)


def test_only_an_extension_has_days_and_only_a_consultation_a_party() -> None:
    with pytest.raises(ClockError, match="only an extension"):
        ClockEvent(EventKind.FEE_PAID, D(2025, 1, 1), working_days=3)
    with pytest.raises(ClockError, match="only a consultation"):
        ClockEvent(EventKind.FEE_PAID, D(2025, 1, 1), party="甲公司")


# --- waits: third parties (第三十二、三十三条) and the fee ----------------------

RECEIVED = D(2025, 3, 3)  # a Monday; due 2025-03-31 with no waits; 清明 is 4/4–4/6


def test_the_third_partys_time_is_excluded(calendar: Calendar) -> None:
    deadline = compute_deadline(
        RECEIVED,
        [
            ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 3, 10), party="甲公司"),
            ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 3, 17), party="甲公司"),
        ],
        calendar,
    )
    # 3/11–3/14 and 3/17: 5 working days; 3/31 + 5 working days skips 清明 (4/4).
    assert deadline.excluded_days == 5
    assert (
        deadline.due
        == D(2025, 4, 8)
        == cc_deadline(RECEIVED, 20, [(D(2025, 3, 10), D(2025, 3, 17))])
    )
    assert deadline.state is ClockState.RUNNING
    assert deadline.warnings == ()
    assert any("第三十三条第三款" in line for line in deadline.explanation)


def test_a_late_or_missing_reply_excludes_at_most_fifteen_working_days(calendar: Calendar) -> None:
    consulted = ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 3, 10))
    assert third_party_reply_due(D(2025, 3, 10), calendar).due == D(2025, 3, 31)
    late = compute_deadline(
        RECEIVED, [consulted, ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 4, 3))], calendar
    )
    assert late.excluded_days == 15
    assert (
        late.due == D(2025, 4, 22) == cc_deadline(RECEIVED, 20, [(D(2025, 3, 10), D(2025, 3, 31))])
    )
    assert kinds(late.warnings) == [WarningKind.LATE_THIRD_PARTY_REPLY]

    waiting = compute_deadline(RECEIVED, [consulted], calendar)
    assert waiting.state is ClockState.SUSPENDED
    assert waiting.due == D(2025, 4, 22)
    assert waiting.exclusions[0].open
    assert "暂定" in waiting.explanation[-2]


def test_overlapping_consultations_are_excluded_once(calendar: Calendar) -> None:
    deadline = compute_deadline(
        RECEIVED,
        [
            ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 3, 10), party="甲公司"),
            ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 3, 12), party="乙局"),
            ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 3, 19), party="乙局"),
            ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 3, 17), party="甲公司"),
        ],
        calendar,
    )
    # One wait from 3/11 to 3/19: 7 working days, 5 from 甲公司's and 2 more from 乙局's.
    assert [e.working_days for e in deadline.exclusions] == [5, 2]
    assert deadline.excluded_days == 7
    waits = [(D(2025, 3, 10), D(2025, 3, 17)), (D(2025, 3, 12), D(2025, 3, 19))]
    assert deadline.due == D(2025, 4, 10) == cc_deadline(RECEIVED, 20, waits)


def test_a_consultation_after_the_period_ended_moves_nothing(calendar: Calendar) -> None:
    after = compute_deadline(
        RECEIVED,
        [
            ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 4, 1)),
            ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 4, 3)),
        ],
        calendar,
    )
    assert after.due == D(2025, 3, 31)
    assert kinds(after.warnings) == [WarningKind.AFTER_DUE]
    # Sent on the last day, it still moves the deadline by the days waited (4/1–4/3).
    last_day = compute_deadline(
        RECEIVED,
        [
            ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 3, 31)),
            ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 4, 3)),
        ],
        calendar,
    )
    assert last_day.due == D(2025, 4, 3)


FEE_EVENTS = [
    ClockEvent(EventKind.FEE_NOTICE_SENT, D(2025, 3, 5)),
    ClockEvent(EventKind.FEE_PAID, D(2025, 3, 12)),
]


def test_the_fee_wait_is_excluded_by_default(calendar: Calendar) -> None:
    deadline = compute_deadline(RECEIVED, FEE_EVENTS, calendar)
    assert deadline.excluded_days == 5  # 3/6, 3/7, 3/10, 3/11, 3/12
    assert (
        deadline.due
        == D(2025, 4, 8)
        == cc_deadline(RECEIVED, 20, [(D(2025, 3, 5), D(2025, 3, 12))])
    )


def test_the_fee_wait_counts_when_the_agency_says_so(calendar: Calendar) -> None:
    settings = ClockSettings(exclude_fee_waiting=False)
    deadline = compute_deadline(RECEIVED, FEE_EVENTS, calendar, settings)
    assert deadline.due == D(2025, 3, 31)
    assert deadline.excluded_days == 0
    assert any("计入答复期限" in line for line in deadline.explanation)
    unpaid = compute_deadline(RECEIVED, FEE_EVENTS[:1], calendar, settings)
    assert unpaid.state is ClockState.RUNNING


def test_a_late_payment_is_flagged_and_the_wait_capped(calendar: Calendar) -> None:
    # The applicant has 20 working days from the day after the notice: to 4/2.
    assert fee_payment_due(D(2025, 3, 5), calendar).due == D(2025, 4, 2)
    deadline = compute_deadline(
        RECEIVED, [FEE_EVENTS[0], ClockEvent(EventKind.FEE_PAID, D(2025, 4, 7))], calendar
    )
    assert kinds(deadline.warnings) == [WarningKind.LATE_FEE_PAYMENT]
    assert deadline.excluded_days == 20
    # 3/31 + 20 working days: past 清明, with Sunday 4/27 a make-up day before 劳动节.
    assert (
        deadline.due
        == D(2025, 4, 28)
        == cc_deadline(RECEIVED, 20, [(D(2025, 3, 5), D(2025, 4, 2))])
    )


def test_all_together_explained(calendar: Calendar) -> None:
    deadline = compute_deadline(
        D(2025, 1, 20),
        [
            extended(D(2025, 3, 12)),
            ClockEvent(EventKind.CORRECTION_REQUESTED, D(2025, 1, 22)),
            ClockEvent(EventKind.CORRECTION_RECEIVED, D(2025, 2, 10)),
            ClockEvent(EventKind.THIRD_PARTY_CONSULTED, D(2025, 2, 17), party="甲公司"),
            ClockEvent(EventKind.THIRD_PARTY_REPLIED, D(2025, 2, 24), party="甲公司"),
        ],
        calendar,
    )
    waits = [(D(2025, 2, 17), D(2025, 2, 24))]
    assert deadline.due == cc_deadline(D(2025, 2, 10), 40, waits) == D(2025, 4, 15)
    text = deadline.explain()
    for step in (
        "收到申请：2025年1月20日",
        "补正告知",
        "收到补正",
        "征求甲公司意见",
        "延长答复期限",
    ):
        assert step in text
    assert deadline.explanation[-2] == "答复截止日：2025年4月15日（星期二）。"


def test_random_histories_agree_with_a_day_by_day_count(calendar: Calendar) -> None:
    rng = random.Random(20250120)
    for _ in range(300):
        received = D(2024, 1, 1) + timedelta(days=rng.randrange(900))
        waits, events = [], []
        for party in ("甲", "乙")[: rng.randrange(3)]:
            sent = calendar.add_working_days(received, rng.randrange(10))
            replied = calendar.add_working_days(sent, rng.randrange(16))
            waits.append((sent, replied))
            events += [
                ClockEvent(EventKind.THIRD_PARTY_CONSULTED, sent, party=party),
                ClockEvent(EventKind.THIRD_PARTY_REPLIED, replied, party=party),
            ]
        extra = rng.choice([0, 5, 20])
        if extra:
            events.append(extended(calendar.add_working_days(received, 15), extra))
        due = compute_deadline(received, events, calendar).due
        assert due == cc_deadline(received, 20 + extra, waits), (received, events)


# --- status -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "standing", "left"),
    [
        (D(2025, 2, 7), Status.OK, 11),  # Saturday 2/8 is a make-up working day
        (D(2025, 2, 14), Status.DUE_SOON, 5),
        (D(2025, 2, 21), Status.DUE_SOON, 0),
        (D(2025, 2, 22), Status.OVERDUE, 0),  # the Saturday after: overdue, no working day yet
        (D(2025, 2, 24), Status.OVERDUE, -1),
    ],
)
def test_status(calendar: Calendar, today: date, standing: Status, left: int) -> None:
    deadline = compute_deadline(D(2025, 1, 20), [], calendar)  # due 2025-02-21
    seen = status(deadline, today, calendar)
    assert (seen.status, seen.working_days_left, seen.due) == (standing, left, D(2025, 2, 21))
