"""Every write of the registry. Each action checks the actor's scope, validates against the
data dictionary, writes the audit entry in the same transaction and commits; on any error
nothing is changed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.access import NotFound, Permission, Principal
from lifenet.db import utcnow
from lifenet.lib.errors import N_, Conflict, InvalidInput
from lifenet.network import actions as network_actions
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry import queries, redcap, validation
from lifenet.registry.dictionary import Dictionary, Form, load_dictionary, local_fields, migrate_values
from lifenet.registry.models import (
    DataQuery,
    DictionaryExtension,
    RecordShare,
    RegistryPatient,
    RegistryRecord,
)

# Crockford's base-32 alphabet: no I, L, O or U to misread when a pseudonym is read aloud.
NETWORK_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_network_id(choose: Callable[[str], str] = secrets.choice) -> str:
    """A pseudonym ``LN-`` + 10 characters; ``choose`` picks each (a seeded one for the demo)."""
    return "LN-" + "".join(choose(NETWORK_ID_ALPHABET) for _ in range(10))


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
    patient = _add_patient(session, by, unit, network_id or new_network_id())
    session.commit()
    return patient


def _add_patient(session: Session, by: Principal | None, unit: OrgUnit, network_id: str) -> RegistryPatient:
    """The new patient row and its audit entry, not yet committed."""
    if session.scalar(
        select(func.count()).select_from(RegistryPatient).where(RegistryPatient.network_id == network_id)
    ):
        raise Conflict.one(
            "network_id", "unique", N_("The network id %(id)s is already registered."), id=network_id
        )
    patient = RegistryPatient(
        network_id=network_id, org_unit_id=unit.id, created_by_id=by.user_id if by else None
    )
    session.add(patient)
    session.flush()
    after = {"network_id": network_id}
    audit.record(
        session, _actor(by), "create", "registry_patient", patient.id, after=after, org_unit_id=unit.id
    )
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
    record = _add_record(session, by, patient_id, form, unit, values, dictionary_version, parent_id)
    session.commit()
    return record


def _add_record(
    session: Session,
    by: Principal | None,
    patient_id: int,
    form: str,
    unit: OrgUnit,
    values: Mapping[str, Any],
    dictionary_version: int,
    parent_id: int | None,
) -> RegistryRecord:
    """The new record and its audit entry in the caller's transaction (checked by the caller)."""
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
        session, _actor(by), "create", f"registry_{form}", record.id, after=dict(values), org_unit_id=unit.id
    )
    return record


Held = TypeVar("Held", RegistryRecord, DataQuery)


def _held(session: Session, by: Principal | None, model: type[Held], ident: int) -> tuple[Held, OrgUnit]:
    """A hospital's record or query and its org unit; 404 (not 403) when the user may not read
    that hospital's patients, so existence does not leak."""
    what = "record" if model is RegistryRecord else "query"
    found = session.get(model, ident)
    if found is None:
        raise NotFound(what, ident)
    unit = network_queries.get_org_unit(session, found.org_unit_id)
    if by is not None and not by.can(Permission.READ_PATIENTS, unit.path):
        raise NotFound(what, ident)
    return found, unit


def _writable(session: Session, by: Principal | None, record_id: int) -> RegistryRecord:
    record, unit = _held(session, by, RegistryRecord, record_id)
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
    record, unit = _held(session, by, RegistryRecord, record_id)
    _require(by, Permission.LOCK_RECORDS, unit)
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


# ----- forms: validated saves of dictionary forms ------------------------------------------


class UnconfirmedValues(InvalidInput):
    """Soft-range values: accepted once the user confirms each (``confirm`` lists them)."""


def today_in(tz: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(tz)).date()


