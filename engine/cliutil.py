"""What every ``gongkai`` sub-command shares: consoles, --json output, errors."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from engine.archive import Archive
from engine.config import load_settings

out = Console(soft_wrap=True)
err = Console(stderr=True)


def file_progress(verb: str, *, quiet: bool) -> Progress:
    """The bar a batch over files shows on stderr: the verb, the count, the time left and
    the file in hand; ``quiet`` (under --json): it goes away when done."""
    return Progress(
        TextColumn(f"[bold]{verb}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=quiet,
    )


JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON value to stdout.")]


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Say what is wrong on stderr; ``raise fail(...)`` exits non-zero.

    The message is shown as written: square brackets in it are text, not markup.
    """
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def open_archive() -> Archive:
    return Archive.open(load_settings())
