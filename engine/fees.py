"""信息处理费 — the information-processing fee, computed from the law as data.

条例第四十二条: providing information on request is free, except that an agency
may charge an information-processing fee to an applicant whose requests clearly
exceed a reasonable number or frequency. How much is fixed by
《政府信息公开信息处理费管理办法》(国办函〔2020〕109号, "办法" below), whose two
methods are both progressive (超额累进) and are the two tables below:

* 按件计收 (第四条): the items one applicant asked for in a calendar month;
* 按量计收 (第五条): the pages one request provides.

For each request the agency applies one method, never both (第三条): the
caller names it (:func:`compute_fee`, or :func:`fee_per_item` /
:func:`fee_per_volume` directly).

Amounts are whole yuan as ``int``: every unit price in 第四条 and 第五条 is a
whole number of yuan and every count is a whole number, so every fee is an
exact integer. An ``int`` is exact, sums exactly for the annual report (which
converts to 万元 only when it prints) and goes into JSON as it is; ``Decimal``
would add a conversion at every edge and no precision.

The 办法 as summarised in regulation.md §5 says nothing about waiving a fee,
so no article is quoted for it: :func:`waive` records the agency's decision
and its reason on the computation, and the standard's amount stays visible.

Pure functions over plain data: no database, no files.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

FEE_MEASURES = "《政府信息公开信息处理费管理办法》"


class FeeMethod(StrEnum):
    """计收方式 — how the fee of one request is counted (办法第三条: one per request)."""

    PER_ITEM = "per_item"
    PER_VOLUME = "per_volume"

    @property
    def label(self) -> str:
        """按件计收 or 按量计收."""
        return SCHEDULES[self].label

    @property
    def basis(self) -> str:
        """The legal basis as quoted in the 收费通知书, e.g. 《…管理办法》第四条."""
        return f"{FEE_MEASURES}{SCHEDULES[self].article}"


@dataclass(frozen=True)
class Band:
    """One band (档) of a progressive table: units ``first``..``last`` at ``unit_price``.

    Units are counted from 1 (the 1st item of the month, the 1st page of the
    request). ``last`` is None for the open-ended last band. An open-ended band
    may escalate: its price rises by ``rise`` yuan every ``every`` units
    (第四条: from the 31st item, bands of 10, each 100 yuan per item more).
    """

    first: int
    last: int | None
    unit_price: int  # yuan per unit
    rise: int = 0
    every: int = 0

    def __post_init__(self) -> None:
        if bool(self.rise) != bool(self.every):
            raise ValueError("an escalating band needs both rise and every")
        if self.every and self.last is not None:
            raise ValueError("only the open-ended last band escalates")


@dataclass(frozen=True)
class FeeSchedule:
    """收费标准 — one method's progressive table and the words that present it."""

    method: FeeMethod
    label: str  # 按件计收 / 按量计收
    article: str  # the article of the 办法 that fixes the table
    unit: str  # 件 / 页
    scope: str  # what is counted, as the standard's sentence opens
    bands: tuple[Band, ...]

    def standard_text(self) -> str:
        """The standard in Chinese, written from the table so the two cannot disagree."""
        unit = self.unit
        parts = []
        for band in self.bands:
            if band.last is not None:
                price = "不收费" if band.unit_price == 0 else f"每{unit}{band.unit_price}元"
                parts.append(f"{_span(band.first, band.last, unit)}{price}")
            elif band.every:
                first_step = _span(band.first, band.first + band.every - 1, unit)
                parts.append(
                    f"第{band.first}{unit}起以{band.every}{unit}为一档，"
                    f"{first_step}每{unit}{band.unit_price}元，"
                    f"此后每档每{unit}提高{band.rise}元"
                )
            else:
                parts.append(f"第{band.first}{unit}起每{unit}{band.unit_price}元")
        return f"{self.scope}，" + "；".join(parts)


# 办法第四条 — 按件计收: an applicant's items in one calendar month (自然月).
PER_ITEM_SCHEDULE = FeeSchedule(
    method=FeeMethod.PER_ITEM,
    label="按件计收",
    article="第四条",
    unit="件",
    scope="同一申请人一个自然月内累计申请的件数中",
    bands=(
        Band(1, 10, 0),
        Band(11, 30, 100),
        Band(31, None, 200, rise=100, every=10),  # 31–40: 200, 41–50: 300, …
    ),
)

