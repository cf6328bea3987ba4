"""答复期限 — working-day arithmetic and the reply clock of a disclosure request.

Every period of the 条例 is counted in working days (工作日): Monday to Friday,
less the statutory holidays (法定节假日), plus the weekend days a State Council
notice makes working days (调休上班日). :class:`Calendar` knows which days those
are; :func:`compute_deadline` runs a request's clock (条例第三十条 to 第三十四条,
and the fee notice of 国办函〔2020〕109号) over the request's dated events.

The counting rule, used by every function here: the day a period runs from (the
day of receipt, of the 补正, of the notice) is day 0 and is not counted; the
period ends on the n-th working day after it. It is the rule of 《民法典》第二百零一条
(期间开始的当日不计入，自下一日开始计算), which administrative practice follows
for the 条例's "自收到申请之日起20个工作日内". The n-th working day is a working day
by construction, so 第二百零三条 (a period ending on a holiday) never comes into play.

Holiday data comes from, in this order, each year taken whole from the first
source that holds it: the office's own file ($GONGKAI_HOME/holidays.toml), the
file shipped in engine/data/holidays.toml, and the chinesecalendar package
(2004–2026 in 1.11). A year none of them holds is counted with weekends as the
only days off, and every result computed across it carries an ``uncovered_year``
warning: a date from an unknown year is shown as doubtful, never silently wrong.

Pure functions over plain data: the only I/O is reading the holiday files, in
:func:`load_calendar` (the shipped file once per process).
"""

from __future__ import annotations

import tomllib
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from itertools import accumulate
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]

from engine.codes import REGULATION
from engine.fees import FEE_MEASURES

USER_FILE_NAME = "holidays.toml"  # the office's own file, in $GONGKAI_HOME
_YEAR_KEYS = frozenset({"notice", "holidays", "make_up_workdays"})
_ONE_DAY = timedelta(days=1)
_WEEKDAYS = "一二三四五六日"


class HolidayDataError(ValueError):
    """A holiday file or year that cannot be used: the message names the file, year and dates."""


class ClockError(ValueError):
    """Events that cannot happen under the 条例 (a second extension, a reply never asked for …)."""


# --- the law as data: the periods -------------------------------------------


@dataclass(frozen=True)
class Period:
    """法定期限 — a period in working days and the provision that fixes it."""

    label: str
    working_days: int
    basis: str


CORRECTION_NOTICE = Period("补正告知期限", 7, f"{REGULATION}第三十条")
REPLY = Period("答复期限", 20, f"{REGULATION}第三十三条第二款")
EXTENSION_LIMIT = Period("延长答复期限", 20, f"{REGULATION}第三十三条第二款")  # at most
THIRD_PARTY_REPLY = Period("提出意见期限", 15, f"{REGULATION}第三十二条、第三十四条")
FEE_PAYMENT = Period("缴纳信息处理费期限", 20, FEE_MEASURES)
CONSULTATION_EXCLUDED = f"{REGULATION}第三十三条第三款"  # 征求意见所需时间不计算在期限内


# --- the working-day calendar -----------------------------------------------


@dataclass(frozen=True)
class YearArrangement:
    """节假日安排 — one year's days off and 调休 make-up working days, from one notice.

    ``holidays`` are the days off the notice lists (放假日, weekends inside a holiday
    block included); ``make_up_workdays`` the Saturdays and Sundays it makes working
    days (调休上班日); ``source`` names the notice and where it was read from.
    """

    year: int
    holidays: frozenset[date]
    make_up_workdays: frozenset[date]
    source: str

    def __post_init__(self) -> None:
        where = f"{self.source}: {self.year}"
        if not self.source.strip():
            raise HolidayDataError(f"{self.year}: a year needs the notice its dates come from")
        if not self.holidays:
            # Every notice gives at least 元旦: an empty list is an unfinished entry.
            raise HolidayDataError(f"{where}: no holidays listed")
        listed = self.holidays | self.make_up_workdays
        stray = frozenset(day for day in listed if day.year != self.year)
        if stray:
            raise HolidayDataError(f"{where}: dates of another year: {_iso(stray)}")
        both = self.holidays & self.make_up_workdays
        if both:
            raise HolidayDataError(
                f"{where}: both a holiday and a make-up working day: {_iso(both)}"
            )
        weekdays = frozenset(day for day in self.make_up_workdays if day.weekday() < 5)
        if weekdays:
            # A weekday is a working day already: a make-up day on one is a typo.
            raise HolidayDataError(
                f"{where}: a make-up working day is a Saturday or Sunday, not {_iso(weekdays)}"
            )