def record_context(session: Session, patient_id: int, parent_id: int | None) -> dict[str, dict[str, Any]]:
    """Values of the related records a form's calculations and checks read, by form name:
    the patient form and every ancestor of the new record."""
    context: dict[str, dict[str, Any]] = {}
    patient_record = session.scalars(
        select(RegistryRecord).where(
            RegistryRecord.patient_id == patient_id, RegistryRecord.form == "patient"
        )
    ).first()
    if patient_record is not None:
        context["patient"] = dict(patient_record.values)
    seen: set[int] = set()
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        parent = session.get(RegistryRecord, parent_id)
        if parent is None:
            break
        context.setdefault(parent.form, dict(parent.values))
        parent_id = parent.parent_id
    return context


def _validated(
    dictionary: Dictionary,
    form: Form,
    values: Mapping[str, Any],
    *,
    confirmed: Collection[str],
    context: Mapping[str, Mapping[str, Any]],
    tz: str,
) -> dict[str, Any]:
    result = validation.validate_record(
        form,
        values,
        confirmed_soft=frozenset(confirmed),
        today=today_in(tz),
        tz=tz,
        context=context,
        dictionary=dictionary,  # the hospital's, with the code lists of its local fields
    )
    if result.errors:
        raise InvalidInput(*result.errors)
    if result.warnings:
        raise UnconfirmedValues(*result.warnings)
    return result.values


def _check_parent(
    session: Session, form: Form, patient_id: int, parent_id: int | None, unit: OrgUnit, transfer: bool
) -> None:
    """A form hangs under a record of its parent form (a non-repeating one only once), at the
    parent's hospital — except the episode of a transfer, at the admitting hospital."""
    if form.parent is None:
        if parent_id is not None:
            raise InvalidInput.one(
                "parent_id", "parent", N_("A %(form)s form has no parent."), form=form.name
            )
        taken = select(func.count()).where(
            RegistryRecord.patient_id == patient_id, RegistryRecord.form == form.name
        )
    else:
        parent = session.get(RegistryRecord, parent_id) if parent_id is not None else None
        if parent is None or parent.patient_id != patient_id or parent.form != form.parent:
            raise InvalidInput.one(
                "parent_id",
                "parent",
                N_("A %(form)s form belongs under a %(parent)s record of the same patient."),
                form=form.name,
                parent=form.parent,
            )
        if (
            not transfer
            and queries.hospital_unit(session, parent.org_unit_id).id
            != queries.hospital_unit(session, unit.id).id
        ):
            raise InvalidInput.one(
                "org_unit_id",
                "hospital",
                N_(
                    "A %(form)s record belongs to the hospital of its %(parent)s record; "
                    "admit a child from another hospital as a transfer."
                ),
                form=form.name,
                parent=form.parent,
            )
        taken = select(func.count()).where(
            RegistryRecord.parent_id == parent_id, RegistryRecord.form == form.name
        )
    if not form.repeating and session.scalar(taken.select_from(RegistryRecord)):
        raise Conflict.one(
            "form", "single", N_("This %(form)s form is already filled in; edit it instead."), form=form.name
        )


def do_save_form(
    session: Session,
    by: Principal | None,
    *,
    patient_id: int,
    form: str,
    org_unit_id: int,
    values: Mapping[str, Any],
    parent_id: int | None = None,
    confirmed: Collection[str] = (),
    tz: str = "Asia/Shanghai",
) -> RegistryRecord:
    """Validate a filled-in dictionary form and save it as a new record.

    Hard errors raise :class:`InvalidInput`; unconfirmed soft-range values raise
    :class:`UnconfirmedValues` (nothing is saved in either case).
    """
    record = _save_form(session, by, patient_id, form, org_unit_id, values, parent_id, confirmed, tz)
    session.commit()
    return record


def _save_form(
    session: Session,
    by: Principal | None,
    patient_id: int,
    form: str,
    org_unit_id: int,
    values: Mapping[str, Any],
    parent_id: int | None,
    confirmed: Collection[str],
    tz: str,
    *,
    transfer: bool = False,
) -> RegistryRecord:
    unit = network_queries.get_org_unit(session, org_unit_id)
    _require(by, Permission.WRITE_PATIENTS, unit)
    dictionary = queries.dictionary_for(session, org_unit_id)
    definition = dictionary.form(form)
    _check_parent(session, definition, patient_id, parent_id, unit, transfer)
    context = record_context(session, patient_id, parent_id)
    cleaned = _validated(dictionary, definition, values, confirmed=confirmed, context=context, tz=tz)
    return _add_record(session, by, patient_id, form, unit, cleaned, dictionary.version, parent_id)


