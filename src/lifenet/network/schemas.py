"""Pydantic models at the edges of the network module (API bodies and answers)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lifenet.network.models import HospitalLevel, NetworkRole, OrgUnitKind, UnitType

Language = Literal["zh_Hans", "en"]

Code = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
Name = Field(min_length=1, max_length=200)


class HospitalAttributes(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: HospitalLevel
    network_role: NetworkRole
    ecmo_capable: bool = False
    licensed_beds: int = Field(0, ge=0, le=20000)


class OrgUnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_id: int | None
    kind: OrgUnitKind
    code: str = Code
    name_en: str = Name
    name_zh: str = Name
    unit_type: UnitType | None = None
    hospital: HospitalAttributes | None = None


class OrgUnitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_en: str | None = Field(None, min_length=1, max_length=200)
    name_zh: str | None = Field(None, min_length=1, max_length=200)
    unit_type: UnitType | None = None
    hospital: HospitalAttributes | None = None


class OrgUnitMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_id: int


class HospitalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    level: str
    network_role: str
    ecmo_capable: bool
    licensed_beds: int


class OrgUnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    parent_id: int | None
    kind: str
    code: str
    name_en: str
    name_zh: str
    path: str
    unit_type: str | None
    hospital: HospitalOut | None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    display_name: str = Name
    display_name_en: str = Field("", max_length=200)
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=10, max_length=200)
    home_org_unit_id: int
    language: Language | None = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(None, min_length=1, max_length=200)
    display_name_en: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    language: Language | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    display_name_en: str
    email: str | None
    language: str | None
    home_org_unit_id: int | None
    is_active: bool
    locked_until: dt.datetime | None
    last_login_at: dt.datetime | None


class GrantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int
    role: str = Field(min_length=1, max_length=64)
    org_unit_id: int
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None


class GrantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    role: str
    org_unit_id: int
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    revoked_at: dt.datetime | None


class RoleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name_en: str
    name_zh: str
    permissions: list[str]


class ApiTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(90, ge=1, le=3650)


class ApiTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="Shown once; LifeNet keeps only its hash.")


class Me(BaseModel):
    user: UserOut
    grants: list[GrantOut]