@dataclass(frozen=True)
class Calendar:
    """工作日历 — which days are working days, built from years of holiday data.

    A day is a working day when it is a make-up working day (调休上班日), or a
    Monday to Friday that is not a holiday. A year without an arrangement has only
    its weekends as days off: :meth:`covered` tells, and the deadline functions of
    this module turn every uncovered year they cross into a warning. ``Calendar()`` is the
    weekends-only calendar; :func:`load_calendar` the one the desk uses.
    """

    arrangements: tuple[YearArrangement, ...] = ()
    _years: dict[int, YearArrangement] = field(init=False, repr=False, compare=False)
    _holidays: frozenset[date] = field(init=False, repr=False, compare=False)
    _make_up_workdays: frozenset[date] = field(init=False, repr=False, compare=False)
    # The days Monday to Friday gets wrong, sorted, with the running sum of their
    # corrections (+1 a weekend worked, -1 a weekday off): counting over years stays cheap.
    _exceptions: tuple[date, ...] = field(init=False, repr=False, compare=False)
    _corrections: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        years = {arrangement.year: arrangement for arrangement in self.arrangements}
        if len(years) != len(self.arrangements):
            raise HolidayDataError("a calendar takes each year from one arrangement")
        # Frozen: the lookups are derived once here, and nothing changes them later.
        object.__setattr__(self, "_years", years)
        object.__setattr__(
            self, "_holidays", frozenset().union(*(a.holidays for a in self.arrangements))
        )
        object.__setattr__(
            self,
            "_make_up_workdays",
            frozenset().union(*(a.make_up_workdays for a in self.arrangements)),
        )
        exceptions = sorted(
            day
            for day in self._holidays | self._make_up_workdays
            if self.is_working_day(day) != (day.weekday() < 5)
        )
        corrections = (1 if day.weekday() >= 5 else -1 for day in exceptions)
        object.__setattr__(self, "_exceptions", tuple(exceptions))
        object.__setattr__(self, "_corrections", tuple(accumulate(corrections, initial=0)))

    @classmethod
    def layered(cls, *sources: Iterable[YearArrangement]) -> Calendar:
        """The years of several sources; the first source that holds a year gives all of it.

        A year is one notice: taking it whole means a corrected or extended year in
        the office's file replaces the year, and no stale date of a later source
        survives in it.
        """
        chosen: dict[int, YearArrangement] = {}
        for source in sources:
            for arrangement in source:
                chosen.setdefault(arrangement.year, arrangement)
        return cls(tuple(chosen[year] for year in sorted(chosen)))

    def covered(self, year: int) -> bool:
        """Whether the year's holidays and make-up days are known."""
        return year in self._years

    def source(self, year: int) -> str | None:
        """The notice and file the year comes from; None for an uncovered year."""
        arrangement = self._years.get(year)
        return arrangement.source if arrangement else None

    def is_working_day(self, day: date) -> bool:
        """工作日: a make-up working day, or a Monday to Friday that is not a holiday."""
        if day in self._make_up_workdays:
            return True
        return day.weekday() < 5 and day not in self._holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start``: the end of a period of n working days.

        ``start`` is day 0 and is not counted, whether or not it is a working day
        (《民法典》第二百零一条: 期间开始的当日不计入; 条例第三十条、第三十三条:
        "自收到申请之日起…个工作日内"). ``n == 0`` gives ``start`` itself.
        """
        if n < 0:
            raise ValueError(f"a period is not negative, got {n} working days")
        day = start
        while n:
            day += _ONE_DAY
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, a: date, b: date) -> int:
        """The working days after ``a`` up to and including ``b``; negative when ``b`` is earlier.

        The inverse of :meth:`add_working_days`: for a working day ``b`` after ``a``,
        ``add_working_days(a, working_days_between(a, b)) == b``.
        """
        if b < a:
            return -self.working_days_between(b, a)
        weeks, rest = divmod((b - a).days, 7)
        weekdays = 5 * weeks + sum((a.weekday() + k) % 7 < 5 for k in range(1, rest + 1))
        exceptions, corrections = self._exceptions, self._corrections
        after_a, to_b = bisect_right(exceptions, a), bisect_right(exceptions, b)
        return weekdays + corrections[to_b] - corrections[after_a]

    def uncovered_years(self, first: date, last: date) -> tuple[int, ...]:
        """The years from ``first`` to ``last`` (inclusive) whose holidays are not known."""
        return tuple(y for y in range(first.year, last.year + 1) if y not in self._years)


def parse_holidays(text: str, origin: str) -> tuple[YearArrangement, ...]:
    """The years of a holiday file's text, in the shape of engine/data/holidays.toml.

    ``origin`` names the file in each year's source and in errors. A placeholder
    year (an empty notice and no dates) is left out: it covers nothing.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise HolidayDataError(f"{origin}: not valid TOML: {error}") from error
    years = (_year(key, entry, origin) for key, entry in data.items())
    return tuple(year for year in years if year is not None)


