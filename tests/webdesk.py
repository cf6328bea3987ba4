"""The web desk under test: one app on a fresh archive, a client per role.

``desk.client("reviewer")`` is a TestClient logged in as the reviewer; every
client of one desk shares the app (its register, index and throttle).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from engine.archive import Archive
from engine.config import Settings
from engine.user_store import add_user
from engine.users import Role
from engine.web import create_app

PASSWORD = "correct horse battery"
USERS = {role.value: f"{role.value}-user" for role in Role}  # clerk → clerk-user …
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"|"X-CSRF-Token": "([^"]+)"')


class Desk:
    def __init__(self, settings: Settings, stack: ExitStack) -> None:
        self.settings = settings
        self.app = create_app(settings)
        self._stack = stack
        self.anonymous = stack.enter_context(TestClient(self.app, follow_redirects=False))
        with self.archive.sessions.begin() as session:
            for role in Role:
                add_user(session, USERS[role.value], role, PASSWORD, by="test")
        self._clients: dict[str, TestClient] = {}

    @property
    def archive(self) -> Archive:
        archive: Archive = self.app.state.archive
        return archive

    def client(self, role: str) -> TestClient:
        """A client logged in as the user of ``role`` (clerk, reviewer, approver, admin)."""
        if role not in self._clients:
            client = self._stack.enter_context(TestClient(self.app, follow_redirects=False))
            response = client.post("/login", data={"username": USERS[role], "password": PASSWORD})
            assert response.status_code == 303, response.text
            self._clients[role] = client
        return self._clients[role]


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The session's CSRF token, as a page carries it."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = TOKEN.search(page.text)
    assert match, "the page carries no CSRF token"
    return match.group(1) or match.group(2)


def post_form(client: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a form with the session's CSRF token, as the browser would."""
    return client.post(path, data={"csrf_token": csrf_of(client), **data}, **kwargs)


@contextmanager
def open_desk(settings: Settings) -> Iterator[Desk]:
    with ExitStack() as stack:
        yield Desk(settings, stack)


def file_documents(archive: Archive, *paths: Path) -> list[int]:
    """File ``paths`` through the ingest path and index them; their document ids."""
    outcomes = archive.ingest_files(paths)
    archive.search_index().sync()
    return [outcome.document_id for outcome in outcomes if outcome.document_id]
