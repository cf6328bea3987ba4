"""审核: the review queue, a document's proposal with its evidence marked in the text,
and sign-off at the viewer's own level (拟定意见 → 审查 → 批准).

The sign-off itself is :func:`engine.signoff.sign_document`, as ``gongkai review``
calls it; this module reads the form, checks the signer's level against their role
and shows the result. Marking text is a pure function over escaped parts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from engine.archive import Archive, document_detail
from engine.classify import HINTS, RULES, RedactionKind
from engine.classify.rules import chinese_number
from engine.codes import Attribute, Reason
from engine.review import Action, Level, Position, ReviewError
from engine.signoff import (
    UnknownDocument,
    pending_count,
    queue_view,
    review_view,
    sign_document,
)
from engine.web.common import (
    NOTICE,
    ArchiveDep,
    Viewer,
    ViewerDep,
    is_htmx,
    page,
    refuse,
    reveal_text,
)
from indexer import IndexLocked

router = APIRouter()

_Code = TypeVar("_Code", bound=StrEnum)


# --- marking text (pure) ------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Characters ``text[start:end]`` to mark: ``kind`` is the mark's class, ``title`` its tip."""

    start: int
    end: int
    kind: str
    title: str


def highlight(text: str, spans: Iterable[Span]) -> Markup:
    """``text`` escaped, each span wrapped in ``<mark class="KIND" title="…">``.

    Only the marks are markup; everything between and inside them is escaped.
    Overlapping spans are cut at their edges so marks never nest: a stretch under
    two spans is one mark with both classes. Spans outside the text are ignored.
    """
    valid = [s for s in spans if 0 <= s.start < s.end <= len(text)]
    edges = sorted({0, len(text), *(s.start for s in valid), *(s.end for s in valid)})
    parts: list[Markup] = []
    for start, end in pairwise(edges):
        covering = [s for s in valid if s.start <= start and end <= s.end]
        piece = escape(text[start:end])
        if not covering:
            parts.append(piece)
            continue
        kinds = " ".join(dict.fromkeys(s.kind for s in covering))
        titles = "；".join(dict.fromkeys(s.title for s in covering))
        parts.append(Markup('<mark class="{}" title="{}">{}</mark>').format(kinds, titles, piece))
    return Markup("").join(parts)


def _outcome_of_rule() -> dict[str, str]:
    labels = {"secrecy_marking": "密级标志", "marking": "公开属性附注"}
    for rule in RULES:
        detail = rule.reason.label if rule.reason else ""
        if rule.item is not None:
            detail = f"第二十条第（{chinese_number(rule.item)}）项"
        labels[rule.name] = rule.attribute.label + (f"（{detail}）" if detail else "")
    for hint in HINTS:
        labels[hint.name] = "需人工审核的提示"
    return labels


RULE_LABELS = _outcome_of_rule()


def evidence_label(rule: str) -> str:
    """What a piece of evidence points to, in the clerk's words (the rule's name if unknown)."""
    return RULE_LABELS.get(rule, rule)


def proposal_spans(text: str, proposal: Mapping[str, object]) -> list[Span]:
    """The evidence and the suggested redactions of a proposal (its ``details``) as spans.

    Evidence whose offsets no longer match the text (it was read again since) is
    found by its words instead; evidence with no words (a marking stated only in
    the metadata) has nothing to mark.
    """
    spans = []
    for item in _items(proposal, "evidence"):
        words, start = str(item.get("text") or ""), int(item.get("start") or 0)
        if words and text[start : start + len(words)] != words:
            start = text.find(words)
        if words and start >= 0:
            title = f"{evidence_label(str(item.get('rule')))}（{item.get('rule')}）"
            spans.append(Span(start, start + len(words), "evidence", title))
    for item in _items(proposal, "redactions"):
        label = f"建议遮盖：{_redaction_label(str(item.get('kind')))}"
        spans.append(Span(int(item.get("start") or 0), int(item.get("end") or 0), "redact", label))
    return spans


