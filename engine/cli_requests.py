"""``gongkai request`` and ``gongkai templates``: disclosure requests from arrival to reply."""

from __future__ import annotations

import getpass
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.codes import ThirdPartyKind
from engine.corrections import correction_samples
from engine.deadlines import USER_FILE_NAME, load_calendar
from engine.fees import FeeMethod
from engine.guide import guide_samples
from engine.letter_store import letter_view
from engine.letters import TemplateError, Templates, check_templates, request_samples
from engine.office import OfficeError
from engine.outcomes import NoticeKind
from engine.register.models import Letter
from engine.report import TEMPLATE as REPORT_TEMPLATE
from engine.report import AppealKind, AppealResult
from engine.report import sample_context as sample_report_context
from engine.request_store import RequestDesk
from engine.requests import (
    Event,
    RequestError,
    Step,
    appeal_of,
    consultation,
    consultation_reply,
    correction_notice,
    decision_of,
    document_ids,
    extension,
    new_request,
    optional_day,
    payment,
    withheld_parts,
)
from engine.requests import parse_day as read_day

request_app = typer.Typer(
    help="Disclosure requests (依申请公开): register, clock, decide, letters.",
    no_args_is_help=True,
)
templates_app = typer.Typer(help="The letter templates.", no_args_is_help=True)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "clerk"


ByOption = Annotated[
    str, typer.Option("--by", envvar="GONGKAI_USER", help="Who did it (default: $GONGKAI_USER).")
]
DEFAULT_USER = _os_user()
Day = Annotated[str, typer.Option(help="YYYY-MM-DD.")]
OptionalDay = Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")]


def parse_day(value: str, what: str) -> date:
    """A date from YYYY-MM-DD; an impossible one (2026-02-30) is a clear error."""
    try:
        return read_day(value, what)
    except RequestError as error:
        raise fail(str(error)) from None


def day_or_today(value: str | None, what: str) -> date:
    return parse_day(value, what) if value else date.today()


@contextmanager
def _desk() -> Iterator[RequestDesk]:
    with open_archive() as archive:
        try:
            yield archive.requests()
        except (RequestError, OfficeError, TemplateError) as error:
            raise fail(str(error)) from error


def show_view(
    view: dict[str, object], as_json: bool, line: Callable[[dict[str, object]], str]
) -> None:
    if as_json:
        print_json(view)
    else:
        out.print(line(view), highlight=False)


def _summary(view: dict[str, object]) -> str:
    due = view["due"] or "—（待补正）"
    text = f"{view['number']}  {view['status_label']}  收到 {view['received']}  答复期限 {due}"
    if view["outcome"]:
        text += f"  结果 {view['outcome']}（{view['decided_on']}）"
    for warning in view["warnings"]:  # type: ignore[attr-defined]
        text += f"\n  ! {warning}"
    return text


