"""``gongkai user`` (web desk accounts) and ``gongkai audit`` (who did what)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from engine.cli_requests import DEFAULT_USER, ByOption, parse_day
from engine.cliutil import JsonOption, fail, open_archive, out, print_json
from engine.register.audit import audit_trail
from engine.user_store import add_user, list_accounts, set_active, set_password, set_role
from engine.users import Role, UserError

user_app = typer.Typer(help="Web desk accounts: add, list, password, role, disable.")

NameArgument = Annotated[str, typer.Argument(help="The login name.")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin (scripts).")
]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True))


def _change(action: str, change: Callable[[Session], object]) -> None:
    """Run one account change in a transaction; a refusal is a clear error."""
    with open_archive() as archive:
        try:
            with archive.sessions.begin() as session:
                change(session)
        except UserError as error:
            raise fail(str(error)) from error
    out.print(action, highlight=False)


@user_app.command("add")
def user_add(
    name: NameArgument,
    role: Annotated[Role, typer.Option(help="clerk, reviewer, approver or admin.")],
    password_stdin: PasswordStdin = False,
    by: ByOption = DEFAULT_USER,
) -> None:
    """Add an account (the password is prompted for, or read with --password-stdin)."""
    password = _read_password(password_stdin)
    _change(
        f"user {name} added as {role.value} ({role.label})",
        lambda session: add_user(session, name, role, password, by=by),
    )


@user_app.command("passwd")
def user_passwd(
    name: NameArgument, password_stdin: PasswordStdin = False, by: ByOption = DEFAULT_USER
) -> None:
    """Set a new password."""
    password = _read_password(password_stdin)
    _change(f"password of {name} changed", lambda s: set_password(s, name, password, by=by))


@user_app.command("role")
def user_role(
    name: NameArgument,
    role: Annotated[Role, typer.Argument(help="clerk, reviewer, approver or admin.")],
    by: ByOption = DEFAULT_USER,
) -> None:
    """Give an account another role."""
    _change(f"{name} is now {role.value} ({role.label})", lambda s: set_role(s, name, role, by=by))


@user_app.command("disable")
def user_disable(name: NameArgument, by: ByOption = DEFAULT_USER) -> None:
    """Stop an account from logging in (its history stays)."""
    _change(f"{name} disabled", lambda s: set_active(s, name, False, by=by))


@user_app.command("enable")
def user_enable(name: NameArgument, by: ByOption = DEFAULT_USER) -> None:
    """Let a disabled account log in again."""
    _change(f"{name} enabled", lambda s: set_active(s, name, True, by=by))


@user_app.command("list")
def user_list(as_json: JsonOption = False) -> None:
    """Every account with its role."""
    with open_archive() as archive, archive.sessions() as session:
        accounts = list_accounts(session)
    if as_json:
        print_json([{"name": a.name, "role": a.role.value, "active": a.active} for a in accounts])
        return
    table = Table("用户", "角色", "状态")
    for account in accounts:
        table.add_row(account.name, account.role.label, "启用" if account.active else "停用")
    out.print(table)


def audit_command(
    document: Annotated[int | None, typer.Option(help="Only this document's events.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only what this user did.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action and its sub-actions, e.g. view.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="YYYY-MM-DD: from this day on.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 200,
    as_json: JsonOption = False,
) -> None:
    """The audit log, newest first: who did what to what, and when."""
    start = parse_day(since, "--since") if since else None
    with open_archive() as archive, archive.sessions() as session:
        rows = audit_trail(
            session, document_id=document, actor=actor, action=action, since=start, limit=limit
        )
    if as_json:
        print_json(rows)
        return
    table = Table("时间", "用户", "动作", "文件", "对象")
    for row in rows:
        table.add_row(
            str(row["at"]),
            str(row["actor"]),
            str(row["action"]),
            str(row["document_id"] or ""),
            str(row["subject"]),
        )
    out.print(table)
