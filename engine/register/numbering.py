"""Numbers that run per year: 申请编号, 更正编号, the 序号 of a letter's 文号.

The next number of a year, taken safely when two clerks register at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

_T = TypeVar("_T")
RETRIES = 5  # concurrent registrations on PostgreSQL may race for a number


def next_seq(session: Session, seq: Any, year_column: Any, year: int) -> int:
    """The number after the highest ``seq`` of ``year`` (1 for the year's first)."""
    last = session.scalar(select(func.max(seq)).where(year_column == year))
    return (last or 0) + 1


def with_next_seq(
    sessions: sessionmaker[Session],
    seq: Any,
    year_column: Any,
    year: int,
    create: Callable[[Session, int], _T],
    busy: Exception,
) -> _T:
    """``create(session, n)`` with the next number of ``year``, in a transaction of its own.

    Two clerks may read the same last number; the table's unique (year, seq)
    refuses the second commit, which then takes the next number. ``busy`` is raised
    when every attempt lost the race.
    """
    for _attempt in range(RETRIES):
        try:
            with sessions.begin() as session:
                return create(session, next_seq(session, seq, year_column, year))
        except IntegrityError:
            continue  # another clerk took the number: take the next one
    raise busy