def read_holidays(path: Path) -> tuple[YearArrangement, ...]:
    """The years of a holiday file on disk (the office's $GONGKAI_HOME/holidays.toml)."""
    return parse_holidays(path.read_text(encoding="utf-8"), str(path))


@cache
def shipped_holidays() -> tuple[YearArrangement, ...]:
    """The years of engine/data/holidays.toml, read once per process."""
    resource = resources.files("engine") / "data" / "holidays.toml"
    return parse_holidays(resource.read_text(encoding="utf-8"), "engine/data/holidays.toml")


@cache
def package_holidays() -> tuple[YearArrangement, ...]:
    """The years of the chinesecalendar package, one arrangement per year."""
    source = f"国务院办公厅各年节假日安排通知（chinesecalendar {chinese_calendar.__version__}）"
    holidays, workdays = chinese_calendar.holidays, chinese_calendar.workdays
    years = sorted({day.year for day in holidays} | {day.year for day in workdays})
    return tuple(
        YearArrangement(
            year,
            frozenset(day for day in holidays if day.year == year),
            frozenset(day for day in workdays if day.year == year),
            source,
        )
        for year in years
    )


def load_calendar(user_file: Path | None = None) -> Calendar:
    """The desk's calendar: ``user_file`` if it exists, then the shipped file, then chinesecalendar.

    ``user_file`` is the office's own file, normally ``$GONGKAI_HOME/holidays.toml``
    (:data:`USER_FILE_NAME`); an office that has not written one has none to read.
    """
    user = read_holidays(user_file) if user_file is not None and user_file.exists() else ()
    return Calendar.layered(user, shipped_holidays(), package_holidays())


def _year(key: str, entry: object, origin: str) -> YearArrangement | None:
    """One year's table of a holiday file; None for a placeholder."""
    if not (key.isascii() and key.isdigit() and len(key) == 4):
        raise HolidayDataError(f"{origin}: [{key}] is not a year")
    where = f"{origin}: [{key}]"
    if not isinstance(entry, dict):
        raise HolidayDataError(f"{where} is not a table")
    if set(entry) != _YEAR_KEYS:
        unknown, missing = sorted(set(entry) - _YEAR_KEYS), sorted(_YEAR_KEYS - set(entry))
        raise HolidayDataError(f"{where}: unknown keys {unknown}, missing keys {missing}")
    notice = entry["notice"]
    if not isinstance(notice, str):
        raise HolidayDataError(f"{where}: notice is the notice's title, in quotes")
    holidays = _dates(entry["holidays"], f"{where} holidays")
    make_up_workdays = _dates(entry["make_up_workdays"], f"{where} make_up_workdays")
    if not notice.strip():
        if holidays or make_up_workdays:
            raise HolidayDataError(f"{where}: dates without the notice they come from")
        return None
    return YearArrangement(
        int(key), frozenset(holidays), frozenset(make_up_workdays), f"{notice.strip()}（{origin}）"
    )


