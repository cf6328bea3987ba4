"""信息处理费 (办法第四条 按件, 第五条 按量): every band boundary, by hand-computed amounts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from itertools import pairwise

import pytest

from engine.fees import (
    SCHEDULES,
    FeeMethod,
    compute_fee,
    fee_per_item,
    fee_per_volume,
    items_this_month,
    waive,
)

# 按件: the month's total items -> the month's fee, worked out by hand from 第四条.
ITEMS_MONTH_TOTAL = [
    (10, 0),  # 1–10 free
    (11, 100),  # + the 11th at 100
    (30, 2_000),  # 20 × 100
    (31, 2_200),  # + the 31st at 200
    (40, 4_000),  # 2,000 + 10 × 200
    (41, 4_300),  # + the 41st at 300
    (50, 7_000),  # 4,000 + 10 × 300
    (51, 7_400),  # + the 51st at 400
]

# 按件: the price of the n-th item of the month, on either side of each boundary.
ITEM_PRICE = [(10, 0), (11, 100), (30, 100), (31, 200), (40, 200), (41, 300), (50, 300), (51, 400)]

# 按量: a request's pages -> its fee, worked out by hand from 第五条.
PAGES = [
    (1, 0),
    (30, 0),  # up to 30 free
    (31, 10),  # + the 31st at 10
    (100, 700),  # 70 × 10
    (101, 720),  # + the 101st at 20
    (200, 2_700),  # 700 + 100 × 20
    (201, 2_740),  # + the 201st at 40
    (250, 4_700),  # 2,700 + 50 × 40
]


def marginal_price(method: FeeMethod, nth: int) -> int:
    """What the n-th unit (item of the month, page of the request) adds to the fee."""
    if method is FeeMethod.PER_ITEM:
        return fee_per_item(nth - 1, 1).amount
    return fee_per_volume(nth).amount - (fee_per_volume(nth - 1).amount if nth > 1 else 0)


@pytest.mark.parametrize(("items", "amount"), ITEMS_MONTH_TOTAL)
def test_per_item_fee_of_the_months_first_request(items: int, amount: int) -> None:
    assert fee_per_item(0, items).amount == amount


@pytest.mark.parametrize(("nth", "price"), ITEM_PRICE)
def test_per_item_one_more_item_costs_its_bands_price(nth: int, price: int) -> None:
    assert fee_per_item(nth - 1, 1).amount == price


@pytest.mark.parametrize(("pages", "amount"), PAGES)
def test_per_volume_fee(pages: int, amount: int) -> None:
    assert fee_per_volume(pages).amount == amount


def test_a_request_straddling_two_bands_is_charged_in_both() -> None:
    fee = fee_per_item(items_before=25, items_now=10)  # items 26–35 of the month
    assert fee.amount == 5 * 100 + 5 * 200 == 1_500
    assert [(line.first, line.last, line.count, line.unit_price) for line in fee.lines] == [
        (26, 30, 5, 100),
        (31, 35, 5, 200),
    ]
    assert [line.subtotal for line in fee.lines] == [500, 1_000]


def test_a_large_month_climbs_the_open_ended_bands() -> None:
    # 95 items: 0 + 20×100 + 10×200 + 10×300 + … + 10×700 + 5×800
    assert (
        fee_per_item(0, 95).amount == 2_000 + 2_000 + 3_000 + 4_000 + 5_000 + 6_000 + 7_000 + 4_000
    )
    late = fee_per_item(80, 15)  # items 81–95: 10 × 700 + 5 × 800
    assert late.amount == 11_000
    assert late.lines[-1].unit_price == 800


@pytest.mark.parametrize("split", [1, 9, 10, 11, 29, 30, 31, 45, 94])
def test_splitting_a_month_into_requests_does_not_change_its_total(split: int) -> None:
    # Progressive per month: what the applicant pays over the month depends on
    # the month's items, not on how they were grouped into requests.
    first, second = fee_per_item(0, split), fee_per_item(split, 95 - split)
    assert first.amount + second.amount == fee_per_item(0, 95).amount


def test_the_lines_read_as_in_the_fee_notice() -> None:
    assert [line.text for line in fee_per_item(0, 31).lines] == [
        "第1–10件：10件，不收费",
        "第11–30件：20件 × 100元 = 2,000元",
        "第31件：1件 × 200元 = 200元",
    ]
    assert [line.text for line in fee_per_volume(101).lines] == [
        "第1–30页：30页，不收费",
        "第31–100页：70页 × 10元 = 700元",
        "第101页：1页 × 20元 = 20元",
    ]


def test_describe_states_basis_standard_computation_and_amount() -> None:
    assert fee_per_item(25, 10).describe() == (
        "依据《政府信息公开信息处理费管理办法》第四条，按件计收信息处理费。"
        "收费标准：同一申请人一个自然月内累计申请的件数中，第1–10件不收费；"
        "第11–30件每件100元；第31件起以10件为一档，第31–40件每件200元，"
        "此后每档每件提高100元。"
        "本自然月内此前已累计申请25件，本次申请10件（第26–35件），计算如下："
        "第26–30件：5件 × 100元 = 500元；第31–35件：5件 × 200元 = 1,000元。"
        "应缴纳信息处理费1,500元。"
    )
    volume = fee_per_volume(250).describe()
    assert volume.startswith("依据《政府信息公开信息处理费管理办法》第五条，按量计收信息处理费。")
    assert "第101–200页每页20元；第201页起每页40元。" in volume
    assert "本次申请提供信息共250页" in volume
    assert volume.endswith("应缴纳信息处理费4,700元。")


def test_describe_a_free_request() -> None:
    text = fee_per_item(0, 3).describe()
    assert "本自然月内此前未申请，本次申请3件（第1–3件）" in text
    assert text.endswith("第1–3件：3件，不收费。按上述标准，本次申请不收取信息处理费。")


def test_to_dict_is_json_ready() -> None:
    data = fee_per_item(9, 3).to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert {k: v for k, v in data.items() if k not in ("lines", "description")} == {
        "method": "per_item",
        "method_label": "按件计收",
        "basis": "《政府信息公开信息处理费管理办法》第四条",
        "unit": "件",
        "before": 9,
        "quantity": 3,
        "amount": 200,
        "waived": False,
        "waiver_reason": None,
        "amount_due": 200,
    }
    assert data["lines"] == [
        {
            "first": 10,
            "last": 10,
            "count": 1,
            "unit_price": 0,
            "subtotal": 0,
            "text": "第10件：1件，不收费",
        },
        {
            "first": 11,
            "last": 12,
            "count": 2,
            "unit_price": 100,
            "subtotal": 200,
            "text": "第11–12件：2件 × 100元 = 200元",
        },
    ]


def test_compute_fee_applies_the_chosen_method_only() -> None:
    assert compute_fee(FeeMethod.PER_ITEM, items_before=25, items_now=10).amount == 1_500
    assert compute_fee("per_item", items_now=11).amount == 100
    assert compute_fee(FeeMethod.PER_VOLUME, pages=101).amount == 720
    with pytest.raises(ValueError, match="第三条"):
        compute_fee(FeeMethod.PER_ITEM, items_now=11, pages=40)
    with pytest.raises(ValueError, match="第三条"):
        compute_fee(FeeMethod.PER_VOLUME, items_now=11, pages=40)
    with pytest.raises(ValueError, match="needs items_now"):
        compute_fee(FeeMethod.PER_ITEM, items_before=3)
    with pytest.raises(ValueError, match="needs pages"):
        compute_fee(FeeMethod.PER_VOLUME)
    with pytest.raises(ValueError, match="per_page"):
        compute_fee("per_page", pages=3)


def test_items_this_month_counts_the_same_calendar_month_up_to_the_day() -> None:
    history = [
        (date(2026, 1, 31), 6),  # the month before: not counted
        (date(2026, 2, 1), 4),
        (date(2026, 2, 14), 3),
        (date(2026, 2, 15), 2),  # same day, ahead in the register: counted
        (date(2026, 2, 20), 5),  # received after the new request: not counted
        (date(2026, 3, 1), 7),  # the month after
        (date(2025, 2, 10), 9),  # February, but a year earlier
    ]
    assert items_this_month(history, date(2026, 2, 15)) == 4 + 3 + 2
    assert items_this_month(history, date(2026, 1, 31)) == 6
    assert items_this_month(history, date(2026, 3, 1)) == 7
    assert items_this_month([], date(2026, 2, 15)) == 0


def test_a_new_month_starts_free_again() -> None:
    history = [(date(2026, 1, 10), 20), (date(2026, 1, 30), 15)]
    assert fee_per_item(items_this_month(history, date(2026, 1, 31)), 1).amount == 200
    assert fee_per_item(items_this_month(history, date(2026, 2, 1)), 1).amount == 0


def test_a_waived_fee_keeps_the_standards_amount_and_records_why() -> None:
    fee = waive(fee_per_item(25, 10), "  申请人确有经济困难  ")
    assert fee.waived
    assert fee.waiver_reason == "申请人确有经济困难"
    assert (fee.amount, fee.amount_due) == (1_500, 0)
    assert len(fee.lines) == 2
    assert fee.describe().endswith(
        "按上述标准计算信息处理费为1,500元，本机关决定免收，理由：申请人确有经济困难。"
    )
    data = fee.to_dict()
    assert (data["waived"], data["waiver_reason"], data["amount"], data["amount_due"]) == (
        True,
        "申请人确有经济困难",
        1_500,
        0,
    )
    charged = fee_per_item(25, 10)
    assert (charged.waived, charged.amount_due) == (False, 1_500)


def test_waiving_needs_a_reason_and_something_to_waive() -> None:
    with pytest.raises(ValueError, match="reason"):
        waive(fee_per_volume(40), "   ")
    with pytest.raises(ValueError, match="already waived"):
        waive(waive(fee_per_volume(40), "经济困难"), "again")
    with pytest.raises(ValueError, match="nothing to waive"):
        waive(fee_per_volume(30), "经济困难")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: fee_per_item(-1, 5), "items_before must not be negative"),
        (lambda: fee_per_item(0, 0), "items_now must not be less than 1"),
        (lambda: fee_per_item(3, -2), "items_now must not be less than 1"),
        (lambda: fee_per_volume(0), "pages must not be less than 1"),
        (lambda: fee_per_volume(-5), "pages must not be less than 1"),
        (lambda: items_this_month([(date(2026, 2, 1), -1)], date(2026, 2, 2)), "negative"),
    ],
)
def test_bad_counts_are_refused_with_a_clear_message(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("pages", [12.5, True, "40"])
def test_counts_must_be_whole_numbers(pages: object) -> None:
    with pytest.raises(TypeError, match="whole number"):
        fee_per_volume(pages)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", list(FeeMethod))
def test_the_band_tables_are_contiguous_increasing_and_open_ended(method: FeeMethod) -> None:
    schedule = SCHEDULES[method]
    assert schedule.method is method
    bands = schedule.bands
    assert bands[0].first == 1
    assert bands[0].unit_price == 0  # every standard starts with a free allowance
    for before, after in pairwise(bands):
        assert before.last is not None, "only the last band may be open-ended"
        assert before.first <= before.last
        assert after.first == before.last + 1, "bands must leave no gap and not overlap"
        assert after.unit_price > before.unit_price, "超额累进: each band costs more"
    assert bands[-1].last is None, "the last band must be open-ended"
    # The engine charges each band's price at both of its ends (for the
    # open-ended band: its first 10 units, or its first step when it escalates).
    for band in bands:
        last = band.last if band.last is not None else band.first + (band.every or 10) - 1
        assert marginal_price(method, band.first) == band.unit_price
        assert marginal_price(method, last) == band.unit_price
        if band.every:
            assert marginal_price(method, last + 1) == band.unit_price + band.rise


def test_the_per_item_tail_rises_100_every_10_items() -> None:
    # 第四条: from the 31st item, bands of 10, each 100 yuan per item more.
    for step in range(20):
        first = 31 + 10 * step
        price = 200 + 100 * step
        assert marginal_price(FeeMethod.PER_ITEM, first) == price
        assert marginal_price(FeeMethod.PER_ITEM, first + 9) == price  # the band's last item
    assert SCHEDULES[FeeMethod.PER_VOLUME].bands[-1].rise == 0  # 第五条: flat 40 from 201


def test_methods_name_their_article() -> None:
    assert (FeeMethod.PER_ITEM.label, FeeMethod.PER_ITEM.basis) == (
        "按件计收",
        "《政府信息公开信息处理费管理办法》第四条",
    )
    assert (FeeMethod.PER_VOLUME.label, FeeMethod.PER_VOLUME.basis) == (
        "按量计收",
        "《政府信息公开信息处理费管理办法》第五条",
    )
