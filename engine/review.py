"""Review and sign-off of a document's 公开属性 (pure).

The seeds' 保密审查制度 第八条: the drafter proposes (拟定意见), the division head
reviews (分管负责人审查), the principal approves (主要负责人批准). Which levels an
agency requires is configuration. A decision is final once every required level
has signed the same position, in order; an override sets a new position and
counts as the overriding level's signature (and overrules the levels below it).
A decided document may be reopened (重新审查 — the seeds' 动态调整制度 第三、四条:
withheld information is re-assessed and disclosed once circumstances change): the
reopen names who, when and why, and starts a new round; signatures before it do
not count toward the new decision, and the decision in force stays until the
levels sign the next one. Every step is kept: the state is computed from the
whole history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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
        return _RANKS[self]


_RANKS = {level: rank for rank, level in enumerate(Level)}  # read on every replayed step


class Action(StrEnum):
    CONFIRM = "confirm"  # 同意 the position under review
    OVERRIDE = "override"  # 改为 another attribute/reason
    REOPEN = "reopen"  # 重新审查 a final decision: a new round on the position given

    @property
    def label(self) -> str:
        return {"confirm": "同意", "override": "改定", "reopen": "重新审查"}[self.value]


ALL_LEVELS: tuple[Level, ...] = tuple(Level)


class ReviewError(ValueError):
    """A sign-off that the rules do not allow; the message says why.

    ``field`` names what the signer must change (attribute, reason, note), so a
    form can show the message beside it; None when the step itself is refused.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


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
            raise ReviewError(
                f"只有不予公开才写理由 (a reason is given only for 不予公开, "
                f"not {self.attribute.label})",
                "reason",
            )

    @property
    def label(self) -> str:
        return self.attribute.label + (f"（{self.reason.label}）" if self.reason else "")


@dataclass(frozen=True)
class SignOff:
    """One step of the history: a signature (confirm, override) or a reopen, which is
    recorded at a level too (the reopening signer's; the desks use the lowest required)."""

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
    signatures: tuple[SignOff, ...] = ()  # what each of ``signed`` rests on, in step
    reopened: SignOff | None = None  # the reopen that started this round (None: the first)

    def signature_of(self, level: Level) -> SignOff | None:
        """The signature that counts for ``level`` (an override counts for the levels below)."""
        return dict(zip(self.signed, self.signatures, strict=True)).get(level)

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


def _signed_after(state: ReviewState, signoff: SignOff) -> ReviewState:
    if signoff.action is Action.REOPEN:  # a new round: nobody has signed its position yet
        return ReviewState(
            state.proposal, signoff.position, (), state.required, state.last_final, (), signoff
        )
    if signoff.action is Action.OVERRIDE:
        overruled = tuple(lv for lv in state.required if lv.rank <= signoff.level.rank)
        signed, signatures = overruled, (signoff,) * len(overruled)
    else:
        signed, signatures = (*state.signed, signoff.level), (*state.signatures, signoff)
    after = ReviewState(
        state.proposal,
        signoff.position,
        signed,
        state.required,
        state.last_final,
        signatures,
        state.reopened,
    )
    if after.final:
        return replace(after, last_final=signoff.position)
    return after


def check(state: ReviewState, signoff: SignOff) -> None:
    """Raise :class:`ReviewError` unless ``signoff`` may follow ``state``."""
    level = signoff.level
    if signoff.position.attribute is Attribute.WITHHELD and signoff.position.reason is None:
        raise ReviewError(
            "不予公开须写明理由（保密审查制度 第四条），请改定并选择理由 "
            "(不予公开 must state its reason: override with the reason)",
            "reason",
        )
    if level not in state.required:
        required = "、".join(lv.value for lv in state.required)
        raise ReviewError(
            f"本机关不设{level.label}签批 "
            f"(level {level.value} is not required here (required: {required}))"
        )
    if signoff.action is Action.REOPEN:
        if not state.final:
            raise ReviewError(
                "尚未签批完毕，无需重新审查 (only a final decision is reopened: "
                "this document is still under review)"
            )
        if not (signoff.note or "").strip():
            raise ReviewError("重新审查须写明理由 (a reopen needs a reason: --note)", "note")
        return
    if signoff.action is Action.OVERRIDE:
        if not (signoff.note or "").strip():
            raise ReviewError("改定须写明理由 (an override needs a reason: --note)", "note")
        if signoff.position == state.position:
            raise ReviewError(
                f"审核中的意见已是{signoff.position.label}，无需改定 "
                f"(the position under review is already {signoff.position.label})",
                "attribute",
            )
        return
    if state.position is None:
        raise ReviewError("尚无意见可同意 (nothing to confirm: the document has no proposal yet)")
    if signoff.position != state.position:
        raise ReviewError(
            f"审核中的意见是{state.position.label}，不是{signoff.position.label} "
            f"(confirming {signoff.position.label}, but {state.position.label} is under "
            "review; use override to change it)"
        )
    if state.final:
        raise ReviewError(f"已签批完毕：{state.position.label} (already final)")
    if level in state.signed:
        raise ReviewError(
            f"{level.label}已签过此意见 ({level.label} ({level.value}) has already signed "
            "this position)"
        )
    if state.next_level is not level and state.next_level is not None:
        nxt = state.next_level
        raise ReviewError(
            f"须先由{nxt.label}签批 ({nxt.label} ({nxt.value}) signs before {level.label} "
            f"({level.value}))"
        )


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
        state = _signed_after(state, signoff)
    return state


def parse_levels(text: str) -> tuple[Level, ...]:
    """``drafter,reviewer,approver`` -> the levels (configuration)."""
    try:
        return tuple(Level(part.strip()) for part in text.split(",") if part.strip())
    except ValueError as error:
        message = f"unknown sign-off level in {text!r}: use drafter, reviewer, approver"
        raise ReviewError(message) from error
