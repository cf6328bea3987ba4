"""``gongkai classify`` and ``gongkai review``: proposals, sign-off, re-review dates."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select

from engine.classify import (
    NotEnoughData,
    classify,
    review_due,
    save_model,
    train_model,
)
from engine.cliutil import JsonOption, err, fail, open_archive, out, print_json
from engine.codes import Attribute, Reason
from engine.extract import ExtractionError, extract
from engine.metadata import DocumentMetadata, parse_metadata
from engine.register.models import Document, SignOff
from engine.review import Action, Level, Position, ReviewError
from engine.signoff import queue_view, review_view, sign_document, state_view
from indexer import IndexLocked

review_app = typer.Typer(
    help="The review queue and sign-off (拟定意见 → 审查 → 批准).", no_args_is_help=True
)

ByOption = Annotated[str, typer.Option("--by", help="Who signs (name).")]
LevelOption = Annotated[
    Level, typer.Option("--level", help="drafter (拟定意见), reviewer (审查), approver (批准).")
]


def classify_command(
    file: Annotated[Path | None, typer.Argument(help="A document to classify.")] = None,
    train: Annotated[
        bool, typer.Option("--train", help="Fit a model on the decisions staff confirmed.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Classify a file without filing it, or (--train) learn from staff decisions."""
    if train:
        _train(as_json)
        return
    if file is None:
        raise fail("give a FILE to classify, or --train")
    try:
        text = extract(file).text
    except (ExtractionError, OSError) as error:
        raise fail(f"{file}: {error}") from error
    metadata = parse_metadata(text)
    with open_archive() as archive:
        result = classify(text, metadata, archive.pipeline.model)
    data = {**result.to_dict(), "metadata": metadata.to_dict()}
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{result.attribute.label}[/] {result.reason.label if result.reason else ''}")
    out.print(f"依据: {result.basis or '—'}  置信度: {result.confidence:.2f}", highlight=False)
    if result.needs_review:
        out.print("[yellow]需人工审核[/]")
    for evidence in result.evidence:
        out.print(f"  {evidence.rule}: 「{evidence.text}」", highlight=False)
    for redaction in result.redactions:
        out.print(f"  需遮盖 {redaction.kind}: {text[redaction.start : redaction.end]}")


def _train(as_json: bool) -> None:
    with open_archive() as archive, archive.sessions() as session:
        decided = session.execute(
            select(Document.text, Document.attribute, Document.reason).where(
                Document.review_status == "final"
            )
        ).all()
        samples = [
            (text, Attribute(attribute), Reason(reason) if reason else None)
            for text, attribute, reason in decided
        ]
        try:
            model = train_model(samples)
        except NotEnoughData as error:
            raise fail(f"{error}; the rules work alone until then") from error
        path = archive.settings.model_path
        path.parent.mkdir(parents=True, exist_ok=True)
        save_model(model, path)
    report = {
        "samples": model.n_samples,
        "cv_accuracy": round(model.cv_accuracy, 4),
        "folds": model.folds,
        "model": str(path),
    }
    if as_json:
        print_json(report)
    else:
        out.print(
            f"trained on {model.n_samples} confirmed decisions: cross-validated accuracy "
            f"{model.cv_accuracy:.1%} ({model.folds} folds); saved to {path}",
            highlight=False,
        )


@review_app.command("list")
def review_list(
    limit: Annotated[int, typer.Option(min=1)] = 50, as_json: JsonOption = False
) -> None:
    """Documents awaiting sign-off, those flagged for review first."""
    with open_archive() as archive, archive.sessions() as session:
        rows = queue_view(session, archive.settings.signoff_levels, limit=limit)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "标题", "建议", "置信度", "待签", "需审核")
    for row in rows:
        position = row["position"]  # under review (a reopened document's new question)
        table.add_row(
            str(row["id"]),
            str(row["title"] or ""),
            str(position["label"]) if isinstance(position, dict) else "",
            f"{row['confidence']:.2f}" if row["confidence"] is not None else "",
            str(row["next_level"] or ""),
            "是" if row["needs_review"] else "",
        )
    out.print(table)


