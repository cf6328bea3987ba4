"""Accounts in the register: argon2 password hashes, roles, every change audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.register.audit import audit
from engine.register.models import User
from engine.users import Role, UserError, check_name, check_password

_hasher = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone's")


@dataclass(frozen=True)
class Account:
    """A user as the shells see it (no hash)."""

    name: str
    role: Role
    active: bool


def _account(user: User) -> Account:
    return Account(user.name, Role(user.role), user.active)


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UserError(f"没有用户 {name} (no user named {name!r})")
    return user


class AccountError(UserError):
    """A new account the rules refuse: ``problems`` says what is wrong, by form field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(self.problems.values()))


def _account_problems(session: Session, name: str, password: str) -> dict[str, str]:
    """What is wrong with a new account, by field (``name``, ``password``); empty when nothing."""
    problems = {}
    try:
        name = check_name(name)
    except UserError as error:
        problems["name"] = str(error)
    else:
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            problems["name"] = f"用户 {name} 已存在 (user {name!r} exists already)"
    try:
        check_password(password)
    except UserError as error:
        problems["password"] = str(error)
    return problems


def add_user(session: Session, name: str, role: Role, password: str, *, by: str) -> Account:
    """Add an account; :class:`AccountError` names each field the rules refuse."""
    problems = _account_problems(session, name, password)
    if problems:
        raise AccountError(problems)
    name = check_name(name)
    user = User(
        name=name,
        role=role.value,
        password_hash=_hasher.hash(password),
        active=True,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    audit(session, by, "user.add", name, {"role": role.value})
    return _account(user)


def set_password(session: Session, name: str, password: str, *, by: str) -> None:
    _user(session, name).password_hash = _hasher.hash(check_password(password))
    audit(session, by, "user.password", name, {})


def set_role(session: Session, name: str, role: Role, *, by: str) -> None:
    """Give ``name`` another role; an administrator cannot give up their own (no lock-out)."""
    user = _user(session, name)
    if name == by and user.role == Role.ADMIN.value and role is not Role.ADMIN:
        raise UserError("不能取消自己的管理员角色 (you cannot give up your own admin role)")
    audit(session, by, "user.role", name, {"from": user.role, "to": role.value})
    user.role = role.value


def set_active(session: Session, name: str, active: bool, *, by: str) -> None:
    """Let ``name`` log in or not; nobody disables their own account (no lock-out)."""
    user = _user(session, name)
    if not active and name == by:
        raise UserError("不能停用自己的账号 (you cannot disable your own account)")
    user.active = active
    audit(session, by, "user.enable" if active else "user.disable", name, {})


def list_accounts(session: Session) -> list[Account]:
    return [_account(user) for user in session.scalars(select(User).order_by(User.name))]


def find_account(session: Session, name: str) -> Account | None:
    user = session.scalar(select(User).where(User.name == name))
    return _account(user) if user is not None else None


def authenticate(session: Session, name: str, password: str) -> Account | None:
    """The active account whose password this is, else None (never says which was wrong)."""
    user = session.scalar(select(User).where(User.name == name.strip()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):  # parameters raised since it was set
        user.password_hash = _hasher.hash(password)
    return _account(user)
