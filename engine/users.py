"""Who may do what at the web desk (pure).

Roles follow the seeds' 保密审查制度 第八条: the clerk drafts (拟定意见), the
division head reviews (审查), the principal approves (批准). Each role signs at its
own level only, so one person can never carry a decision through every level. The
administrator manages accounts and signs nothing. The text of a 不予公开 document is
shown only to the roles the office configures (default: reviewer and approver).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from engine.review import Level

MIN_PASSWORD = 8
MAX_NAME = 64


class UserError(ValueError):
    """An account change the rules refuse; the message says why."""


class Role(StrEnum):
    CLERK = "clerk"
    REVIEWER = "reviewer"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "clerk": "经办人",
            "reviewer": "审查人",
            "approver": "批准人",
            "admin": "管理员",
        }[self.value]

    @property
    def signing_level(self) -> Level | None:
        """The one sign-off level this role signs at (none for the administrator)."""
        return {
            "clerk": Level.DRAFTER,
            "reviewer": Level.REVIEWER,
            "approver": Level.APPROVER,
        }.get(self.value)


DEFAULT_WITHHELD_READERS: tuple[Role, ...] = (Role.REVIEWER, Role.APPROVER)


def parse_roles(text: str) -> tuple[Role, ...]:
    """``"reviewer,approver"`` → the roles; an unknown name is an error, not ignored."""
    roles = []
    for name in filter(None, (part.strip() for part in text.split(","))):
        try:
            roles.append(Role(name))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise UserError(f"unknown role {name!r} (known: {known})") from None
    return tuple(dict.fromkeys(roles))


def may_sign(role: Role, level: Level) -> bool:
    return role.signing_level is level


def may_read_withheld(role: Role, readers: Iterable[Role]) -> bool:
    return role in tuple(readers)


def may_manage_users(role: Role) -> bool:
    return role is Role.ADMIN


def may_keep_books(role: Role) -> bool:
    """Whether ``role`` records publications, 有效性 and 动态调整 decisions: the records
    staff do; the administrator manages accounts only."""
    return role is not Role.ADMIN


def check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise UserError("a user name is required")
    if len(name) > MAX_NAME:
        raise UserError(f"a user name has at most {MAX_NAME} characters")
    if any(ch.isspace() for ch in name) or not name.isprintable():
        raise UserError("a user name has no spaces or control characters")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 位 (a password has {MIN_PASSWORD}+ characters)")
    return password
