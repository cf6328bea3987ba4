"""The publication clock, the 索引号 pattern and 有效性 (pure).

Every expected date was counted by hand on the State Council's notices: 国庆 2025
(10月1日至8日放假，9月28日、10月11日上班), 春节 2026 (2月15日至23日放假，2月14日、
2月28日上班), 元旦 2026 (1月1日至3日放假，1月4日上班).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from engine.codes import Attribute
from engine.deadlines import Calendar, WarningKind, load_calendar
from engine.publication import (
    CatalogExport,
    ChangeKind,
    Channel,
    ClockBasis,
    ClockStart,
    FinalDecision,
    IndexPattern,
    PublicationError,
    PublicationStatus,
    Validity,
    ValidityChange,
    check_publication,
    check_validity_change,
    clock_start,
    publication_due,
    remarked_on,
    remarking_due,
    standing,
    validity,
)

CALENDAR = load_calendar()
PROACTIVE = FinalDecision(date(2026, 3, 2), Attribute.PROACTIVE)
WITHHELD = FinalDecision(date(2026, 1, 5), Attribute.WITHHELD)


def _due(formed: date, calendar: Calendar = CALENDAR) -> date:
    return publication_due(ClockStart(formed, ClockBasis.FORMED), calendar).due


@pytest.mark.parametrize(
    ("formed", "due"),
    [
        (date(2025, 9, 26), date(2025, 10, 30)),  # 国庆: 9月28日 and 10月11日 are worked
        (date(2026, 2, 10), date(2026, 3, 16)),  # 春节: 2月14日 and 2月28日 are worked
        (date(2025, 12, 19), date(2026, 1, 19)),  # 元旦 across the year end; 1月4日 worked
        (date(2026, 3, 2), date(2026, 3, 30)),  # four plain weeks
    ],
)
def test_twenty_working_days_across_the_holidays(formed: date, due: date) -> None:
    assert _due(formed) == due
    assert _due(formed, Calendar()) != due or formed == date(2026, 3, 2)  # holidays matter


def test_a_year_without_holiday_data_gives_the_requests_warning() -> None:
    clock = publication_due(ClockStart(date(2026, 12, 18), ClockBasis.FORMED), CALENDAR)
    assert clock.due == date(2027, 1, 15)  # 2027 counted with weekends only
    [warning] = clock.warnings
    assert warning.kind is WarningKind.UNCOVERED_YEAR and "2027年" in warning.message
    assert publication_due(ClockStart(date(2026, 3, 2), ClockBasis.FORMED), CALENDAR).warnings == ()


def test_the_clock_runs_from_the_day_formed_not_the_day_reviewed() -> None:
    assert clock_start(date(2026, 2, 10), [PROACTIVE]) == ClockStart(
        date(2026, 2, 10), ClockBasis.FORMED
    )
    # Withheld first, then re-decided 主动公开 (动态调整): the change starts it.
    assert clock_start(date(2025, 6, 1), [WITHHELD, PROACTIVE]) == ClockStart(
        date(2026, 3, 2), ClockBasis.CHANGED
    )
    # No 成文日期: from the day it was decided.
    assert clock_start(None, [PROACTIVE]) == ClockStart(date(2026, 3, 2), ClockBasis.DECIDED)
    assert clock_start(date(2026, 2, 10), [PROACTIVE, WITHHELD]) is None
    assert clock_start(date(2026, 2, 10), []) is None


@pytest.mark.parametrize(
    ("published", "today", "status", "left"),
    [
        (None, date(2026, 3, 2), PublicationStatus.PENDING, 20),
        (None, date(2026, 3, 23), PublicationStatus.DUE_SOON, 5),
        (None, date(2026, 3, 30), PublicationStatus.DUE_SOON, 0),
        (None, date(2026, 3, 31), PublicationStatus.OVERDUE, -1),
        (date(2026, 3, 30), date(2026, 6, 1), PublicationStatus.ON_TIME, None),
        (date(2026, 3, 31), date(2026, 6, 1), PublicationStatus.LATE, None),
    ],
)
def test_statuses(
    published: date | None, today: date, status: PublicationStatus, left: int | None
) -> None:
    due = publication_due(ClockStart(date(2026, 3, 2), ClockBasis.FORMED), CALENDAR)
    found = standing(due, published, today, CALENDAR)
    assert (found.status, found.working_days_left, found.due) == (status, left, date(2026, 3, 30))
    assert found.status.published == (published is not None)


def test_a_pattern_makes_unique_numbers() -> None:
    pattern = IndexPattern("{org_code}/{year}-{seq:05d}")
    assert pattern.format(" 000014349 ", 2026, 12) == "000014349/2026-00012"
    assert pattern.format("000014349", 2026, 13) != pattern.format("000014349", 2026, 12)
    assert IndexPattern("ZF-{year}-{seq}").format("", 2026, 7) == "ZF-2026-7"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{org_code}/{year}-{number:05d}", r"unknown placeholder \{number\}; use \{org_code\}"),
        ("{org_code}/{year}-{}", r"unknown placeholder \{\}"),
        ("{org_code}/{seq.real}-{year}", r"unknown placeholder \{seq\.real\}"),
        ("{org_code}/{year}", r"needs \{seq\}"),
        ("{org_code}-{seq}", r"needs \{year\}"),
        ("{org_code}/{year}-{seq:q}", "Unknown format code"),
        ("{org_code}/{year}-{seq!r}", "takes no conversion"),
        ("{org_code/{year}-{seq}", "index_pattern"),
    ],
)
def test_a_bad_pattern_is_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(PublicationError, match=message):
        IndexPattern(text)


def test_a_pattern_with_the_org_code_needs_one() -> None:
    with pytest.raises(PublicationError, match=r"fill in org_code in office\.toml"):
        IndexPattern("{org_code}/{year}-{seq}").format(" ", 2026, 1)


def test_validity_from_the_history() -> None:
    amended = ValidityChange(ChangeKind.AMENDED, date(2026, 4, 1), 7)
    repealed = ValidityChange(ChangeKind.REPEALED, date(2026, 9, 1), 8)
    assert validity(None, [], date(2026, 5, 1)) is Validity.IN_FORCE
    assert validity(None, [amended], date(2026, 3, 31)) is Validity.IN_FORCE
    assert validity(None, [amended], date(2026, 4, 1)) is Validity.AMENDED
    assert validity(None, [amended, repealed], date(2026, 9, 1)) is Validity.REPEALED
    # `gongkai rules mark --repealed` marks the repeal without naming the repealing document.
    assert validity(date(2026, 6, 30), [amended], date(2026, 7, 1)) is Validity.REPEALED
    assert Validity.AMENDED.label == "已修改" and Validity.REPEALED.label == "已废止"


@pytest.mark.parametrize(
    ("change", "repealed_on", "message"),
    [
        (ValidityChange(ChangeKind.REPEALED, date(2026, 5, 1), 1), None, "repealed by itself"),
        (ValidityChange(ChangeKind.AMENDED, date(2025, 1, 1), 2), None, "before document 1 was"),
        (ValidityChange(ChangeKind.AMENDED, date(2026, 3, 1), 2), None, "document 2 was formed"),
        (ValidityChange(ChangeKind.REPEALED, date(2026, 9, 1), 2), date(2026, 8, 1), "repealed"),
        (ValidityChange(ChangeKind.AMENDED, date(2026, 8, 2), 2), date(2026, 8, 1), "repealed"),
    ],
)
def test_validity_changes_that_cannot_be(
    change: ValidityChange, repealed_on: date | None, message: str
) -> None:
    with pytest.raises(PublicationError, match=message):
        check_validity_change(1, date(2026, 1, 5), repealed_on, change, date(2026, 4, 1))


def test_an_amendment_before_the_repeal_is_history() -> None:
    change = ValidityChange(ChangeKind.AMENDED, date(2026, 7, 1), 2)
    check_validity_change(1, date(2026, 1, 5), date(2026, 8, 1), change, date(2026, 4, 1))


@pytest.mark.parametrize(
    ("decisions", "day", "earlier", "message"),
    [
        ([WITHHELD], date(2026, 3, 5), [], "本件公开属性：不予公开"),
        ([], date(2026, 3, 5), [], "尚未签批确定"),
        ([PROACTIVE], date(2026, 2, 9), [], "before the document was formed"),
        ([PROACTIVE], date(2026, 3, 7), [], "recorded once it is made"),
        ([PROACTIVE], date(2026, 3, 5), [(Channel.PORTAL, date(2026, 3, 5))], "already published"),
    ],
)
def test_publications_that_are_refused(
    decisions: list[FinalDecision],
    day: date,
    earlier: list[tuple[Channel, date]],
    message: str,
) -> None:
    with pytest.raises(PublicationError, match=message):
        check_publication(
            date(2026, 2, 10), decisions, Channel.PORTAL, day, earlier, date(2026, 3, 6)
        )


def test_another_channel_the_same_day_is_a_publication_of_its_own() -> None:
    earlier = [(Channel.PORTAL, date(2026, 3, 5))]
    start = check_publication(
        date(2026, 2, 10), [PROACTIVE], Channel.GAZETTE, date(2026, 3, 5), earlier, date(2026, 3, 6)
    )
    assert start == ClockStart(date(2026, 2, 10), ClockBasis.FORMED)
    assert [channel.label for channel in Channel][:4] == [
        "政府门户网站",
        "政府公报",
        "公开栏",
        "新闻发布会",
    ]


# --- re-marking 有效性 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "due"),
    [
        (date(2026, 2, 10), date(2026, 3, 16)),  # 春节: weekends alone would give 3月10日
        (date(2026, 3, 20), date(2026, 4, 20)),  # 清明 (4月4日至6日)
        (date(2025, 9, 26), date(2025, 10, 30)),  # 国庆: 9月28日 and 10月11日 are worked
    ],
)
def test_the_re_marking_deadline_is_twenty_working_days(effective: date, due: date) -> None:
    clock = remarking_due(effective, CALENDAR)
    assert (clock.due, clock.period.basis) == (due, "科右前旗政府信息管理动态调整制度第五条")
    assert remarking_due(effective, Calendar()).due < due  # the holidays are counted


def _export(at: datetime, year: int | None) -> CatalogExport:
    return CatalogExport(at, at.date(), year)


def test_a_change_is_re_marked_by_the_first_export_that_can_show_it() -> None:
    recorded = datetime(2026, 3, 2, 2, tzinfo=UTC)
    effective = date(2026, 3, 2)
    earlier = _export(datetime(2026, 3, 2, 1, 59, tzinfo=UTC), None)  # an hour before
    other_year = _export(datetime(2026, 3, 3, tzinfo=UTC), 2025)
    this_year = _export(datetime(2026, 3, 9, tzinfo=UTC), 2026)
    every_year = _export(datetime(2026, 3, 5, tzinfo=UTC), None)
    assert remarked_on(recorded, effective, 2026, [earlier, other_year]) is None
    assert remarked_on(recorded, effective, 2025, [earlier, other_year]) == date(2026, 3, 3)
    assert remarked_on(recorded, effective, 2026, [this_year, every_year]) == date(2026, 3, 5)
    assert remarked_on(recorded, effective, 2026, [this_year]) == date(2026, 3, 9)
    at_once = _export(recorded, 2026)  # the same instant: the register already held the change
    assert remarked_on(recorded, effective, 2026, [at_once]) == date(2026, 3, 2)


def test_an_export_before_the_change_takes_effect_still_shows_it_in_force() -> None:
    recorded = datetime(2026, 3, 2, tzinfo=UTC)  # recorded ahead of a repeal on 3月20日
    before = _export(datetime(2026, 3, 19, 23, tzinfo=UTC), None)
    on_the_day = _export(datetime(2026, 3, 20, 1, tzinfo=UTC), None)
    assert remarked_on(recorded, date(2026, 3, 20), 2026, [before]) is None
    assert remarked_on(recorded, date(2026, 3, 20), 2026, [before, on_the_day]) == date(2026, 3, 20)
