"""Append-only, hash-chained audit log of every write.

Each entry stores who, when, what (entity and action), the values before and after, and why.
Its ``hash`` is SHA-256 over its own content and the previous entry's hash, so altering or
deleting any row breaks the chain from that row on; :func:`verify_chain` finds the first
broken link. Entries are appended inside the same transaction as the change they describe.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from lifenet.db import Base, utcnow

GENESIS = "0" * 64
# Any constant works: it only has to be the same in every process appending entries.
_PG_LOCK_KEY = 7_201_220


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), default="system")
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Actor:
    """Who made a change (``id`` None for the system itself, e.g. the demo seeder)."""

    id: int | None
    name: str


SYSTEM = Actor(None, "system")


def entry_hash(entry: AuditEntry) -> str:
    content = {
        "prev": entry.prev_hash,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "org_unit_id": entry.org_unit_id,
        "before": entry.before,
        "after": entry.after,
        "reason": entry.reason,
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    org_unit_id: int | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (the caller commits)."""
    _serialize_appends(session)
    last = session.scalars(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)).first()
    entry = AuditEntry(
        at=utcnow(),
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        org_unit_id=org_unit_id,
        before=before,
        after=after,
        reason=reason,
        prev_hash=last or GENESIS,
    )
    entry.hash = entry_hash(entry)
    session.add(entry)
    session.flush()
    return entry


def _serialize_appends(session: Session) -> None:
    """Make concurrent appenders take turns, so two entries never share a predecessor.

    PostgreSQL: a transaction-scoped advisory lock. SQLite: flushing the pending change takes
    the database's single write lock, held until commit.
    """
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the log in order; report the first entry whose hash or link does not hold."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(ok=True, checked=checked)
        for entry in rows:
            if entry.prev_hash != prev:
                return ChainReport(False, checked, entry.id, "its link to the previous entry is broken")
            if entry_hash(entry) != entry.hash:
                return ChainReport(False, checked, entry.id, "its content does not match its hash")
            prev = entry.hash
            checked += 1
            last_id = entry.id
        session.expunge_all()