@request_app.command("add")
def request_add(
    applicant: Annotated[str, typer.Option(help="The applicant's name (申请人).")],
    applicant_kind: Annotated[
        str,
        typer.Option(
            help="natural_person, commercial, research, public_interest, legal_service, other_org."
        ),
    ],
    channel: Annotated[
        str, typer.Option(help="in_person, registered_post, post, online, fax, email.")
    ],
    received: Annotated[
        str, typer.Option(help="The day of receipt under 第三十一条 (YYYY-MM-DD).")
    ],
    content: Annotated[str, typer.Option(help="The information asked for, as asked.")],
    contact: Annotated[str, typer.Option(help="Address, telephone, e-mail.")] = "",
    id_number: Annotated[str, typer.Option(help="Identity document number, where given.")] = "",
    form: Annotated[str, typer.Option(help="paper, electronic, email, inspection, any.")] = "any",
    items: Annotated[int, typer.Option(help="Items it counts for (一事一申请).")] = 1,
    topic: Annotated[str, typer.Option(help="A short topic, for the annual report.")] = "",
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Register a request as it arrives; prints its number and reply deadline."""
    with _desk() as desk:
        new = new_request(
            applicant=applicant,
            applicant_kind=applicant_kind,
            channel=channel,
            received=received,
            content=content,
            today=desk.today(),
            contact=contact,
            id_number=id_number,
            form=form,
            items=items,
            topic=topic,
        )
        view = desk.add(new, by)
    show_view(view, as_json, _summary)


@request_app.command("list")
def request_list(
    due_within: Annotated[
        int | None, typer.Option(min=0, help="Open requests due within N working days.")
    ] = None,
    overdue: Annotated[bool, typer.Option(help="Open requests past their deadline.")] = False,
    status: Annotated[
        str | None,
        typer.Option(help="open, awaiting_correction, consulting, awaiting_fee, decided."),
    ] = None,
    year: Annotated[int | None, typer.Option(help="Requests numbered in this year.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    as_json: JsonOption = False,
) -> None:
    """The register, or (--due-within, --overdue) the dashboard of what is due."""
    with _desk() as desk:
        views = desk.list(
            due_within=due_within, overdue=overdue, status_filter=status, year=year, limit=limit
        )
    if as_json:
        print_json(views)
        return
    table = Table("number", "applicant", "received", "status", "due", "left", "outcome")
    for view in views:
        left = view["working_days_left"]
        colour = {"overdue": "red", "due_soon": "yellow"}.get(str(view["standing"]), "")
        table.add_row(
            str(view["number"]),
            str(view["applicant"]),
            str(view["received"]),
            str(view["status_label"]),
            f"[{colour}]{view['due'] or '—'}[/]" if colour else str(view["due"] or "—"),
            "" if left is None else str(left),
            str(view["outcome"] or ""),
        )
    out.print(table)


@request_app.command("show")
def request_show(number: str, as_json: JsonOption = False) -> None:
    """A request with its events, deadline computation, documents and letters."""
    with _desk() as desk:
        view = desk.show(number)
    if as_json:
        print_json(view)
        return
    out.print(_summary(view), highlight=False)
    out.print(f"  {view['applicant']}（{view['applicant_kind']}）：{view['content']}")
    for line in view["explanation"]:  # type: ignore[attr-defined]
        out.print(f"  {line}", highlight=False)
    for event in view["events"]:  # type: ignore[attr-defined]
        summary = f"  {event['summary']}" if event["summary"] else ""
        out.print(f"  {event['on']}  {event['label']}  {event['by']}{summary}", highlight=False)
    for letter in view["letters"]:  # type: ignore[attr-defined]
        out.print(f"  {letter['letter_number']} v{letter['version']}  {letter['path']}")


def _record(number: str, event: Event, as_json: bool) -> None:
    with _desk() as desk:
        view = desk.record(number, event)
    show_view(view, as_json, _summary)


@request_app.command("supplement")
def request_supplement(
    number: str,
    ask: Annotated[
        str | None, typer.Option(help="补正告知: what the applicant must supplement.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="With --ask: the last day to supplement (YYYY-MM-DD).")
    ] = None,
    arrived: Annotated[
        str | None, typer.Option(help="收到补正: the day the supplement arrived (YYYY-MM-DD).")
    ] = None,
    on: OptionalDay = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """补正: send the 补正告知 (--ask, within 7 working days), or record its arrival (--arrived)."""
    if (ask is None) == (arrived is None):
        raise fail("give --ask TEXT (send the 补正告知) or --arrived DATE (the 补正 came)")
    if ask is not None:
        sent = day_or_today(on, "--on")
        try:
            event = correction_notice(sent, by, ask, optional_day(until, "--until"))
        except RequestError as error:
            raise fail(str(error)) from None
        _record(number, event, as_json)
    else:
        assert arrived is not None
        _record(
            number, Event(Step.CORRECTION_RECEIVED, parse_day(arrived, "--arrived"), by), as_json
        )


@request_app.command("extend")
def request_extend(
    number: str,
    days: Annotated[int, typer.Option(help="Working days, at most 20 (第三十三条).")],
    approver: Annotated[str, typer.Option(help="The head of the disclosure office who approved.")],
    reason: Annotated[str, typer.Option(help="Why, as told to the applicant.")],
    on: OptionalDay = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """延期答复: the one extension, approved and told to the applicant."""
    _record(number, extension(day_or_today(on, "--on"), by, days, approver, reason), as_json)


@request_app.command("consult")
def request_consult(
    number: str,
    party: Annotated[str, typer.Option(help="The third party or agency consulted.")],
    sent: Annotated[
        str | None, typer.Option(help="The day the letter reached it (YYYY-MM-DD).")
    ] = None,
    replied: Annotated[str | None, typer.Option(help="The day its opinion came.")] = None,
    opinion: Annotated[str, typer.Option(help="With --replied: what it said.")] = "",
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """征求意见 (第三十二条): consult a third party (--sent) or record its answer (--replied)."""
    if (sent is None) == (replied is None):
        raise fail("give --sent DATE (the consultation) or --replied DATE (its answer)")
    if sent is not None:
        event = consultation(parse_day(sent, "--sent"), by, party)
    else:
        assert replied is not None
        event = consultation_reply(parse_day(replied, "--replied"), by, party, opinion)
    _record(number, event, as_json)


@request_app.command("fee")
def request_fee(
    number: str,
    method: Annotated[
        FeeMethod | None, typer.Option(help="per_item (按件) or per_volume (按量): send a notice.")
    ] = None,
    pages: Annotated[int | None, typer.Option(help="per_volume: the pages provided.")] = None,
    sent: Annotated[
        str | None, typer.Option(help="The day the notice reached the applicant.")
    ] = None,
    paid: Annotated[str | None, typer.Option(help="The day the fee was paid (YYYY-MM-DD).")] = None,
    amount: Annotated[int | None, typer.Option(help="With --paid: yuan received.")] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """信息处理费: send the 收费通知 (--method) or record the payment (--paid)."""
    if (method is None) == (paid is None):
        raise fail("give --method (send a fee notice) or --paid DATE (record the payment)")
    if method is not None:
        with _desk() as desk:
            view = desk.fee_notice(
                number, method, sent=day_or_today(sent, "--sent"), by=by, pages=pages
            )
        show_view(view, as_json, _summary)
        return
    assert paid is not None
    _record(number, payment(parse_day(paid, "--paid"), by, amount), as_json)


@request_app.command("link")
def request_link(
    number: str,
    documents: Annotated[str, typer.Option(help="Document ids, comma-separated.")],
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Link archive documents found for the request."""
    with _desk() as desk:
        view = desk.link(number, document_ids(documents), by)
    show_view(view, as_json, _summary)


@request_app.command("decide")
def request_decide(
    number: str,
    outcome: Annotated[
        str, typer.Option(help="An outcome code (design.md), e.g. withheld.process_info.")
    ],
    by: ByOption = DEFAULT_USER,
    on: OptionalDay = None,
    documents: Annotated[str, typer.Option(help="Ids of the documents provided.")] = "",
    reason_text: Annotated[
        str, typer.Option(help="The reason in words (the letter prints it).")
    ] = "",
    withheld: Annotated[
        list[str] | None, typer.Option(help="partly_granted: PART=REASON, once per part.")
    ] = None,
    third_party_kind: Annotated[
        ThirdPartyKind | None, typer.Option(help="withheld.third_party_rights: which right.")
    ] = None,
    competent_agency: Annotated[
        str, typer.Option(help="unavailable.not_held: the agency that holds it.")
    ] = "",
    competent_contact: Annotated[str, typer.Option(help="Its address or telephone.")] = "",
    published_where: Annotated[
        str, typer.Option(help="granted: where it is already published (第三十六条第一项).")
    ] = "",
    how: Annotated[str, typer.Option(help="granted: how it is provided.")] = "",
    as_json: JsonOption = False,
) -> None:
    """作出答复决定: the outcome, its reasons and the documents provided."""
    day = day_or_today(on, "--on")
    with _desk() as desk:
        decision = decision_of(
            outcome,
            day,
            by,
            reason_text=reason_text,
            withheld=withheld_parts(withheld or []),
            third_party_kind=third_party_kind,
            competent_agency=competent_agency,
            competent_contact=competent_contact,
            published_where=published_where,
            how=how,
            documents=document_ids(documents),
        )
        view = desk.decide(number, decision)
    show_view(view, as_json, _summary)


@request_app.command("appeal")
def request_appeal(
    number: str,
    kind: Annotated[
        AppealKind,
        typer.Option(
            help="reconsideration (行政复议), litigation_direct, litigation_after_reconsideration."
        ),
    ],
    filed: Annotated[str, typer.Option(help="The day the case was filed (YYYY-MM-DD).")],
    result: Annotated[
        AppealResult | None, typer.Option(help="Once closed: upheld, corrected or other.")
    ] = None,
    closed: Annotated[str | None, typer.Option(help="The day it closed (YYYY-MM-DD).")] = None,
    note: Annotated[str, typer.Option(help="Case number, body, remarks.")] = "",
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """行政复议 / 行政诉讼 over a request: record it when filed, again with its result."""
    with _desk() as desk:
        appeal = appeal_of(
            kind, read_day(filed, "--filed"), result, optional_day(closed, "--closed")
        )
        view = desk.appeal(number, appeal, by, note)
    show_view(view, as_json, _summary)


@request_app.command("letter")
def request_letter(
    number: str,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to put a copy (.docx).")],
    kind: Annotated[
        str, typer.Option(help="reply, or a notice: " + ", ".join(NoticeKind) + ".")
    ] = "reply",
    party: Annotated[str, typer.Option(help="third_party: which consultation.")] = "",
    letter_date: Annotated[
        str | None, typer.Option("--date", help="The letter's date (default: today).")
    ] = None,
    by: ByOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Print the reply letter or a notice as .docx, ready for the seal (kept in the archive)."""
    day = day_or_today(letter_date, "--date")
    with _desk() as desk:
        letter = desk.letter(number, kind, by=by, letter_date=day, party=party)
        deliver_letter(desk.home, letter, number, output, as_json)


def deliver_letter(home: Path, letter: Letter, number: str, output: Path, as_json: bool) -> None:
    """Copy a filed letter to where the clerk asked for it, and say what was filed."""
    output.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(home / letter.path, output)
    view = {"number": number, **letter_view(letter), "output": str(output)}
    show_view(view, as_json, lambda v: f"{v['letter_number']} (v{v['version']}) -> {v['output']}")


@templates_app.command("check")
def templates_check(as_json: JsonOption = False) -> None:
    """Render every template with sample data: fail on a missing file, unknown tag, split tag."""
    with open_archive() as archive:
        home = archive.settings.home
    templates = Templates(office=home / "templates")
    calendar = load_calendar(home / USER_FILE_NAME)
    samples = [
        *request_samples(calendar),
        *correction_samples(),
        (REPORT_TEMPLATE, sample_report_context()),
        *guide_samples(),
    ]
    problems = check_templates(templates, samples)
    if as_json:
        print_json(
            {
                "checked": len(samples),
                "problems": [{"template": p.template, "message": p.message} for p in problems],
            }
        )
    else:
        for problem in problems:
            out.print(f"[red]✗[/] {problem.template}: {problem.message}", highlight=False)
        out.print(f"{len(samples)} templates checked, {len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)