# 办法第五条 — 按量计收: the pages of one request (paper, e-mail or copied data).
PER_VOLUME_SCHEDULE = FeeSchedule(
    method=FeeMethod.PER_VOLUME,
    label="按量计收",
    article="第五条",
    unit="页",
    scope="同一申请提供信息的页数中",
    bands=(
        Band(1, 30, 0),
        Band(31, 100, 10),
        Band(101, 200, 20),
        Band(201, None, 40),
    ),
)

SCHEDULES: dict[FeeMethod, FeeSchedule] = {
    schedule.method: schedule for schedule in (PER_ITEM_SCHEDULE, PER_VOLUME_SCHEDULE)
}


@dataclass(frozen=True)
class FeeLine:
    """One line of the computation: the units of this request that fall in one band."""

    first: int
    last: int
    unit_price: int  # yuan per unit
    unit: str  # 件 / 页

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def subtotal(self) -> int:
        """Yuan."""
        return self.count * self.unit_price

    @property
    def text(self) -> str:
        """As printed in the 收费通知书: 第11–30件：20件 × 100元 = 2,000元."""
        span = _span(self.first, self.last, self.unit)
        if self.unit_price == 0:
            return f"{span}：{self.count}{self.unit}，不收费"
        return (
            f"{span}：{self.count}{self.unit} × {_yuan(self.unit_price)} = {_yuan(self.subtotal)}"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "first": self.first,
            "last": self.last,
            "count": self.count,
            "unit_price": self.unit_price,
            "subtotal": self.subtotal,
            "text": self.text,
        }


@dataclass(frozen=True)
class FeeComputation:
    """信息处理费的计算 — one request's fee under one method, line by line.

    ``before`` is what was already counted ahead of this request (the
    applicant's earlier items this month for 按件计收; always 0 for 按量计收,
    which counts each request alone); ``quantity`` is this request's items or
    pages. ``amount`` is the fee the standard gives; ``amount_due`` is what the
    applicant pays — 0 once the agency waived it (``waiver_reason``).
    """

    method: FeeMethod
    before: int
    quantity: int
    lines: tuple[FeeLine, ...]
    waiver_reason: str | None = None

    def __post_init__(self) -> None:
        if self.waiver_reason is not None and not self.waiver_reason.strip():
            raise ValueError("a waiver needs a reason")

    @property
    def amount(self) -> int:
        """The fee under the standard, in yuan."""
        return sum(line.subtotal for line in self.lines)

    @property
    def waived(self) -> bool:
        return self.waiver_reason is not None

    @property
    def amount_due(self) -> int:
        """What the applicant pays, in yuan."""
        return 0 if self.waived else self.amount

    def describe(self) -> str:
        """The fee paragraph of the 收费通知书: basis, standard, computation, amount."""
        schedule = SCHEDULES[self.method]
        unit = schedule.unit
        span = _span(self.before + 1, self.before + self.quantity, unit)
        if self.method is FeeMethod.PER_ITEM:
            earlier = f"此前已累计申请{self.before}件" if self.before else "此前未申请"
            counted = f"本自然月内{earlier}，本次申请{self.quantity}件（{span}）"
        else:
            counted = f"本次申请提供信息共{self.quantity}页"
        computation = "；".join(line.text for line in self.lines)
        if self.amount == 0:
            outcome = "按上述标准，本次申请不收取信息处理费。"
        elif self.waived:
            outcome = (
                f"按上述标准计算信息处理费为{_yuan(self.amount)}，"
                f"本机关决定免收，理由：{self.waiver_reason}。"
            )
        else:
            outcome = f"应缴纳信息处理费{_yuan(self.amount)}。"
        return (
            f"依据{self.method.basis}，{schedule.label}信息处理费。"
            f"收费标准：{schedule.standard_text()}。"
            f"{counted}，计算如下：{computation}。{outcome}"
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method.value,
            "method_label": self.method.label,
            "basis": self.method.basis,
            "unit": SCHEDULES[self.method].unit,
            "before": self.before,
            "quantity": self.quantity,
            "lines": [line.to_dict() for line in self.lines],
            "amount": self.amount,
            "waived": self.waived,
            "waiver_reason": self.waiver_reason,
            "amount_due": self.amount_due,
            "description": self.describe(),
        }