def _dates(value: object, where: str) -> list[date]:
    if not isinstance(value, list):
        raise HolidayDataError(f"{where}: a list of dates, like [2027-01-01]")
    for item in value:
        # datetime is a date subclass: a date with a time is a typo, not a day.
        if type(item) is not date:
            hint = " (write dates bare, without quotes)" if isinstance(item, str) else ""
            raise HolidayDataError(f"{where}: {item!r} is not a date{hint}")
    if len(set(value)) != len(value):
        twice = {day for day in value if value.count(day) > 1}
        raise HolidayDataError(f"{where}: listed twice: {_iso(twice)}")
    return value


# --- the request clock ------------------------------------------------------


class EventKind(StrEnum):
    """What happened to a request, as far as its reply clock is concerned."""

    CORRECTION_REQUESTED = "correction_requested"  # 补正告知 (第三十条)
    CORRECTION_RECEIVED = "correction_received"  # 收到补正: the reply period restarts (第三十条)
    EXTENDED = "extended"  # 延长答复期限 (第三十三条第二款)
    THIRD_PARTY_CONSULTED = "third_party_consulted"  # 征求第三方或其他机关意见 (第三十二、三十四条)
    THIRD_PARTY_REPLIED = "third_party_replied"  # 收到第三方或其他机关的意见
    FEE_NOTICE_SENT = "fee_notice_sent"  # 收费通知 (国办函〔2020〕109号)
    FEE_PAID = "fee_paid"  # 缴纳信息处理费


# The event that ends each wait.
_WAIT_ENDS = {
    EventKind.THIRD_PARTY_CONSULTED: EventKind.THIRD_PARTY_REPLIED,
    EventKind.FEE_NOTICE_SENT: EventKind.FEE_PAID,
}
_WAIT_STARTS = {end: start for start, end in _WAIT_ENDS.items()}


@dataclass(frozen=True)
class ClockEvent:
    """One dated event of a request that moves its reply clock.

    ``on`` is the day it happened. For a consultation and a fee notice it is the
    day the letter reached the other side (the day it was sent, when handed over
    or sent online), because the other side's period runs from that day
    (第三十二条: 自收到征求意见书之日起; the fee: from the day after receipt).
    An extension needs ``working_days`` (1–20) and its ``approver``, the head of
    the disclosure office (政府信息公开工作机构负责人). ``party`` names the third
    party or agency consulted, to pair each reply with its consultation when
    several are consulted at once.
    """

    kind: EventKind
    on: date
    working_days: int = 0
    approver: str = ""
    party: str = ""

    def __post_init__(self) -> None:
        if self.kind is EventKind.EXTENDED:
            limit = EXTENSION_LIMIT.working_days
            if not 1 <= self.working_days <= limit:
                raise ClockError(
                    f"an extension is 1 to {limit} working days ({EXTENSION_LIMIT.basis}), "
                    f"got {self.working_days}"
                )
            if not self.approver.strip():
                raise ClockError(
                    "an extension needs its approver, the head of the disclosure office "
                    f"({EXTENSION_LIMIT.basis})"
                )
        elif self.working_days or self.approver:
            raise ClockError(f"only an extension has working days and an approver, not {self.kind}")
        third_party = (EventKind.THIRD_PARTY_CONSULTED, EventKind.THIRD_PARTY_REPLIED)
        if self.party and self.kind not in third_party:
            raise ClockError(f"only a consultation names a party, not {self.kind}")


@dataclass(frozen=True)
class ClockSettings:
    """An agency's choices where the rules leave one."""

    # regulation.md §5: the time spent waiting for a fee is not counted, unless
    # the agency decides otherwise.
    exclude_fee_waiting: bool = True
    # status(): a deadline this many working days away or fewer is "due soon".
    due_soon_working_days: int = 5


DEFAULT_SETTINGS = ClockSettings()


class ClockState(StrEnum):
    """Where the reply clock stands, given the events so far."""

    RUNNING = "running"  # 计时中
    SUSPENDED = "suspended"  # 中止计时: a reply or a fee is awaited; due assumes the longest wait
    AWAITING_CORRECTION = "awaiting_correction"  # 待补正: no reply period runs (第三十条)


