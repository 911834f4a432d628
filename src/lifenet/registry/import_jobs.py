"""Imports started from the import page run as jobs: the upload answers at once, the import
runs in the background, and the page shows its progress and then its outcome.

The job row lives in the database, so any web worker can show it. While the import writes
(one transaction that holds SQLite's write lock) progress is kept in this process only and
the row is brought up to date when the import ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.access import NotFound, Permission, Principal
from lifenet.db import utcnow
from lifenet.lib.errors import InvalidInput
from lifenet.network import queries as network_queries
from lifenet.registry import imports
from lifenet.registry.dictionary import load_dictionary
from lifenet.registry.models import ImportJob

# job id -> (stage, done, total): progress the database cannot take while the import writes.
_LIVE: dict[int, tuple[str, int, int]] = {}
_LIVE_LOCK = threading.Lock()
SAVE_EVERY_SECONDS = 0.5


def do_start_import_job(
    session: Session, by: Principal, *, org_unit_id: int, form: str, file_name: str
) -> ImportJob:
    """Record a queued import (checks the permission before any byte is read)."""
    unit = network_queries.get_org_unit(session, org_unit_id)
    by.require(Permission.IMPORT_DATA, unit.path, where=unit.code)
    load_dictionary().form(form)
    job = ImportJob(
        created_by_id=by.user_id, org_unit_id=unit.id, form=form, file_name=file_name[:255] or "upload"
    )
    session.add(job)
    session.flush()
    audit.record(
        session,
        audit.Actor(by.user_id, by.username),
        "start",
        "registry_import_job",
        job.id,
        after={"form": form, "file_name": job.file_name},
        org_unit_id=unit.id,
    )
    session.commit()
    return job


def _saver(make_session: Callable[[], Session], job_id: int) -> imports.Progress:
    last = [0.0]

    def on_progress(stage: str, done: int, total: int) -> None:
        with _LIVE_LOCK:
            _LIVE[job_id] = (stage, done, total)
        now = time.monotonic()
        if stage == "write" or now - last[0] < SAVE_EVERY_SECONDS:
            return
        last[0] = now
        with make_session() as session:
            job = session.get(ImportJob, job_id)
            if job is not None:
                job.state, job.stage, job.done, job.total = "running", stage, done, total
                session.commit()

    return on_progress


def run_import_job(
    make_session: Callable[[], Session], job_id: int, by: Principal, raw: bytes, *, tz: str, confirm_all: bool
) -> None:
    """Run a queued import to its end; the job row says how it ended."""
    outcome: dict[str, Any] = {}
    with make_session() as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            return
        form, unit_id, name = job.form, job.org_unit_id, job.file_name
        try:
            report = imports.do_import_file(
                session,
                by,
                raw,
                form=form,
                org_unit_id=unit_id,
                tz=tz,
                file_name=name,
                confirmed_soft="all" if confirm_all else (),
                on_progress=_saver(make_session, job_id),
            )
            outcome = {"state": "done", "rows": report.rows, "created": report.created}
        except imports.ImportRefused as refused:
            session.rollback()
            outcome = {
                "state": "refused",
                "rows": refused.report.rows,
                "report_csv": refused.report.to_csv(),
                "message": f"{refused.report.issues.height} problems; nothing was imported.",
            }
        except InvalidInput as invalid:
            session.rollback()
            outcome = {"state": "refused", "message": str(invalid)}
        except Exception as error:  # noqa: BLE001 - the job must end with a state, whatever happened
            session.rollback()
            outcome = {"state": "failed", "message": f"{type(error).__name__}: {error}"[:2000]}
    _finish(make_session, job_id, outcome)


def _finish(make_session: Callable[[], Session], job_id: int, outcome: dict[str, Any]) -> None:
    with _LIVE_LOCK:
        _LIVE.pop(job_id, None)
    with make_session() as session:
        job = session.get(ImportJob, job_id)
        if job is None:
            return
        for key, value in outcome.items():
            setattr(job, key, value)
        job.stage, job.finished_at = None, utcnow()
        session.commit()


def live_progress(job: ImportJob) -> tuple[str | None, int, int]:
    """The freshest progress known to this process, else the row's."""
    with _LIVE_LOCK:
        live = _LIVE.get(job.id)
    if live is not None and job.finished_at is None:
        return live
    return job.stage, job.done, job.total


def access_import_job(session: Session, principal: Principal, job_id: int) -> ImportJob:
    """A job the user started (only they see its report)."""
    job = session.get(ImportJob, job_id)
    if job is None or job.created_by_id != principal.user_id:
        raise NotFound("import", job_id)
    return job


def recent_jobs(session: Session, principal: Principal, limit: int = 20) -> list[ImportJob]:
    return list(
        session.scalars(
            select(ImportJob)
            .where(ImportJob.created_by_id == principal.user_id)
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )
