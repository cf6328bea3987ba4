"""Review and sign-off of a document's 公开属性 (pure).

The seeds' 保密审查制度 第八条: the drafter proposes (拟定意见), the division head
reviews (分管负责人审查), the principal approves (主要负责人批准). Which levels an
agency requires is configuration. A decision is final once every required level
has signed the same position, in order; an override sets a new position and
counts as the overriding level's signature (and overrules the levels below it).
Every step is kept: the state is computed from the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from engine.codes import Attribute, Reason


class Level(StrEnum):
    """签批层级 — sign-off levels, lowest first."""

    DRAFTER = "drafter"
    REVIEWER = "reviewer"
    APPROVER = "approver"

    @property
    def label(self) -> str:
        return {"drafter": "拟定意见", "reviewer": "审查", "approver": "批准"}[self.value]

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Action(StrEnum):
    CONFIRM = "confirm"  # 同意 the position under review
    OVERRIDE = "override"  # 改为 another attribute/reason


ALL_LEVELS: tuple[Level, ...] = tuple(Level)


class ReviewError(ValueError):
    """A sign-off that the rules do not allow; the message says why."""


@dataclass(frozen=True)
class Position:
    """What is proposed or decided: the attribute and, when withheld, the reason.

    A proposal may be 不予公开 with its reason still open (a marking that gives
    none); a signature may not (:func:`check`).
    """

    attribute: Attribute
    reason: Reason | None = None

    def __post_init__(self) -> None:
        if self.attribute is not Attribute.WITHHELD and self.reason is not None:
            raise ReviewError(f"a reason is given only for 不予公开, not {self.attribute.label}")

    @property
    def label(self) -> str:
        return self.attribute.label + (f"（{self.reason.label}）" if self.reason else "")


@dataclass(frozen=True)
class SignOff:
    level: Level
    by: str
    at: datetime
    action: Action
    position: Position
    note: str | None = None


@dataclass(frozen=True)
class ReviewState:
    proposal: Position | None
    position: Position | None  # the position now under review
    signed: tuple[Level, ...]  # required levels that have signed it
    required: tuple[Level, ...]
    last_final: Position | None  # the latest position every required level signed

    @property
    def final(self) -> bool:
        return self.position is not None and all(level in self.signed for level in self.required)

    @property
    def next_level(self) -> Level | None:
        return next((level for level in self.required if level not in self.signed), None)

    @property
    def current(self) -> Position | None:
        """The document's attribute: the latest final decision, else the proposal."""
        return self.last_final or self.proposal


def _signed_after(state: ReviewState, signoff: SignOff) -> tuple[Position, tuple[Level, ...]]:
    if signoff.action is Action.OVERRIDE:
        overruled = tuple(lv for lv in state.required if lv.rank <= signoff.level.rank)
        return signoff.position, overruled
    return signoff.position, (*state.signed, signoff.level)


def check(state: ReviewState, signoff: SignOff) -> None:
    """Raise :class:`ReviewError` unless ``signoff`` may follow ``state``."""
    level = signoff.level
    if signoff.position.attribute is Attribute.WITHHELD and signoff.position.reason is None:
        raise ReviewError(
            "不予公开 must state its reason (保密审查制度 第四条): override with the reason"
        )
    if level not in state.required:
        required = "、".join(lv.value for lv in state.required)
        raise ReviewError(f"level {level.value} is not required here (required: {required})")
    if signoff.action is Action.OVERRIDE:
        if not (signoff.note or "").strip():
            raise ReviewError("an override needs a reason (--note)")
        if signoff.position == state.position:
            raise ReviewError(f"the position under review is already {signoff.position.label}")
        return
    if state.position is None:
        raise ReviewError("nothing to confirm: the document has no proposal yet")
    if signoff.position != state.position:
        raise ReviewError(
            f"confirming {signoff.position.label}, but {state.position.label} is under review; "
            "use override to change it"
        )
    if state.final:
        raise ReviewError(f"already final: {state.position.label}")
    if level in state.signed:
        raise ReviewError(f"{level.label} ({level.value}) has already signed this position")
    if state.next_level is not level and state.next_level is not None:
        nxt = state.next_level
        raise ReviewError(f"{nxt.label} ({nxt.value}) signs before {level.label} ({level.value})")


def review_state(
    proposal: Position | None,
    signoffs: Sequence[SignOff],
    required: Sequence[Level] = ALL_LEVELS,
) -> ReviewState:
    """The state after ``signoffs`` (oldest first), each checked against the rules."""
    order = tuple(sorted(set(required), key=lambda lv: lv.rank))
    if not order:
        raise ReviewError("at least one sign-off level must be required")
    state = ReviewState(proposal, proposal, (), order, None)
    for signoff in signoffs:
        check(state, signoff)
        position, signed = _signed_after(state, signoff)
        state = ReviewState(proposal, position, signed, order, state.last_final)
        if state.final:
            state = ReviewState(proposal, position, signed, order, position)
    return state


def parse_levels(text: str) -> tuple[Level, ...]:
    """``drafter,reviewer,approver`` -> the levels (configuration)."""
    try:
        return tuple(Level(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as error:
        message = f"unknown sign-off level in {text!r}: use drafter, reviewer, approver"
        raise ReviewError(message) from error