def do_register_with_form(
    session: Session,
    by: Principal | None,
    *,
    org_unit_id: int,
    values: Mapping[str, Any],
    confirmed: Collection[str] = (),
    tz: str = "Asia/Shanghai",
) -> RegistryRecord:
    """Register a new patient and save their patient form, both or neither."""
    unit = network_queries.get_org_unit(session, org_unit_id)
    _require(by, Permission.WRITE_PATIENTS, unit)
    network_id = new_network_id()
    filled = {**values, "network_id": network_id}
    # The patient row is only flushed: if the form is refused below, nothing is committed.
    patient = _add_patient(session, by, unit, network_id)
    return do_save_form(
        session,
        by,
        patient_id=patient.id,
        form="patient",
        org_unit_id=unit.id,
        values=filled,
        confirmed=confirmed,
        tz=tz,
    )


def do_admit_transfer(
    session: Session,
    by: Principal | None,
    *,
    network_id: str,
    org_unit_id: int,
    values: Mapping[str, Any],
    confirmed: Collection[str] = (),
    tz: str = "Asia/Shanghai",
) -> RegistryRecord:
    """A child already registered at another network hospital is admitted here.

    The child keeps their network id: the new episode hangs under their one patient form.
    Both hospitals then see the shared part — this hospital the patient form, the registering
    hospital this transfer episode — and each sees only its own part otherwise.
    """
    unit = network_queries.get_org_unit(session, org_unit_id)
    _require(by, Permission.WRITE_PATIENTS, unit)
    patient = queries.patient_by_network_id(session, network_id.strip().upper())
    top = None
    if patient is not None:
        top = session.scalars(
            select(RegistryRecord).where(
                RegistryRecord.patient_id == patient.id, RegistryRecord.form == "patient"
            )
        ).first()
    if patient is None or top is None:
        raise InvalidInput.one(
            "network_id", "unknown", N_("No child with the network id %(id)s is registered."), id=network_id
        )
    # The episode and the shares are one transaction: never an episode the other hospital misses.
    episode = _save_form(
        session, by, patient.id, "episode", unit.id, values, top.id, confirmed, tz, transfer=True
    )
    here = queries.hospital_unit(session, unit.id)
    there = queries.hospital_unit(session, patient.org_unit_id)
    if here.id != there.id:
        _share(session, top.id, here.id)
        _share(session, episode.id, there.id)
        after = {"network_id": patient.network_id, "episode_id": episode.id, "shared_with": there.code}
        audit.record(
            session, _actor(by), "share", "registry_patient", patient.id, after=after, org_unit_id=here.id
        )
    session.commit()
    return episode


def _share(session: Session, record_id: int, org_unit_id: int) -> None:
    exists = select(func.count()).where(
        RecordShare.record_id == record_id, RecordShare.org_unit_id == org_unit_id
    )
    if not session.scalar(exists.select_from(RecordShare)):
        session.add(RecordShare(record_id=record_id, org_unit_id=org_unit_id))


def do_edit_form(
    session: Session,
    by: Principal | None,
    record_id: int,
    values: Mapping[str, Any],
    *,
    expected_version: int,
    reason: str,
    confirmed: Collection[str] = (),
    tz: str = "Asia/Shanghai",
) -> RegistryRecord:
    """Validate a changed form and save it (a reason and the version read are required)."""
    record = _writable(session, by, record_id)
    dictionary = queries.dictionary_for(session, record.org_unit_id)
    if record.form == "patient":
        values = {**values, "network_id": record.values.get("network_id")}
    context = record_context(session, record.patient_id, record.parent_id)
    cleaned = _validated(
        dictionary, dictionary.form(record.form), values, confirmed=confirmed, context=context, tz=tz
    )
    return do_update_record(session, by, record_id, cleaned, expected_version=expected_version, reason=reason)


