"""Pydantic models at the registry's edges (API bodies and answers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

CONFIRM_HELP = "Fields whose unusual (soft-range) values you confirm are right."


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    org_unit_id: int = Field(description="The registering hospital (or one of its units).")
    values: dict[str, Any] = Field(description="The patient form; the network id is given by LifeNet.")
    confirm: list[str] = Field(default_factory=list, description=CONFIRM_HELP)


class RecordCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form: str
    parent_id: int = Field(description="The record this form belongs under (an episode for an ECLS run).")
    org_unit_id: int | None = Field(None, description="Defaults to the parent record's unit.")
    values: dict[str, Any]
    confirm: list[str] = Field(default_factory=list, description=CONFIRM_HELP)


class RecordUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: dict[str, Any] = Field(description="Changed fields; null clears a field. Others are kept.")
    version: int = Field(description="The version you read: a stale save is refused (409).")
    reason: str = Field(min_length=1, max_length=1000, description="Why; kept in the audit log.")
    confirm: list[str] = Field(default_factory=list, description=CONFIRM_HELP)


class LockChange(BaseModel):
    reason: str | None = Field(None, max_length=1000)


class RecordOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: int
    form: str
    parent_id: int | None
    org_unit_id: int
    dictionary_version: int
    values: dict[str, Any]
    version: int
    locked_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PatientOut(BaseModel):
    id: int
    network_id: str
    org_unit_id: int
    records: list[RecordOut]


class PatientListItem(BaseModel):
    id: int
    network_id: str
    hospital_id: int
    records: int
    runs: int
    updated_at: dt.datetime


class QueryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(max_length=64, description="The field of the record to check.")
    question: str = Field(min_length=1, max_length=2000)
    rule: str | None = Field(None, max_length=32, description="The data-quality rule that flagged it.")


class QueryAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(min_length=1, max_length=2000)


class QueryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    record_id: int
    org_unit_id: int
    field: str
    rule: str | None
    state: str
    question: str
    answer: str | None
    raised_at: dt.datetime
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None


class TransferAdmit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    network_id: str = Field(max_length=32, description="The child's network id, from the referring hospital.")
    org_unit_id: int = Field(description="The admitting hospital (or one of its units).")
    values: dict[str, Any] = Field(description="The episode form of this admission.")
    confirm: list[str] = Field(default_factory=list, description=CONFIRM_HELP)
