"""Every write of the registry. Each action checks the actor's scope, validates against the
data dictionary, writes the audit entry in the same transaction and commits; on any error
nothing is changed.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.access import Forbidden, NotFound, Permission, Principal
from lifenet.db import utcnow
from lifenet.lib.errors import N_, Conflict, InvalidInput
from lifenet.network import actions as network_actions
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry.models import RegistryPatient, RegistryRecord

# Crockford's base-32 alphabet: no I, L, O or U to misread when a pseudonym is read aloud.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_network_id() -> str:
    return "LN-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def _actor(by: Principal | None) -> audit.Actor:
    return audit.SYSTEM if by is None else audit.Actor(by.user_id, by.username)


def _require(by: Principal | None, permission: Permission, unit: OrgUnit) -> None:
    if by is not None:
        by.require(permission, unit.path, where=unit.code)


def do_register_patient(
    session: Session, by: Principal | None, org_unit_id: int, network_id: str | None = None
) -> RegistryPatient:
    """Give a child the network-wide pseudonym, at the hospital registering them."""
    unit = network_queries.get_org_unit(session, org_unit_id)
    _require(by, Permission.WRITE_PATIENTS, unit)
    chosen = network_id or new_network_id()
    if session.scalar(
        select(func.count()).select_from(RegistryPatient).where(RegistryPatient.network_id == chosen)
    ):
        raise Conflict.one(
            "network_id", "unique", N_("The network id %(id)s is already registered."), id=chosen
        )
    patient = RegistryPatient(
        network_id=chosen, org_unit_id=unit.id, created_by_id=by.user_id if by else None
    )
    session.add(patient)
    session.flush()
    audit.record(
        session,
        _actor(by),
        "create",
        "registry_patient",
        patient.id,
        after={"network_id": chosen},
        org_unit_id=unit.id,
    )
    session.commit()
    return patient


def do_create_record(
    session: Session,
    by: Principal | None,
    *,
    patient_id: int,
    form: str,
    org_unit_id: int,
    values: Mapping[str, Any],
    dictionary_version: int,
    parent_id: int | None = None,
) -> RegistryRecord:
    """Save a new form for a patient at a hospital (values already validated by the caller)."""
    unit = network_queries.get_org_unit(session, org_unit_id)
    _require(by, Permission.WRITE_PATIENTS, unit)
    if session.get(RegistryPatient, patient_id) is None:
        raise InvalidInput.one("patient_id", "exists", N_("No patient with id %(id)s."), id=patient_id)
    if parent_id is not None:
        parent = session.get(RegistryRecord, parent_id)
        if parent is None or parent.patient_id != patient_id:
            raise InvalidInput.one(
                "parent_id", "exists", N_("No record %(id)s of this patient."), id=parent_id
            )
    now = utcnow()
    actor_id = by.user_id if by else None
    record = RegistryRecord(
        patient_id=patient_id,
        form=form,
        parent_id=parent_id,
        org_unit_id=unit.id,
        dictionary_version=dictionary_version,
        values=dict(values),
        created_by_id=actor_id,
        updated_by_id=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        _actor(by),
        "create",
        f"registry_{form}",
        record.id,
        after=dict(values),
        org_unit_id=unit.id,
    )
    session.commit()
    return record


def _writable(session: Session, by: Principal | None, record_id: int) -> RegistryRecord:
    record = session.get(RegistryRecord, record_id)
    if record is None:
        raise NotFound("record", record_id)
    unit = network_queries.get_org_unit(session, record.org_unit_id)
    if by is not None and not by.can(Permission.READ_PATIENTS, unit.path):
        raise NotFound("record", record_id)
    _require(by, Permission.WRITE_PATIENTS, unit)
    return record


def do_update_record(
    session: Session,
    by: Principal | None,
    record_id: int,
    values: Mapping[str, Any],
    *,
    expected_version: int,
    reason: str,
) -> RegistryRecord:
    """Change a saved record. Needs a reason; refuses a locked record and a stale version."""
    record = _writable(session, by, record_id)
    if not reason.strip():
        raise InvalidInput.one("reason", "required", N_("Say why you change a saved record."))
    if record.locked_at is not None:
        raise Conflict.one(
            "record", "locked", N_("This record is locked after review; ask a data manager to unlock it.")
        )
    before = dict(record.values)
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    actor_id = by.user_id if by else None
    # Compare-and-set on the version: a second, stale save changes no row and is refused.
    result = session.execute(
        update(RegistryRecord)
        .where(RegistryRecord.id == record.id, RegistryRecord.version == expected_version)
        .values(
            values=dict(values), version=expected_version + 1, updated_at=utcnow(), updated_by_id=actor_id
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict.one(
            "version",
            "stale",
            N_(
                "Someone else saved this record after you opened it. Reload it to see their changes, then redo yours."
            ),
        )
    audit.record(
        session,
        _actor(by),
        "update",
        f"registry_{record.form}",
        record.id,
        before={k: before.get(k) for k in changed} | {"version": expected_version},
        after={k: values[k] for k in changed} | {"version": expected_version + 1},
        reason=reason,
        org_unit_id=record.org_unit_id,
    )
    session.commit()
    session.refresh(record)
    return record


def do_set_record_lock(
    session: Session, by: Principal | None, record_id: int, *, locked: bool, reason: str | None = None
) -> RegistryRecord:
    """Lock a reviewed record (data managers), or unlock it with a reason."""
    record = session.get(RegistryRecord, record_id)
    if record is None:
        raise NotFound("record", record_id)
    unit = network_queries.get_org_unit(session, record.org_unit_id)
    if by is not None and not by.can(Permission.READ_PATIENTS, unit.path):
        raise NotFound("record", record_id)
    if by is not None and not by.can(Permission.LOCK_RECORDS, unit.path):
        raise Forbidden(Permission.LOCK_RECORDS, unit.code)
    if not locked and not (reason or "").strip():
        raise InvalidInput.one("reason", "required", N_("Say why you unlock a reviewed record."))
    record.locked_at = utcnow() if locked else None
    record.locked_by_id = (by.user_id if by else None) if locked else None
    audit.record(
        session,
        _actor(by),
        "lock" if locked else "unlock",
        f"registry_{record.form}",
        record.id,
        reason=reason,
        org_unit_id=record.org_unit_id,
    )
    session.commit()
    return record


def _records_held(session: Session, unit: OrgUnit) -> str | None:
    count = session.scalar(
        select(func.count()).select_from(RegistryRecord).where(RegistryRecord.org_unit_id == unit.id)
    )
    return f"{count} registry records" if count else None


network_actions.DELETE_GUARDS.append(_records_held)