# ----- a hospital's local fields ---------------------------------------------------------------


def do_set_dictionary_extension(
    session: Session, by: Principal | None, org_unit_id: int, redcap_csv: str
) -> DictionaryExtension:
    """Keep a hospital's REDCap data dictionary as its extension of the core dictionary.

    The file must hold every core field unchanged (they cannot be removed or retyped); its
    other rows become the hospital's local fields. A broken file raises ``InvalidInput``
    naming each field and rule, and nothing is kept.
    """
    hospital, extension = queries.extension_of(session, org_unit_id)
    if hospital.kind != "hospital":
        raise InvalidInput.one("org_unit_id", "kind", N_("Local fields belong to a hospital."))
    _require(by, Permission.IMPORT_DATA, hospital)
    local = local_fields(redcap.import_extension(redcap_csv, hospital=hospital.code))
    if extension is None:
        extension = DictionaryExtension(org_unit_id=hospital.id, redcap_csv=redcap_csv)
        session.add(extension)
    extension.redcap_csv, extension.updated_at = redcap_csv, utcnow()
    extension.updated_by_id = by.user_id if by else None
    session.flush()
    after = {"local_fields": local}
    audit.record(
        session,
        _actor(by),
        "set",
        "registry_dictionary_extension",
        extension.id,
        after=after,
        org_unit_id=hospital.id,
    )
    session.commit()
    return extension


# ----- data-quality queries: raised by a quality officer, answered by the hospital -----------


def do_raise_query(
    session: Session,
    by: Principal | None,
    record_id: int,
    *,
    field: str,
    question: str,
    rule: str | None = None,
) -> DataQuery:
    """Ask the record's hospital about one field (quality officers)."""
    record, unit = _held(session, by, RegistryRecord, record_id)
    _require(by, Permission.RAISE_QUERIES, unit)
    form = queries.dictionary_for(session, record.org_unit_id).form(record.form)
    if form.get(field) is None:
        raise InvalidInput.one(
            "field",
            "unknown_field",
            N_("%(field)s is not a field of the form %(form)s."),
            field=field,
            form=form.name,
        )
    if not question.strip():
        raise InvalidInput.one("question", "required", N_("Say what should be checked."))
    query = DataQuery(
        record_id=record.id,
        org_unit_id=record.org_unit_id,
        field=field,
        rule=rule,
        question=question.strip(),
        raised_by_id=by.user_id if by else None,
    )
    session.add(query)
    session.flush()
    after = {"record_id": record.id, "field": field, "question": query.question}
    audit.record(session, _actor(by), "raise", "registry_query", query.id, after=after, org_unit_id=unit.id)
    session.commit()
    return query


def do_answer_query(session: Session, by: Principal | None, query_id: int, *, answer: str) -> DataQuery:
    """The hospital answers: the record was corrected, or the value is right and why."""
    query, unit = _held(session, by, DataQuery, query_id)
    _require(by, Permission.WRITE_PATIENTS, unit)
    if query.state == "closed":
        raise Conflict.one("state", "closed", N_("This query is closed."))
    if not answer.strip():
        raise InvalidInput.one("answer", "required", N_("Write the answer."))
    query.answer, query.state = answer.strip(), "answered"
    query.answered_by_id, query.answered_at = (by.user_id if by else None), utcnow()
    audit.record(
        session,
        _actor(by),
        "answer",
        "registry_query",
        query.id,
        after={"answer": query.answer},
        org_unit_id=unit.id,
    )
    session.commit()
    return query