class WarningKind(StrEnum):
    """Why a computed date needs a second look."""

    UNCOVERED_YEAR = "uncovered_year"  # 节假日安排未录入: weekends only
    LATE_CORRECTION_NOTICE = "late_correction_notice"  # 补正告知超过7个工作日 (第三十条)
    LATE_THIRD_PARTY_REPLY = "late_third_party_reply"  # 第三方逾期提出意见 (第三十二条)
    LATE_FEE_PAYMENT = "late_fee_payment"  # 逾期缴费: 视为放弃申请
    AFTER_DUE = "after_due"  # 答复期限届满后才征求意见或发出收费通知


# Each wait: the other side's period, which caps the wait, and the warning when it is overrun.
_WAIT_RULES = {
    EventKind.THIRD_PARTY_CONSULTED: (THIRD_PARTY_REPLY, WarningKind.LATE_THIRD_PARTY_REPLY),
    EventKind.FEE_NOTICE_SENT: (FEE_PAYMENT, WarningKind.LATE_FEE_PAYMENT),
}


@dataclass(frozen=True)
class DeadlineWarning:
    """A warning carried on a result (a value, not a Python ``Warning``): kind and a message."""

    kind: WarningKind
    message: str


@dataclass(frozen=True)
class Due:
    """The end of one period: ``period.working_days`` working days after ``start``."""

    start: date
    due: date
    period: Period
    warnings: tuple[DeadlineWarning, ...]


@dataclass(frozen=True)
class Extension:
    """延长答复期限 — the one extension (第三十三条第二款): its length and approval."""

    working_days: int
    approver: str
    decided_on: date


@dataclass(frozen=True)
class Exclusion:
    """不计入答复期限的等待 — a wait for a third party's opinion or a fee.

    ``kind`` is the event that opened the wait; ``end`` the reply or payment, or the
    other side's last day when it answered late or not yet (``open``).
    ``working_days`` is how far the wait moved the deadline: 0 when it began after
    the period ended, less than its length where it overlaps an earlier wait.
    """

    kind: EventKind
    party: str
    start: date
    end: date
    open: bool
    working_days: int


@dataclass(frozen=True)
class Deadline:
    """答复期限 — the reply deadline of one request and how it was computed.

    ``base`` is the day the reply period runs from: the day of receipt (第三十一条)
    or the day the 补正 arrived (第三十条). ``due`` is None while a 补正 is awaited.
    ``explanation`` is the computation step by step, in Chinese, for the clerk.
    """

    received: date
    base: date
    due: date | None
    state: ClockState
    extension: Extension | None
    exclusions: tuple[Exclusion, ...]
    warnings: tuple[DeadlineWarning, ...]
    explanation: tuple[str, ...]

    @property
    def excluded_days(self) -> int:
        """The working days the waits added to the period."""
        return sum(exclusion.working_days for exclusion in self.exclusions)

    def explain(self) -> str:
        return "\n".join(self.explanation)


class Status(StrEnum):
    """How a deadline stands on a given day."""

    OK = "ok"  # 正常
    DUE_SOON = "due_soon"  # 即将到期
    OVERDUE = "overdue"  # 已逾期
    AWAITING_CORRECTION = "awaiting_correction"  # 待补正: no deadline runs


@dataclass(frozen=True)
class DeadlineStatus:
    """A deadline seen from ``today``: ``working_days_left`` is negative once overdue."""

    status: Status
    due: date | None
    working_days_left: int | None
    warnings: tuple[DeadlineWarning, ...]


def correction_notice_due(received: date, calendar: Calendar) -> Due:
    """The last day to send the 补正告知: 7 working days after receipt (第三十条)."""
    return period_due(received, CORRECTION_NOTICE, calendar)


def third_party_reply_due(sent: date, calendar: Calendar) -> Due:
    """The last day for a consulted third party or agency to answer: 15 working days.

    ``sent`` is the day the 征求意见书 reached it (第三十二条、第三十四条: 自收到之日起).
    """
    return period_due(sent, THIRD_PARTY_REPLY, calendar)


def fee_payment_due(notice_received: date, calendar: Calendar) -> Due:
    """The last day to pay the fee: 20 working days from the day after the notice arrived."""
    return period_due(notice_received, FEE_PAYMENT, calendar)


