"""The sign-off rules (保密审查制度 第八条): levels in order, overrides, finality."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.codes import Attribute, Reason
from engine.review import (
    Action,
    Level,
    Position,
    ReviewError,
    SignOff,
    parse_levels,
    review_state,
)

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PROACTIVE = Position(Attribute.PROACTIVE)
PROCESS = Position(Attribute.WITHHELD, Reason.PROCESS_INFO)


def confirm(level: Level, position: Position = PROACTIVE) -> SignOff:
    return SignOff(level, f"{level.value}-name", AT, Action.CONFIRM, position)


def override(level: Level, position: Position, note: str = "含过程性内容") -> SignOff:
    return SignOff(level, f"{level.value}-name", AT, Action.OVERRIDE, position, note)


def test_three_levels_in_order_make_the_decision_final() -> None:
    state = review_state(PROACTIVE, [confirm(Level.DRAFTER), confirm(Level.REVIEWER)])
    assert not state.final and state.next_level is Level.APPROVER
    assert state.current == PROACTIVE  # still the proposal

    state = review_state(PROACTIVE, [*map(confirm, Level)])
    assert state.final and state.last_final == PROACTIVE and state.current == PROACTIVE


def test_a_level_cannot_sign_before_the_one_below() -> None:
    with pytest.raises(ReviewError, match="审查 \\(reviewer\\) signs before 批准"):
        review_state(PROACTIVE, [confirm(Level.DRAFTER), confirm(Level.APPROVER)])


def test_an_override_changes_the_position_and_overrules_lower_levels() -> None:
    state = review_state(PROACTIVE, [confirm(Level.DRAFTER), override(Level.REVIEWER, PROCESS)])
    assert state.position == PROCESS and state.signed == (Level.DRAFTER, Level.REVIEWER)
    assert state.current == PROACTIVE, "not final yet: the proposal still stands"
    state = review_state(
        PROACTIVE,
        [
            confirm(Level.DRAFTER),
            override(Level.REVIEWER, PROCESS),
            confirm(Level.APPROVER, PROCESS),
        ],
    )
    assert state.final and state.current == PROCESS


def test_an_override_after_a_final_decision_reopens_it() -> None:
    history = [*map(confirm, Level), override(Level.DRAFTER, PROCESS)]
    state = review_state(PROACTIVE, history)
    assert not state.final and state.last_final == PROACTIVE
    assert state.next_level is Level.REVIEWER


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([confirm(Level.DRAFTER, PROCESS)], "use override"),
        ([confirm(Level.DRAFTER), confirm(Level.DRAFTER)], "already signed"),
        ([override(Level.DRAFTER, PROCESS, note=" ")], "needs a reason"),
        ([override(Level.DRAFTER, PROACTIVE)], "already 主动公开"),
        ([*map(confirm, Level), confirm(Level.APPROVER)], "already final"),
    ],
)
def test_sign_offs_the_rules_refuse(history: list[SignOff], message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        review_state(PROACTIVE, history)


def test_nothing_to_confirm_without_a_proposal() -> None:
    with pytest.raises(ReviewError, match="no proposal"):
        review_state(None, [confirm(Level.DRAFTER)])


def test_required_levels_are_configuration() -> None:
    required = parse_levels("approver, drafter")
    assert required == (Level.APPROVER, Level.DRAFTER)
    state = review_state(PROACTIVE, [confirm(Level.DRAFTER), confirm(Level.APPROVER)], required)
    assert state.final
    with pytest.raises(ReviewError, match="not required"):
        review_state(PROACTIVE, [confirm(Level.REVIEWER)], required)
    with pytest.raises(ReviewError, match="unknown sign-off level"):
        parse_levels("drafter,boss")


def test_withheld_needs_a_reason_to_be_signed_and_only_withheld_has_one() -> None:
    open_reason = Position(Attribute.WITHHELD)  # a 不予公开 marking that gives no reason
    with pytest.raises(ReviewError, match="must state its reason"):
        review_state(open_reason, [confirm(Level.DRAFTER, open_reason)])
    state = review_state(open_reason, [override(Level.DRAFTER, PROCESS)])
    assert state.position == PROCESS
    with pytest.raises(ReviewError, match="only for 不予公开"):
        Position(Attribute.PROACTIVE, Reason.PROCESS_INFO)


def reopen(level: Level, position: Position, note: str = "动态调整建议 1") -> SignOff:
    return SignOff(level, f"{level.value}-name", AT, Action.REOPEN, position, note)


def test_a_reopen_starts_a_new_round_and_the_decision_stays_in_force() -> None:
    decided = [*map(confirm, Level)]
    state = review_state(PROACTIVE, [*decided, reopen(Level.DRAFTER, PROCESS)])
    assert not state.final and state.signed == () and state.next_level is Level.DRAFTER
    assert (state.position, state.last_final, state.current) == (PROCESS, PROACTIVE, PROACTIVE)
    assert state.reopened is not None and state.reopened.note == "动态调整建议 1"
    # the signatures before the reopen do not count toward the new decision
    with pytest.raises(ReviewError, match="signs before"):
        review_state(
            PROACTIVE, [*decided, reopen(Level.DRAFTER, PROACTIVE), confirm(Level.APPROVER)]
        )
    round_two = [reopen(Level.DRAFTER, PROCESS), *(confirm(level, PROCESS) for level in Level)]
    state = review_state(PROACTIVE, [*decided, *round_two])
    assert state.final and state.current == PROCESS and state.reopened == round_two[0]
    assert [signature.action for signature in state.signatures] == [Action.CONFIRM] * 3


def test_a_reopened_position_may_be_overridden_like_any_other() -> None:
    history = [*map(confirm, Level), reopen(Level.DRAFTER, PROACTIVE)]
    state = review_state(PROACTIVE, [*history, override(Level.REVIEWER, PROCESS)])
    assert state.position == PROCESS and state.signed == (Level.DRAFTER, Level.REVIEWER)
    assert state.current == PROACTIVE and state.reopened == history[-1]


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ([reopen(Level.DRAFTER, PROACTIVE)], "still under review"),
        ([confirm(Level.DRAFTER), reopen(Level.DRAFTER, PROACTIVE)], "still under review"),
        ([*map(confirm, Level), reopen(Level.DRAFTER, PROACTIVE, note=" ")], "needs a reason"),
        ([*map(confirm, Level), reopen(Level.DRAFTER, Position(Attribute.WITHHELD))], "reason"),
        (
            [*map(confirm, Level), reopen(Level.DRAFTER, PROCESS), reopen(Level.DRAFTER, PROCESS)],
            "still under review",
        ),
    ],
)
def test_reopens_the_rules_refuse(history: list[SignOff], message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        review_state(PROACTIVE, history)


def test_a_reopen_is_recorded_at_a_required_level() -> None:
    required = parse_levels("reviewer,approver")
    decided = [confirm(Level.REVIEWER), confirm(Level.APPROVER)]
    with pytest.raises(ReviewError, match="not required"):
        review_state(PROACTIVE, [*decided, reopen(Level.DRAFTER, PROCESS)], required)
    state = review_state(PROACTIVE, [*decided, reopen(Level.REVIEWER, PROCESS)], required)
    assert state.next_level is Level.REVIEWER and Action.REOPEN.label == "重新审查"
