"""Where things live: the data root and its folders, the register's URL.

Everything is read from the environment once, into a plain frozen value that
the shells pass around (no global state):

* ``GONGKAI_HOME``: the data root, default ``./archive``;
* ``GONGKAI_DATABASE_URL``: the register, default SQLite ``<home>/gongkai.db``;
* ``GONGKAI_INBOX``: the drop folder, default ``<home>/inbox``;
* ``GONGKAI_INDEX_BACKEND``: the search engine, ``tantivy`` (default) or ``whoosh``;
* ``GONGKAI_SIGNOFF_LEVELS``: the review levels a decision needs, default
  ``drafter,reviewer,approver`` (拟定意见, 审查, 批准);
* ``GONGKAI_WITHHELD_READERS``: the web desk roles shown the text of a 不予公开
  document, default ``reviewer,approver``;
* ``GONGKAI_UPLOAD_LIMIT_MB``: the largest file the web desk accepts, default 50.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from engine.review import ALL_LEVELS, Level, parse_levels
from engine.users import DEFAULT_WITHHELD_READERS, Role, parse_roles


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    inbox: Path
    settle_seconds: float = 1.0  # a dropped file must be unchanged this long before it is taken
    workers: int = 2
    signoff_levels: tuple[Level, ...] = ALL_LEVELS  # which of 拟定意见/审查/批准 a decision needs
    index_backend: str = "tantivy"  # or whoosh (pure Python, slower)
    withheld_readers: tuple[Role, ...] = DEFAULT_WITHHELD_READERS
    upload_limit: int = 50 * 1024 * 1024  # bytes

    @property
    def secret_key_file(self) -> Path:
        """The web desk's key for signing session cookies (made on first start)."""
        return self.home / "secret.key"

    @property
    def originals(self) -> Path:
        return self.home / "originals"

    @property
    def quarantine(self) -> Path:
        return self.home / "quarantine"

    @property
    def generated(self) -> Path:
        return self.home / "generated"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def model_path(self) -> Path:
        """The classifier model trained on staff decisions, when there is one."""
        return self.home / "model" / "classifier.joblib"

    @property
    def claims(self) -> Path:
        """Files taken from the inbox and not yet committed (hidden, inside the inbox).

        Inside the inbox so that taking a file is one atomic rename on the same
        file system, even when the inbox is a network share.
        """
        return self.inbox / ".gongkai-processing"

    def with_inbox(self, inbox: Path | None) -> Settings:
        return self if inbox is None else replace(self, inbox=inbox.resolve())

    def ensure_folders(self) -> None:
        for folder in (self.home, self.inbox, self.originals, self.quarantine, self.generated):
            folder.mkdir(parents=True, exist_ok=True)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("GONGKAI_HOME", "archive")).resolve()
    url = env.get("GONGKAI_DATABASE_URL") or f"sqlite:///{home / 'gongkai.db'}"
    inbox = Path(env["GONGKAI_INBOX"]).resolve() if env.get("GONGKAI_INBOX") else home / "inbox"
    return Settings(
        home=home,
        database_url=url,
        inbox=inbox,
        settle_seconds=float(env.get("GONGKAI_SETTLE_SECONDS", "1.0")),
        workers=int(env.get("GONGKAI_WORKERS", "2")),
        signoff_levels=parse_levels(env.get("GONGKAI_SIGNOFF_LEVELS", "drafter,reviewer,approver")),
        index_backend=env.get("GONGKAI_INDEX_BACKEND", "tantivy"),
        withheld_readers=parse_roles(env.get("GONGKAI_WITHHELD_READERS", "reviewer,approver")),
        upload_limit=int(float(env.get("GONGKAI_UPLOAD_LIMIT_MB", "50")) * 1024 * 1024),
    )