@review_app.command("show")
def review_show(doc_id: int, as_json: JsonOption = False) -> None:
    """A document's proposal with its evidence, and every proposal and signature so far."""
    with open_archive() as archive, archive.sessions() as session:
        view = review_view(session, doc_id, archive.settings.signoff_levels)
    if view is None:
        raise fail(f"no document with id {doc_id}")
    if as_json:
        print_json(view)
        return
    state: dict[str, Any] = view["state"]  # type: ignore[assignment]
    out.print(f"[bold]document {doc_id}[/] {view['title'] or ''}", highlight=False)
    position = state["position"]["label"] if state["position"] else "—"
    out.print(f"  under review: {position}; final: {'是' if state['final'] else '否'}")
    for proposal in view["proposals"]:  # type: ignore[attr-defined]
        out.print(f"  {proposal['at']} 建议 {proposal['attribute_label']} {proposal['basis']}")
        for evidence in proposal["evidence"]:
            out.print(f"      {evidence['rule']}: 「{evidence['text']}」", highlight=False)
    for signoff in view["signoffs"]:  # type: ignore[attr-defined]
        out.print(
            f"  {signoff['at']} {signoff['by']} ({signoff['level']}) {signoff['action']} "
            f"{signoff['attribute']} {signoff['reason'] or ''} {signoff['note'] or ''}",
            highlight=False,
        )


def _record(
    doc_id: int,
    level: Level,
    by: str,
    action: Action,
    position: Position | None,
    note: str | None,
    as_json: bool,
) -> None:
    with open_archive() as archive:
        try:
            with archive.sessions.begin() as session:
                state = sign_document(
                    session,
                    doc_id,
                    by=by,
                    level=level,
                    action=action,
                    required=archive.settings.signoff_levels,
                    position=position,
                    note=note,
                )
        except ReviewError as error:
            raise fail(str(error)) from error
        try:  # searchable by its new attribute at once
            archive.search_index().sync()
        except IndexLocked:
            err.print("the search index is busy; it takes the decision in at its next sync")
    view = {"id": doc_id, **state_view(state)}
    if as_json:
        print_json(view)
    else:
        done = "final" if state.final else f"next: {view['next_level']}"
        signed = state.position.label if state.position else ""
        out.print(f"document {doc_id}: {signed} signed by {by} ({level.label}); {done}")


@review_app.command("confirm")
def review_confirm(
    doc_id: int, by: ByOption, level: LevelOption, as_json: JsonOption = False
) -> None:
    """Sign the position under review at your level."""
    _record(doc_id, level, by, Action.CONFIRM, None, None, as_json)


@review_app.command("override")
def review_override(
    doc_id: int,
    by: ByOption,
    level: LevelOption,
    attribute: Annotated[Attribute, typer.Option(help="proactive, on_request, withheld.")],
    note: Annotated[str, typer.Option(help="Why (kept in the history).")],
    reason: Annotated[Reason | None, typer.Option(help="For withheld: the reason code.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change the attribute (and reason) under review; counts as your level's signature."""
    try:
        position = Position(attribute, reason)
    except ReviewError as error:
        raise fail(str(error)) from error
    _record(doc_id, level, by, Action.OVERRIDE, position, note, as_json)


@review_app.command("due")
def review_due_command(
    today: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    within: Annotated[int, typer.Option(min=0, help="Days ahead to list.")] = 31,
    as_json: JsonOption = False,
) -> None:
    """不予公开 documents due for their quarterly re-review or whose 保密期限 ends."""
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError as error:
        raise fail(f"--today: {error}") from error
    rows = []
    with open_archive() as archive, archive.sessions() as session:
        withheld = session.scalars(
            select(Document).where(Document.attribute == Attribute.WITHHELD.value)
        ).all()
        for document in withheld:
            decided = session.scalar(
                select(SignOff.at)
                .where(SignOff.document_id == document.id)
                .order_by(SignOff.id.desc())
                .limit(1)
            )
            since = (decided or document.ingested_at).date()
            metadata = DocumentMetadata.from_dict(document.fields)
            reason = Reason(document.reason) if document.reason else None
            due = review_due(Attribute.WITHHELD, reason, since, metadata, day)
            if due is not None and due.due <= day + timedelta(days=within):
                rows.append(
                    {
                        "id": document.id,
                        "title": document.title,
                        "reason": document.reason,
                        "due": due.due.isoformat(),
                        "cause": due.cause.value,
                        "overdue": due.overdue,
                    }
                )
    rows.sort(key=lambda row: str(row["due"]))
    if as_json:
        print_json(rows)
        return
    table = Table("id", "标题", "理由", "复核期限", "原因", "逾期")
    for row in rows:
        table.add_row(
            str(row["id"]),
            str(row["title"] or ""),
            str(row["reason"] or ""),
            str(row["due"]),
            str(row["cause"]),
            "是" if row["overdue"] else "",
        )
    out.print(table)
