"""Reads of the registry. Patient-level rows are loaded only through ``access_*`` functions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from lifenet.access import NotFound, Permission, Principal
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry import redcap
from lifenet.registry.dictionary import Dictionary, load_dictionary
from lifenet.registry.models import (
    DataQuery,
    DictionaryExtension,
    RecordShare,
    RegistryPatient,
    RegistryRecord,
)


def visible_scope(principal: Principal) -> list[ColumnElement[bool]]:
    """SQL conditions: the record's org unit lies in a subtree where the user reads patients."""
    return [OrgUnit.path.startswith(p) for p in principal.scope_paths(Permission.READ_PATIENTS)]


def _record_visible(principal: Principal) -> list[object]:
    """SQL conditions on a record joined to its org unit: the user's own scope, or a record
    shared with a hospital in it (a transferred child's patient form and transfer episode)."""
    conditions = visible_scope(principal)
    if not conditions:
        return []
    shared = (
        select(RecordShare.record_id)
        .join(OrgUnit, OrgUnit.id == RecordShare.org_unit_id)
        .where(or_(*conditions))
    )
    return [*conditions, RegistryRecord.id.in_(shared)]


def access_record(session: Session, principal: Principal, record_id: int) -> RegistryRecord:
    """A record the user may read; 404 (not 403) otherwise, so existence does not leak."""
    conditions = _record_visible(principal)
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


def access_patient(
    session: Session, principal: Principal, patient_id: int
) -> tuple[RegistryPatient, Sequence[RegistryRecord]]:
    """A patient the user may read — at least one of their records is in the user's scope —
    with the records the user may read (another hospital's part stays hidden)."""
    records = visible_records(session, principal, patient_id)
    patient = session.get(RegistryPatient, patient_id) if records else None
    if patient is None:
        raise NotFound("patient", patient_id)
    return patient, records


def visible_records(session: Session, principal: Principal, patient_id: int) -> Sequence[RegistryRecord]:
    """The patient's records the user may read; another hospital's part stays hidden."""
    conditions = _record_visible(principal)
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


@dataclass(frozen=True)
class PatientRow:
    """One line of the patient list: what a data manager scans for."""

    id: int
    network_id: str
    hospital_id: int
    records: int
    runs: int
    updated_at: dt.datetime


def visible_patients(
    session: Session, principal: Principal, *, search: str = "", limit: int = 100, offset: int = 0
) -> list[PatientRow]:
    """Patients with at least one record the user may read, most recently changed first.

    ``search`` matches the start of the network id (case-insensitive); counts cover only the
    records the user may read.
    """
    conditions = _record_visible(principal)
    if not conditions:
        return []
    runs = func.sum(case((RegistryRecord.form == "ecls_run", 1), else_=0))
    query = (
        select(
            RegistryPatient.id,
            RegistryPatient.network_id,
            RegistryPatient.org_unit_id,
            func.count(RegistryRecord.id),
            runs,
            func.max(RegistryRecord.updated_at),
        )
        .join(RegistryRecord, RegistryRecord.patient_id == RegistryPatient.id)
        .join(OrgUnit, OrgUnit.id == RegistryRecord.org_unit_id)
        .where(or_(*conditions))  # type: ignore[arg-type]
        .group_by(RegistryPatient.id, RegistryPatient.network_id, RegistryPatient.org_unit_id)
        .order_by(func.max(RegistryRecord.updated_at).desc(), RegistryPatient.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if search.strip():
        query = query.where(RegistryPatient.network_id.startswith(search.strip().upper()))
    return [PatientRow(*row) for row in session.execute(query).all()]


def children_of(records: Sequence[RegistryRecord]) -> dict[int | None, list[RegistryRecord]]:
    """Records grouped by parent id (None: the top), in the order given."""
    tree: dict[int | None, list[RegistryRecord]] = {}
    for record in records:
        tree.setdefault(record.parent_id, []).append(record)
    return tree


def visible_queries(
    session: Session,
    principal: Principal,
    *,
    states: Sequence[str] = ("open", "answered"),
    record_id: int | None = None,
    limit: int = 500,
) -> Sequence[DataQuery]:
    """Data-quality queries of the hospitals whose patients the user may read, oldest first
    (on one record with ``record_id``: a record shared after a transfer shows the reader
    only the queries of their own hospital)."""
    conditions = visible_scope(principal)
    if not conditions:
        return []
    on_record = [DataQuery.record_id == record_id] if record_id is not None else []
    return session.scalars(
        select(DataQuery)
        .join(OrgUnit, OrgUnit.id == DataQuery.org_unit_id)
        .where(DataQuery.state.in_(list(states)), or_(*conditions), *on_record)
        .order_by(DataQuery.raised_at, DataQuery.id)
        .limit(limit)
    ).all()


def hospital_unit(session: Session, org_unit_id: int) -> OrgUnit:
    """The hospital an org unit (a ward …) belongs to; the unit itself above hospital level."""
    unit = network_queries.get_org_unit(session, org_unit_id)
    return network_queries.hospital_of(session, unit) or unit


def extension_of(session: Session, org_unit_id: int) -> tuple[OrgUnit, DictionaryExtension | None]:
    """The hospital of an org unit and its dictionary extension, if it has one."""
    hospital = hospital_unit(session, org_unit_id)
    extension = session.scalars(
        select(DictionaryExtension).where(DictionaryExtension.org_unit_id == hospital.id)
    ).first()
    return hospital, extension


# extension id -> (its change time, the extended dictionary): an upload is read once, and a
# newer one replaces it (one entry per hospital).
_EXTENDED: dict[int, tuple[dt.datetime, Dictionary]] = {}


def dictionary_for(session: Session, org_unit_id: int) -> Dictionary:
    """The dictionary a hospital's forms use: the core one plus the hospital's local fields."""
    hospital = hospital_unit(session, org_unit_id)
    found = session.execute(
        select(DictionaryExtension.id, DictionaryExtension.updated_at).where(
            DictionaryExtension.org_unit_id == hospital.id
        )
    ).first()
    if found is None:
        return load_dictionary()
    cached = _EXTENDED.get(found.id)
    if cached is None or cached[0] != found.updated_at:
        text = session.scalar(
            select(DictionaryExtension.redcap_csv).where(DictionaryExtension.id == found.id)
        )
        cached = (found.updated_at, redcap.import_extension(text or "", hospital=hospital.code))
        _EXTENDED[found.id] = cached
    return cached[1]
