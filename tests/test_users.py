"""Accounts: argon2 hashes, roles, the ``gongkai user`` and ``gongkai audit`` commands."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from engine.archive import Archive
from engine.cli import app
from engine.config import Settings
from engine.register.models import User
from engine.user_store import add_user, authenticate, set_active, set_password, set_role
from engine.users import Role, UserError
from tests.conftest import invoke_json

PASSWORD = "long enough password"


def test_passwords_are_kept_as_argon2_hashes_only(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()  # the production parameters, not the tests' cheap ones
    with archive.sessions.begin() as session:
        add_user(session, "王芳", Role.CLERK, PASSWORD, by="admin")
    with archive.sessions() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and PASSWORD not in stored


def test_authenticate(archive: Archive) -> None:
    with archive.sessions.begin() as session:
        add_user(session, "王芳", Role.REVIEWER, PASSWORD, by="admin")
    with archive.sessions.begin() as session:
        account = authenticate(session, "王芳", PASSWORD)
        assert account is not None and account.role is Role.REVIEWER
        assert authenticate(session, "王芳", "wrong password") is None
        assert authenticate(session, "李四", PASSWORD) is None
        set_active(session, "王芳", False, by="admin")
        assert authenticate(session, "王芳", PASSWORD) is None, "a disabled account"
        set_active(session, "王芳", True, by="admin")
        set_password(session, "王芳", "another long one", by="admin")
        assert authenticate(session, "王芳", PASSWORD) is None
        assert authenticate(session, "王芳", "another long one") is not None
        set_role(session, "王芳", Role.APPROVER, by="admin")
        account = authenticate(session, "王芳", "another long one")
        assert account is not None and account.role is Role.APPROVER


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("", PASSWORD, "required"),
        ("王 芳", PASSWORD, "no spaces"),
        ("x" * 65, PASSWORD, "at most 64"),
        ("王芳", "short", "至少 8 位"),
    ],
)
def test_bad_accounts_are_refused(archive: Archive, name: str, password: str, message: str) -> None:
    with archive.sessions.begin() as session, pytest.raises(UserError, match=message):
        add_user(session, name, Role.CLERK, password, by="admin")


def test_a_name_is_taken_once(archive: Archive) -> None:
    with archive.sessions.begin() as session:
        add_user(session, "王芳", Role.CLERK, PASSWORD, by="admin")
    with archive.sessions.begin() as session, pytest.raises(UserError, match="exists already"):
        add_user(session, "王芳", Role.ADMIN, PASSWORD, by="admin")


def test_the_user_commands(cli: CliRunner, sqlite_settings: Settings) -> None:
    added = cli.invoke(
        app,
        ["user", "add", "王芳", "--role", "clerk", "--password-stdin", "--by", "管理员"],
        input=f"{PASSWORD}\n",
    )
    assert added.exit_code == 0, added.output
    again = cli.invoke(
        app, ["user", "add", "王芳", "--role", "clerk", "--password-stdin"], input=f"{PASSWORD}\n"
    )
    assert again.exit_code == 1 and "exists already" in again.output
    short = cli.invoke(
        app, ["user", "add", "李四", "--role", "admin", "--password-stdin"], input="x\n"
    )
    assert short.exit_code == 1 and "至少 8 位" in short.output
    unknown_role = cli.invoke(
        app, ["user", "add", "李四", "--role", "boss", "--password-stdin"], input=f"{PASSWORD}\n"
    )
    assert unknown_role.exit_code == 2
    prompted = cli.invoke(
        app, ["user", "add", "赵六", "--role", "approver"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    assert cli.invoke(app, ["user", "role", "王芳", "reviewer"]).exit_code == 0
    assert cli.invoke(app, ["user", "disable", "赵六"]).exit_code == 0
    assert cli.invoke(app, ["user", "disable", "无此人"]).exit_code == 1
    assert invoke_json(cli, "user", "list") == [
        {"name": "王芳", "role": "reviewer", "active": True},
        {"name": "赵六", "role": "approver", "active": False},
    ]
    events = invoke_json(cli, "audit", "--action", "user")
    assert [(e["actor"], e["action"], e["subject"]) for e in events][-1] == (
        "管理员",
        "user.add",
        "王芳",
    )
    assert {e["action"] for e in events} == {"user.add", "user.role", "user.disable"}
    assert (
        invoke_json(cli, "audit", "--actor", "管理员", "--since", "2000-01-01")[0]["subject"]
        == "王芳"
    )
    bad_day = cli.invoke(app, ["audit", "--since", "2026-02-30"])
    assert bad_day.exit_code == 1 and "not a date" in bad_day.output
