"""Tables of the registry: pseudonymous patients and dictionary-driven records.

A record is one filled-in form (episode, pre-ECLS assessment, ECLS run, complication, outcome,
daily observation…) for one patient at one hospital. Its values are stored as JSON keyed by
the data dictionary's field names, with the dictionary version they were entered under, so
adding a field is adding it to the dictionary — no migration. ``version`` counts saves and
refuses a second, stale save of the same record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lifenet.db import Base, utcnow


class RegistryPatient(Base):
    __tablename__ = "registry_patient"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The network-wide pseudonym: the same child keeps it across hospitals.
    network_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The hospital that registered the patient first.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    records: Mapped[list[RegistryRecord]] = relationship(
        back_populates="patient", order_by="RegistryRecord.id"
    )


class RegistryRecord(Base):
    __tablename__ = "registry_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("registry_patient.id"), index=True)
    form: Mapped[str] = mapped_column(String(32), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("registry_record.id"), index=True)
    # The hospital (or one of its units) whose record this is: the scope every read checks.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    dictionary_version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    locked_at: Mapped[dt.datetime | None] = mapped_column()
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    patient: Mapped[RegistryPatient] = relationship(back_populates="records")
    parent: Mapped[RegistryRecord | None] = relationship(remote_side=[id])


class PatientIdentifier(Base):
    """Direct identifiers (name, national id, phone) a hospital may keep, encrypted at rest.

    One row per patient and hospital: identifiers never leave the hospital that holds them.
    """

    __tablename__ = "registry_patient_identifier"
    __table_args__ = (UniqueConstraint("patient_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("registry_patient.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    ciphertext: Mapped[str] = mapped_column(String(4096))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


QUERY_STATES = ("open", "answered", "closed")


class DataQuery(Base):
    """A question a quality officer raises on one field of a record; the data manager answers
    (correcting the record or explaining the value) and the officer closes it."""

    __tablename__ = "registry_query"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("registry_record.id"), index=True)
    # Copied from the record so scoped lists need no join through the record.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)
    question: Mapped[str] = mapped_column(String(2000))
    answer: Mapped[str | None] = mapped_column(String(2000))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    raised_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[dt.datetime | None] = mapped_column()

    record: Mapped[RegistryRecord] = relationship()


JOB_STATES = ("queued", "running", "done", "refused", "failed")


class ImportJob(Base):
    """An import started from the import page: its progress, then its outcome and report."""

    __tablename__ = "registry_import_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    form: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    stage: Mapped[str | None] = mapped_column(String(16))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(String(2000))
    # The refusal report (CSV: row, field, value, rule, message): downloadable from the page.
    report_csv: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()


class RecordShare(Base):
    """A record another hospital may read: a transferred child's shared patient form and
    transfer episode. Everything else stays with the hospital that holds it."""

    __tablename__ = "registry_record_share"
    __table_args__ = (UniqueConstraint("record_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("registry_record.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DictionaryExtension(Base):
    """A hospital's local fields: its REDCap data dictionary (core fields unchanged plus its
    own rows), kept as uploaded and read with ``redcap.import_extension``."""

    __tablename__ = "registry_dictionary_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), unique=True)
    redcap_csv: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