def _items(proposal: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    items = proposal.get(key)
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _redaction_label(kind: str) -> str:
    try:
        return RedactionKind(kind).label
    except ValueError:
        return kind


def evidence_list(proposal: Mapping[str, object]) -> list[dict[str, str]]:
    """The evidence as the page lists it: what it points to, its rule, its words."""
    return [
        {
            "label": evidence_label(str(item.get("rule"))),
            "rule": str(item.get("rule")),
            "text": str(item.get("text") or ""),
        }
        for item in _items(proposal, "evidence")
    ]


def redaction_counts(proposal: Mapping[str, object]) -> list[tuple[str, int]]:
    """How many spans of each kind of personal data the proposal suggests hiding."""
    counts: dict[str, int] = {}
    for item in _items(proposal, "redactions"):
        label = _redaction_label(str(item.get("kind")))
        counts[label] = counts.get(label, 0) + 1
    return list(counts.items())


# --- reading a document's text -----------------------------------------------------------


# --- pages ------------------------------------------------------------------------------


@router.get("/review")
def queue(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Documents awaiting sign-off, those flagged for review first."""
    with archive.sessions() as session:
        rows = queue_view(session, archive.settings.signoff_levels, limit=limit)
        pending = pending_count(session)
    context = {"rows": rows, "limit": limit, "pending": pending}
    return page(request, "review_queue.html", context, viewer=viewer)


@router.get("/review/{doc_id}")
def review(request: Request, archive: ArchiveDep, viewer: ViewerDep, doc_id: int) -> Response:
    """The proposal with its evidence marked in the text, the state, the history, the form."""
    notice = request.session.pop(NOTICE, None)
    return _answer(request, archive, viewer, doc_id, notice=notice)


@router.post("/review/{doc_id}/confirm")
def confirm(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    doc_id: int,
    level: Annotated[str, Form()] = "",
) -> Response:
    """Sign the position under review at the viewer's level."""
    signing = _signing_level(viewer, level)
    return _sign(request, archive, viewer, doc_id, signing, Action.CONFIRM, None, None, {})


@router.post("/review/{doc_id}/override")
def override(
    request: Request,
    archive: ArchiveDep,
    viewer: ViewerDep,
    doc_id: int,
    attribute: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    level: Annotated[str, Form()] = "",
) -> Response:
    """Change the position under review (and its reason); counts as the viewer's signature."""
    signing = _signing_level(viewer, level)
    form = {"attribute": attribute, "reason": reason, "note": note}
    errors: dict[str, str] = {}
    chosen = _code(Attribute, attribute, "attribute", "请选择公开属性", errors)
    cause = _code(Reason, reason, "reason", "不予公开的理由有误", errors) if reason else None
    if chosen is None or errors:
        return _answer(request, archive, viewer, doc_id, form=form, errors=errors, status=400)
    try:
        position = Position(chosen, cause)
    except ReviewError as error:
        errors[error.field or "form"] = str(error)
        return _answer(request, archive, viewer, doc_id, form=form, errors=errors, status=400)
    return _sign(
        request, archive, viewer, doc_id, signing, Action.OVERRIDE, position, note.strip(), form
    )


def _signing_level(viewer: Viewer, posted: str) -> Level:
    """The viewer's own level; a post naming any other level is refused, never re-read."""
    level = viewer.signing_level
    if level is None:
        raise refuse(f"{viewer.role.label}不参与签批 (this role signs nothing)")
    if posted and posted != level.value:
        raise refuse(
            f"您只能以{level.label}身份签批 (you sign at your own level only: {level.value})"
        )
    return level


def _code(
    enum: type[_Code], value: str, field: str, message: str, errors: dict[str, str]
) -> _Code | None:
    try:
        return enum(value)
    except ValueError:
        errors[field] = message
        return None


def _sign(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    doc_id: int,
    level: Level,
    action: Action,
    position: Position | None,
    note: str | None,
    form: Mapping[str, str],
) -> Response:
    try:
        with archive.sessions.begin() as session:
            state = sign_document(
                session,
                doc_id,
                by=viewer.name,
                level=level,
                action=action,
                required=archive.settings.signoff_levels,
                position=position,
                note=note,
            )
    except UnknownDocument as error:
        raise refuse(str(error), 404) from None
    except ReviewError as error:
        errors = {error.field or "form": str(error)}
        return _answer(request, archive, viewer, doc_id, form=form, errors=errors, status=400)
    signed = state.position.label if state.position else ""
    after = "审核完毕" if state.final else f"待{state.next_level.label}" if state.next_level else ""
    notice = f"已以{level.label}身份签批：{signed}；{after}"
    try:  # searchable by its new attribute at once
        archive.search_index().sync()
    except IndexLocked:
        notice += "（检索索引正忙，稍后自动更新）"
    if is_htmx(request):
        return _answer(request, archive, viewer, doc_id, notice=notice)
    request.session[NOTICE] = notice
    return RedirectResponse(f"/review/{doc_id}", status_code=303)


def _answer(
    request: Request,
    archive: Archive,
    viewer: Viewer,
    doc_id: int,
    *,
    notice: str | None = None,
    form: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The review page, or for htmx only its sign-off panel (which shows no text)."""
    panel = is_htmx(request)
    with archive.sessions.begin() as session:
        view = review_view(session, doc_id, archive.settings.signoff_levels)
        document = document_detail(session, archive.settings.home, doc_id)
        if view is None or document is None:
            raise refuse(f"没有编号为 {doc_id} 的文件 (no such document)", 404)
        readable = False if panel else reveal_text(session, viewer, document)
    # Once decided 主动公开, the clerk sees the 20 working days running (条例第二十六条).
    clock = archive.publications().document_view(doc_id)["clock"]
    proposals: Sequence[Mapping[str, object]] = view["proposals"]  # type: ignore[assignment]
    proposal = proposals[-1] if proposals else {}
    text = str(document["text"] or "")
    context = {
        "doc": document,
        "review": view,
        "state": view["state"],
        "proposal": proposal,
        "evidence": evidence_list(proposal),
        "redactions": redaction_counts(proposal),
        "readable": readable,
        "text_html": highlight(text, proposal_spans(text, proposal)) if readable else None,
        "level": viewer.signing_level,
        "form": {"attribute": "", "reason": "", "note": "", **(form or {})},
        "errors": dict(errors or {}),
        "notice": notice,
        "clock": clock,
    }
    template = "review_panel.html" if panel else "review.html"
    return page(request, template, context, viewer=viewer, status=status)