def compute_deadline(
    received: date,
    events: Sequence[ClockEvent],
    calendar: Calendar,
    settings: ClockSettings = DEFAULT_SETTINGS,
) -> Deadline:
    """The reply deadline of a request received on ``received``, given its events so far.

    20 working days after the day of receipt (第三十三条第二款), or after the day
    the 补正 arrived (第三十条); moved on by the working days spent waiting for a
    third party or another agency (第三十三条第三款) and, when ``settings`` say
    so, for the fee; then by the one extension. A wait counts the working days
    after its letter arrived up to and including the day of the answer, at most
    the other side's own period (15 working days to give an opinion, 20 to pay);
    a wait still open is counted to that period's end, and the deadline is
    provisional (``ClockState.SUSPENDED``). A wait that begins after the period
    has ended no longer moves it.

    Raises :class:`ClockError` for events that cannot happen: an event before
    receipt, a second 补正告知 (一次性告知) or extension, a 补正 or answer never
    asked for, anything but the 补正 while it is awaited, an extension decided
    after the period ended.
    """
    history = _replay(received, events)
    trace = _Trace(received, received)
    trace.say(
        f"收到申请：{_day(received)}（{REGULATION}第三十一条）。"
        "期限自收到之日的次日起计算，收到之日不计入（《民法典》第二百零一条）。"
    )
    notice = correction_notice_due(received, calendar)
    trace.reads(notice.due, *(event.on for event in events))
    if history.correction_requested is not None:
        sent = history.correction_requested
        trace.say(f"补正告知：{_day(sent)}（{CORRECTION_NOTICE.basis}，期限{_day(notice.due)}）。")
        if sent > notice.due:
            trace.warn(
                WarningKind.LATE_CORRECTION_NOTICE,
                f"补正告知于{_day(sent)}发出，晚于{CORRECTION_NOTICE.basis}规定的收到申请之日起"
                f"{CORRECTION_NOTICE.working_days}个工作日（{_day(notice.due)}）。",
            )
    base = received
    if history.correction_received is not None:
        base = history.correction_received
        trace.say(
            f"收到补正：{_day(base)}，答复期限自该日起重新计算（{CORRECTION_NOTICE.basis}）。"
        )

    due: date | None = None
    exclusions: tuple[Exclusion, ...] = ()
    if history.awaiting_correction:
        state = ClockState.AWAITING_CORRECTION
        trace.say(f"尚未收到补正：答复期限自收到补正之日起计算（{CORRECTION_NOTICE.basis}）。")
    else:
        due, state, exclusions = _run_clock(base, history, calendar, settings, trace)
    warnings, explanation = trace.finish(calendar, due)
    return Deadline(
        received, base, due, state, history.extension, exclusions, warnings, explanation
    )


def status(
    deadline: Deadline,
    today: date,
    calendar: Calendar,
    settings: ClockSettings = DEFAULT_SETTINGS,
) -> DeadlineStatus:
    """How ``deadline`` stands on ``today``, with the working days left.

    Overdue is decided by date (today after the due date); ``working_days_left``
    counts working days, so on a weekend just after the due date it is 0 while
    the status is already overdue. Due soon is ``settings.due_soon_working_days``
    or fewer left, the due date itself included.
    """
    due = deadline.due
    if due is None:
        return DeadlineStatus(Status.AWAITING_CORRECTION, None, None, deadline.warnings)
    left = calendar.working_days_between(today, due)
    if today > due:
        standing = Status.OVERDUE
    elif left <= settings.due_soon_working_days:
        standing = Status.DUE_SOON
    else:
        standing = Status.OK
    counted = uncovered_warnings(calendar, min(today, due), max(today, due))
    extra = tuple(warning for warning in counted if warning not in deadline.warnings)
    return DeadlineStatus(standing, due, left, deadline.warnings + extra)


# --- the clock's workings ---------------------------------------------------


@dataclass(frozen=True)
class _Wait:
    """A wait for a third party's opinion or a fee: opened by ``kind``, ``answered`` or not yet."""

    kind: EventKind
    party: str
    start: date
    answered: date | None = None


@dataclass(frozen=True)
class _History:
    """A request's events, checked and paired: what the clock needs of them."""

    correction_requested: date | None
    correction_received: date | None
    extension: Extension | None
    waits: tuple[_Wait, ...]

    @property
    def awaiting_correction(self) -> bool:
        return self.correction_requested is not None and self.correction_received is None