def fee_per_item(items_before: int, items_now: int) -> FeeComputation:
    """按件计收 (办法第四条): the fee for ``items_now`` new items.

    ``items_before`` is the applicant's items earlier in the same calendar month
    (:func:`items_this_month`); only the new items are charged, each at the band
    its place in the month falls in.
    """
    _check_count("items_before", items_before, minimum=0)
    _check_count("items_now", items_now, minimum=1, why="a request is at least one item")
    return _compute(PER_ITEM_SCHEDULE, items_before, items_now)


def fee_per_volume(pages: int) -> FeeComputation:
    """按量计收 (办法第五条): the fee for one request that provides ``pages`` pages."""
    _check_count("pages", pages, minimum=1, why="a request charged by volume provides a page")
    return _compute(PER_VOLUME_SCHEDULE, 0, pages)


def compute_fee(
    method: FeeMethod | str,
    *,
    items_before: int | None = None,
    items_now: int | None = None,
    pages: int | None = None,
) -> FeeComputation:
    """The fee of one request by the method the agency chose (办法第三条: one, never both).

    按件计收 takes ``items_before`` (default 0) and ``items_now``; 按量计收 takes
    ``pages``. Giving the other method's counts is an error rather than ignored:
    it means the caller meant to charge both.
    """
    method = FeeMethod(method)
    if method is FeeMethod.PER_ITEM:
        if pages is not None:
            raise ValueError("按件计收 takes no pages: one method per request (办法第三条)")
        if items_now is None:
            raise ValueError("按件计收 needs items_now")
        return fee_per_item(items_before or 0, items_now)
    if items_before is not None or items_now is not None:
        raise ValueError("按量计收 takes no item counts: one method per request (办法第三条)")
    if pages is None:
        raise ValueError("按量计收 needs pages")
    return fee_per_volume(pages)


def waive(computation: FeeComputation, reason: str) -> FeeComputation:
    """The computation with its fee waived (免收) by the agency for ``reason``.

    The standard's amount and lines stay, so the notice and the annual report
    can show what was waived.
    """
    if computation.waived:
        raise ValueError("the fee is already waived")
    if computation.amount == 0:
        raise ValueError("nothing to waive: the fee is 0")
    return replace(computation, waiver_reason=reason.strip())


def items_this_month(history: Iterable[tuple[date, int]], received: date) -> int:
    """The applicant's items in the calendar month of ``received``, up to that day.

    ``history`` is the applicant's earlier requests as (received date, items),
    without the new request itself. Requests received the same day count as
    earlier: within a day the register's order decides, and the caller passes
    only the requests ahead of the new one. Later days are not counted — a
    request entered late does not raise the fee of one received before it.
    """
    total = 0
    for when, items in history:
        _check_count("items", items, minimum=0)
        if (when.year, when.month) == (received.year, received.month) and when <= received:
            total += items
    return total


def _compute(schedule: FeeSchedule, before: int, quantity: int) -> FeeComputation:
    """Split units ``before+1``..``before+quantity`` across the schedule's bands."""
    start, end = before + 1, before + quantity
    lines = []
    for first, last, price in _bands_up_to(schedule, end):
        low, high = max(first, start), min(last, end)
        if low <= high:
            lines.append(FeeLine(low, high, price, schedule.unit))
    return FeeComputation(schedule.method, before, quantity, tuple(lines))


def _bands_up_to(schedule: FeeSchedule, end: int) -> Iterator[tuple[int, int, int]]:
    """The schedule's bands as closed ranges (first, last, price), as far as unit ``end``.

    An escalating band is unrolled into its steps; an open-ended band stops at ``end``.
    """
    for band in schedule.bands:
        if band.first > end:
            return
        if band.last is not None:
            yield band.first, band.last, band.unit_price
        elif band.every:
            first, price = band.first, band.unit_price
            while first <= end:
                yield first, first + band.every - 1, price
                first, price = first + band.every, price + band.rise
        else:
            yield band.first, end, band.unit_price


def _check_count(name: str, value: int, *, minimum: int, why: str = "") -> None:
    # bool is an int to Python, and a float page count is a bug upstream: both
    # would otherwise slip through into a notice.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < minimum:
        reason = f" ({why})" if why else ""
        bound = "negative" if minimum == 0 else f"less than {minimum}"
        raise ValueError(f"{name} must not be {bound}{reason}, got {value}")


def _span(first: int, last: int, unit: str) -> str:
    """第11–30件, or 第31件 for a single unit."""
    return f"第{first}{unit}" if first == last else f"第{first}–{last}{unit}"


def _yuan(amount: int) -> str:
    """2,000元 — thousands separated as in the notice."""
    return f"{amount:,}元"
