"""``gongkai rules``: which filed documents are 规章 or 行政规范性文件, and when each was repealed.

The annual report's table 二 counts them (made, repealed, in force); the
register cannot tell a rule from a notice by itself, so the clerk marks them.
Every mark is an audit event on the document: its validity history.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select

from engine.cli_requests import DEFAULT_USER, ByOption, parse_day
from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.register.audit import audit
from engine.register.models import Document
from engine.report import RuleKind

rules_app = typer.Typer(
    help="规章 and 行政规范性文件: mark them and their repeal (the annual report's table 二).",
    no_args_is_help=True,
)


def _view(document: Document) -> dict[str, object]:
    return {
        "id": document.id,
        "title": document.title,
        "doc_number": document.doc_number,
        "issue_date": document.issue_date.isoformat() if document.issue_date else None,
        "rule_kind": document.rule_kind,
        "repealed_on": document.repealed_on.isoformat() if document.repealed_on else None,
    }


@rules_app.command("mark")
def rules_mark(
    doc_id: int,
    kind: Annotated[
        RuleKind | None, typer.Option(help="regulation (规章) or normative (行政规范性文件).")
    ] = None,
    repealed: Annotated[str | None, typer.Option(help="The day it was repealed (废止).")] = None,
    issued: Annotated[
        str | None, typer.Option(help="Its 成文日期, where the register could not read it.")
    ] = None,
    clear: Annotated[bool, typer.Option(help="It is not a rule after all.")] = False,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Mark a document as a rule, record its repeal (or its 成文日期), or clear the mark."""
    if clear == (kind is not None or repealed is not None or issued is not None):
        raise fail("give --kind, --issued and/or --repealed, or --clear alone")
    with open_archive() as archive, archive.sessions.begin() as session:
        document = session.get(Document, doc_id)
        if document is None:
            raise fail(f"no document {doc_id} in the archive")
        if clear:
            document.rule_kind, document.repealed_on = None, None
        else:
            if kind is not None:
                document.rule_kind = kind.value
            if document.rule_kind is None:
                raise fail(f"document {doc_id} is not marked as a rule: give --kind too")
            if issued is not None:
                document.issue_date = parse_day(issued, "--issued")
            if repealed is not None:
                day = parse_day(repealed, "--repealed")
                if document.issue_date and day < document.issue_date:
                    raise fail(f"repealed on {day}, before it was issued ({document.issue_date})")
                document.repealed_on = day
        view = _view(document)
        subject = document.doc_number or document.title or str(doc_id)
        detail = {"rule_kind": view["rule_kind"], "repealed_on": view["repealed_on"]}
        audit(session, by, "rule.mark", subject, detail, document_id=doc_id)
    if as_json:
        print_json(view)
    else:
        state = f"repealed {view['repealed_on']}" if view["repealed_on"] else "in force"
        out.print(f"document {doc_id}: {view['rule_kind'] or 'not a rule'} ({state})")


@rules_app.command("list")
def rules_list(as_json: JsonOption = False) -> None:
    """The documents marked as rules, in force first."""
    with open_archive() as archive, archive.sessions() as session:
        query = select(Document).where(Document.rule_kind.is_not(None))
        documents = session.scalars(query.order_by(Document.issue_date, Document.id))
        views = sorted((_view(d) for d in documents), key=lambda v: v["repealed_on"] is not None)
    if as_json:
        print_json(views)
        return
    table = Table("id", "kind", "文号", "title", "issued", "repealed")
    for view in views:
        table.add_row(
            str(view["id"]),
            RuleKind(str(view["rule_kind"])).label,
            str(view["doc_number"] or ""),
            str(view["title"] or ""),
            str(view["issue_date"] or ""),
            str(view["repealed_on"] or ""),
        )
    out.print(table)