@dataclass
class _Trace:
    """What one computation says and reads: explanation lines, warnings, the days it looked at."""

    first: date
    last: date
    lines: list[str] = field(default_factory=list)
    warnings: list[DeadlineWarning] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)

    def warn(self, kind: WarningKind, message: str) -> None:
        self.warnings.append(DeadlineWarning(kind, message))

    def reads(self, *days: date) -> None:
        self.last = max(self.last, *days)

    def finish(
        self, calendar: Calendar, due: date | None
    ) -> tuple[tuple[DeadlineWarning, ...], tuple[str, ...]]:
        """The warnings and explanation, closed with the uncovered years and the data used."""
        last = self.last if due is None else max(self.last, due)
        years = range(self.first.year, last.year + 1)
        used = "；".join(
            f"{year}年：{calendar.source(year) or '未录入，仅按周末计算'}" for year in years
        )
        lines = [*self.lines, f"节假日依据：{used}。"]
        warnings = [*self.warnings, *uncovered_warnings(calendar, self.first, last)]
        return tuple(warnings), tuple(lines)


def _replay(received: date, events: Sequence[ClockEvent]) -> _History:
    """Check the events in date order (a day keeps the given order) and pair the waits."""
    requested: date | None = None
    corrected: date | None = None
    extension: Extension | None = None
    waits: list[_Wait] = []
    for event in sorted(events, key=lambda event: event.on):
        kind, on = event.kind, event.on
        if on < received:
            raise ClockError(f"{kind} on {on} is before the request was received on {received}")
        if kind is EventKind.CORRECTION_REQUESTED:
            if requested is not None:
                raise ClockError(f"a second 补正告知 on {on}: 补正 is asked for once (第三十条)")
            requested = on
        elif kind is EventKind.CORRECTION_RECEIVED:
            if requested is None or corrected is not None:
                raise ClockError(f"a 补正 received on {on} with no 补正告知 awaiting it")
            corrected = on
        elif requested is not None and corrected is None:
            raise ClockError(f"{kind} on {on} while the 补正 is awaited: no reply period runs")
        elif kind is EventKind.EXTENDED:
            if extension is not None:
                raise ClockError(
                    f"a second extension on {on}: the period is extended once "
                    f"({EXTENSION_LIMIT.basis})"
                )
            extension = Extension(event.working_days, event.approver.strip(), on)
        elif kind in _WAIT_ENDS:
            waits.append(_Wait(kind, event.party, on))
        else:
            opening = _WAIT_STARTS[kind]
            # An answer closes the earliest open wait of its kind and party.
            index = next(
                (
                    i
                    for i, wait in enumerate(waits)
                    if wait.kind is opening and wait.party == event.party and wait.answered is None
                ),
                None,
            )
            if index is None:
                party = f" from {event.party!r}" if event.party else ""
                raise ClockError(f"{kind}{party} on {on} answers no open {opening}")
            waits[index] = replace(waits[index], answered=on)
    return _History(requested, corrected, extension, tuple(waits))


