"""Reads of the registry. Patient-level rows are loaded only through ``access_*`` functions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lifenet.access import NotFound, Permission, Principal
from lifenet.network.models import OrgUnit
from lifenet.registry.models import RegistryPatient, RegistryRecord


def _visible(principal: Principal) -> list[object]:
    """SQL conditions: the record's org unit lies in a subtree where the user reads patients."""
    return [OrgUnit.path.startswith(p) for p in principal.scope_paths(Permission.READ_PATIENTS)]


def access_record(session: Session, principal: Principal, record_id: int) -> RegistryRecord:
    """A record the user may read; 404 (not 403) otherwise, so existence does not leak."""
    conditions = _visible(principal)
    if not conditions:
        raise NotFound("record", record_id)
    record = session.scalars(
        select(RegistryRecord)
        .join(OrgUnit, OrgUnit.id == RegistryRecord.org_unit_id)
        .where(RegistryRecord.id == record_id, or_(*conditions))  # type: ignore[arg-type]
    ).first()
    if record is None:
        raise NotFound("record", record_id)
    return record


def access_patient(session: Session, principal: Principal, patient_id: int) -> RegistryPatient:
    """A patient the user may read: at least one of their records is in the user's scope."""
    if not visible_records(session, principal, patient_id):
        raise NotFound("patient", patient_id)
    patient = session.get(RegistryPatient, patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    return patient


def visible_records(session: Session, principal: Principal, patient_id: int) -> Sequence[RegistryRecord]:
    """The patient's records the user may read; another hospital's part stays hidden."""
    conditions = _visible(principal)
    if not conditions:
        return []
    return session.scalars(
        select(RegistryRecord)
        .join(OrgUnit, OrgUnit.id == RegistryRecord.org_unit_id)
        .where(RegistryRecord.patient_id == patient_id, or_(*conditions))  # type: ignore[arg-type]
        .order_by(RegistryRecord.id)
    ).all()


def patient_by_network_id(session: Session, network_id: str) -> RegistryPatient | None:
    return session.scalars(select(RegistryPatient).where(RegistryPatient.network_id == network_id)).first()
