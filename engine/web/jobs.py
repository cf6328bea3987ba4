"""The desk's background jobs: long work (filing uploads, rebuilding the index) in a thread.

A view starts a job and answers at once with its progress partial; the partial
polls the job until it is finished. 收件's uploads and 管理's reindex share the
one registry of the app.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from engine.web.common import Viewer, refuse

log = logging.getLogger(__name__)


@dataclass
class Job:
    """Work running in a background thread, as its progress partial shows it.

    The thread adds to ``results`` and counts ``done``; pages only read.
    """

    id: str
    owner: str
    total: int
    done: int = 0
    results: list[dict[str, object]] = field(default_factory=list)
    error: str | None = None
    finished: bool = False

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return self.done * 100 // self.total if self.total else 0


class Jobs:
    """The desk's background jobs, in memory (one desk, one process); the newest are kept."""

    KEPT = 100

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, owner: str, total: int, work: Callable[[Job], None]) -> Job:
        job = Job(secrets.token_urlsafe(12), owner, total)
        with self._lock:
            self._jobs[job.id] = job
            finished = [key for key, old in self._jobs.items() if old.finished]
            for key in finished[: max(0, len(self._jobs) - self.KEPT)]:
                del self._jobs[key]
        threading.Thread(target=_run, args=(job, work), name=f"job-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str, viewer: Viewer) -> Job:
        """The job, if it is this viewer's (another's job id is as good as unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.owner != viewer.name:
            raise refuse("没有这个任务，或任务已过期 (no such job)", 404)
        return job


def _run(job: Job, work: Callable[[Job], None]) -> None:
    try:
        work(job)
    except Exception as error:  # shown on the job's partial: the clerk sees what failed
        log.exception("background job %s failed", job.id)
        job.error = job.error or f"{type(error).__name__}: {error}"
    finally:
        job.finished = True


_JOBS_LOCK = threading.Lock()


def jobs_of(request: Request) -> Jobs:
    """The app's jobs, made on first use."""
    with _JOBS_LOCK:
        jobs: Jobs | None = getattr(request.app.state, "jobs", None)
        if jobs is None:
            jobs = request.app.state.jobs = Jobs()
    return jobs


JobsDep = Annotated[Jobs, Depends(jobs_of)]