def _run_clock(
    base: date,
    history: _History,
    calendar: Calendar,
    settings: ClockSettings,
    trace: _Trace,
) -> tuple[date, ClockState, tuple[Exclusion, ...]]:
    """The due date: the reply period from ``base``, then the waits and the extension by date."""
    due = calendar.add_working_days(base, REPLY.working_days)
    trace.say(
        f"答复期限：{_day(base)}后第{REPLY.working_days}个工作日，即{_day(due)}（{REPLY.basis}）。"
    )
    state = ClockState.RUNNING
    exclusions: list[Exclusion] = []
    counted_until = base  # waits counted so far end here: an overlap is not counted twice
    steps: list[tuple[date, Extension | _Wait]] = [(wait.start, wait) for wait in history.waits]
    if history.extension is not None:
        steps.append((history.extension.decided_on, history.extension))
    for _, step in sorted(steps, key=lambda step: step[0]):
        if isinstance(step, Extension):
            if step.decided_on > due:
                raise ClockError(
                    f"an extension decided on {step.decided_on}, after the period ended on "
                    f"{due}: an ended period cannot be extended ({EXTENSION_LIMIT.basis})"
                )
            due = calendar.add_working_days(due, step.working_days)
            trace.say(
                f"延长答复期限：{_day(step.decided_on)}经{step.approver}同意，延长"
                f"{step.working_days}个工作日（{EXTENSION_LIMIT.basis}），期限延至{_day(due)}。"
            )
            continue
        wait = step
        period, late = _WAIT_RULES[wait.kind]
        limit = calendar.add_working_days(wait.start, period.working_days)
        trace.reads(limit)
        end = limit if wait.answered is None else min(wait.answered, limit)
        said = _wait_text(wait, period, limit)
        if wait.answered is not None and wait.answered > limit:
            trace.warn(late, f"{said}，晚于{period.label}（{_day(limit)}，{period.basis}）。")
        if wait.kind is EventKind.FEE_NOTICE_SENT and not settings.exclude_fee_waiting:
            trace.say(f"{said}；按本机关设置，等待缴费的时间计入答复期限。")
            continue
        if wait.start > due:
            ended = f"{said}；答复期限已于{_day(due)}届满，不再顺延。"
            trace.say(ended)
            trace.warn(WarningKind.AFTER_DUE, ended)
            exclusions.append(
                Exclusion(wait.kind, wait.party, wait.start, end, wait.answered is None, 0)
            )
            continue
        start = max(wait.start, counted_until)
        days = calendar.working_days_between(start, end) if end > start else 0
        due = calendar.add_working_days(due, days)
        counted_until = max(counted_until, end)
        if wait.answered is None:
            state = ClockState.SUSPENDED
        exclusions.append(
            Exclusion(wait.kind, wait.party, wait.start, end, wait.answered is None, days)
        )
        basis = (
            CONSULTATION_EXCLUDED
            if wait.kind is EventKind.THIRD_PARTY_CONSULTED
            else "本机关设置：等待缴费的时间不计入答复期限"
        )
        overlap = "（与已计入的等待或起算日之前重叠的日子不重复计算）" if start > wait.start else ""
        trace.say(
            f"{said}；等待至{_day(end)}，{days}个工作日不计入答复期限{overlap}（{basis}），"
            f"期限顺延至{_day(due)}。"
        )
    provisional = "（暂定：等待中的意见或缴费按其期限届满日计算，答复后重算）"
    trace.say(f"答复截止日：{_day(due)}{provisional if state is ClockState.SUSPENDED else ''}。")
    return due, state, tuple(exclusions)


def _wait_text(wait: _Wait, period: Period, limit: date) -> str:
    """征求某公司意见：…送达，…提出意见 — a wait as the explanation tells it."""
    if wait.kind is EventKind.THIRD_PARTY_CONSULTED:
        what, answer = f"征求{wait.party or '第三方'}意见", "提出意见"
    else:
        what, answer = "收费通知", "缴费"
    opened = f"{what}：{_day(wait.start)}送达"
    if wait.answered is None:
        return f"{opened}，尚未{answer}，暂按{period.label}届满日{_day(limit)}计"
    return f"{opened}，{_day(wait.answered)}{answer}"


def period_due(start: date, period: Period, calendar: Calendar) -> Due:
    due = calendar.add_working_days(start, period.working_days)
    return Due(start, due, period, uncovered_warnings(calendar, start, due))


def uncovered_warnings(calendar: Calendar, first: date, last: date) -> tuple[DeadlineWarning, ...]:
    return tuple(
        DeadlineWarning(
            WarningKind.UNCOVERED_YEAR,
            f"{year}年的节假日安排未录入：该年只按周六、周日休息计算，法定节假日和调休均未计入，"
            f"日期可能有误。请将国务院办公厅关于{year}年部分节假日安排的通知录入 "
            f"{USER_FILE_NAME} 后重新计算。",
        )
        for year in calendar.uncovered_years(first, last)
    )


def _day(day: date) -> str:
    """2025年1月20日（星期一）."""
    return f"{day.year}年{day.month}月{day.day}日（星期{_WEEKDAYS[day.weekday()]}）"


def _iso(days: Iterable[date]) -> str:
    return ", ".join(day.isoformat() for day in sorted(days))