def do_close_query(session: Session, by: Principal | None, query_id: int) -> DataQuery:
    """The officer accepts the answer and closes the query."""
    query, unit = _held(session, by, DataQuery, query_id)
    _require(by, Permission.RAISE_QUERIES, unit)
    if query.state != "answered":
        raise Conflict.one("state", "not_answered", N_("Only an answered query can be closed."))
    query.state = "closed"
    query.closed_by_id, query.closed_at = (by.user_id if by else None), utcnow()
    audit.record(session, _actor(by), "close", "registry_query", query.id, org_unit_id=unit.id)
    session.commit()
    return query


def _records_held(session: Session, unit: OrgUnit) -> str | None:
    count = session.scalar(
        select(func.count()).select_from(RegistryRecord).where(RegistryRecord.org_unit_id == unit.id)
    )
    return f"{count} registry records" if count else None


network_actions.DELETE_GUARDS.append(_records_held)


# --- dictionary migrations -------------------------------------------------------------------


@dataclass(frozen=True)
class RecordMigration:
    """What :func:`do_migrate_records` did: records examined and rewritten, per form."""

    examined: int
    migrated: dict[str, int]


def do_migrate_records(
    session: Session,
    *,
    dictionary: Dictionary | None = None,
    chunk: int = 500,
    on_progress: Callable[[int, int], None] | None = None,
) -> RecordMigration:
    """Rewrite the records stored under an older dictionary version with the forms'
    documented ``changes`` (:func:`~lifenet.registry.dictionary.migrate_values`).

    Only records older than a form's newest change are read, ``chunk`` at a time. A record
    whose values change gets the current dictionary version, a new row version (an editor
    holding the old one is refused, as for any save) and an audit entry by the system with
    the changes' notes as reason; locked records too (the values keep their meaning, only
    their names or codes change). A record the changes do not touch keeps its version.
    Run by ``lifenet migrate`` after the schema upgrade; running it again changes nothing.
    """
    dictionary = dictionary or load_dictionary()
    wanted = [
        and_(
            RegistryRecord.form == form.name,
            RegistryRecord.dictionary_version < max(c.version for c in form.changes),
        )
        for form in dictionary.forms.values()
        if form.changes
    ]
    if not wanted:
        return RecordMigration(examined=0, migrated={})
    where = or_(*wanted)
    total = session.scalar(select(func.count()).select_from(RegistryRecord).where(where)) or 0
    migrated: dict[str, int] = {}
    examined, last_id = 0, 0
    while True:
        records = session.scalars(
            select(RegistryRecord)
            .where(where, RegistryRecord.id > last_id)
            .order_by(RegistryRecord.id)
            .limit(chunk)
        ).all()
        if not records:
            break
        for record in records:
            if _migrate_record(session, dictionary, record):
                migrated[record.form] = migrated.get(record.form, 0) + 1
        examined += len(records)
        last_id = records[-1].id
        session.commit()
        if on_progress:
            on_progress(examined, total)
    return RecordMigration(examined=examined, migrated=migrated)


def _migrate_record(session: Session, dictionary: Dictionary, record: RegistryRecord) -> bool:
    form = dictionary.form(record.form)
    before = dict(record.values)
    after = migrate_values(form, before, record.dictionary_version)
    if after == before:
        return False
    applied = [c for c in form.changes if c.version > record.dictionary_version and c.field in before]
    changed = sorted({k for k in before.keys() | after.keys() if before.get(k) != after.get(k)})
    old_version, old_dictionary = record.version, record.dictionary_version
    record.values = after
    record.dictionary_version = dictionary.version
    record.version = old_version + 1
    record.updated_at = utcnow()
    audit.record(
        session,
        audit.SYSTEM,
        "migrate",
        f"registry_{record.form}",
        record.id,
        before={k: before.get(k) for k in changed}
        | {"dictionary_version": old_dictionary, "version": old_version},
        after={k: after.get(k) for k in changed}
        | {"dictionary_version": dictionary.version, "version": old_version + 1},
        reason="; ".join(f"dictionary version {c.version}: {c.note}" for c in applied),
        org_unit_id=record.org_unit_id,
    )
    return True
