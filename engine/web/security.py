"""Login throttling, CSRF protection and the cookie-signing key."""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Request

from engine.web.common import SESSION_CSRF, refuse

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def secret_key(path: Path) -> str:
    """The key that signs session cookies: made once, readable by this user only.

    Kept on disk so that a restart does not log everyone out.
    """
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key)
    return key


class LoginThrottle:
    """Too many failed logins for one name, or from one address, lock it for a while.

    ``failures`` within ``window`` seconds lock the key for ``lockout`` seconds;
    a successful login clears the name's count. In memory: one desk, one process.
    """

    def __init__(
        self,
        failures: int = 5,
        window: float = 900.0,
        lockout: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.window = window
        self.lockout = lockout
        self._clock = clock
        self._failed: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, *keys: str) -> float:
        """Seconds until these keys may try again (0: now)."""
        now = self._clock()
        with self._lock:
            until = max((self._locked_until.get(key, now) for key in keys), default=now)
        return max(until - now, 0.0)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                times = self._failed.setdefault(key, deque())
                times.append(now)
                while now - times[0] > self.window:
                    times.popleft()
                if len(times) >= self.failures:
                    self._locked_until[key] = now + self.lockout
                    times.clear()
            self._forget(now)

    def _forget(self, now: float) -> None:
        """Drop what no longer counts, so that names tried once do not pile up for ever."""
        for key in [
            k for k, times in self._failed.items() if not times or now - times[-1] > self.window
        ]:
            del self._failed[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failed.pop(key, None)


def _same_origin(request: Request) -> bool:
    """A browser names where a form was posted from; it must be this desk."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return source is None  # tools send neither; a sandboxed frame sends "null"
    return urlsplit(source).netloc == request.url.netloc


async def csrf_guard(request: Request) -> None:
    """Every state-changing request carries the session's token (form field or header).

    The login form is exempt from the token (tools post ``username`` and
    ``password`` alone) but must come from this desk's own pages when a browser
    says where it came from.
    """
    if request.method not in UNSAFE_METHODS:
        return
    if not _same_origin(request):
        raise refuse("跨站提交已拒绝 (the form was posted from another site)")
    if request.url.path == "/login":
        return
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()  # parsed once; the view reads the same form
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise refuse("页面已过期，请刷新后重新提交 (missing or stale CSRF token)")
