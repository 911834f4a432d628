"""Tables of the network module."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lifenet.db import Base, utcnow
from lifenet.lib.errors import N_

OrgUnitKind = Literal["nation", "province", "city", "county", "hospital", "unit"]
UnitType = Literal["PICU", "NICU", "CICU", "ED", "ward", "ECMO team", "other"]
HospitalLevel = Literal["tertiary", "secondary", "primary"]
NetworkRole = Literal["hub", "spoke", "outside"]
ORG_UNIT_KINDS: tuple[str, ...] = get_args(OrgUnitKind)
UNIT_TYPES: tuple[str, ...] = get_args(UnitType)
HOSPITAL_LEVELS: tuple[str, ...] = get_args(HospitalLevel)
NETWORK_ROLES: tuple[str, ...] = get_args(NetworkRole)
# Marked for translation: pages show these codes in the user's language.
CODE_LABELS = (
    N_("nation"),
    N_("province"),
    N_("city"),
    N_("county"),
    N_("hospital"),
    N_("unit"),
    N_("tertiary"),
    N_("secondary"),
    N_("primary"),
    N_("hub"),
    N_("spoke"),
    N_("outside"),
)
# Which kinds may sit directly under which: hospitals hang under any administrative level,
# units only under a hospital.
ALLOWED_PARENTS: dict[str, tuple[str, ...]] = {
    "nation": (),
    "province": ("nation",),
    "city": ("province",),
    "county": ("city", "province"),
    "hospital": ("nation", "province", "city", "county"),
    "unit": ("hospital",),
}


class OrgUnit(Base):
    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    # Materialized path of ids ("/1/4/9/"): a subtree is every path with this prefix.
    path: Mapped[str] = mapped_column(String(512), index=True, default="")
    unit_type: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])
    hospital: Mapped[Hospital | None] = relationship(back_populates="org_unit", uselist=False)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


class Hospital(Base):
    __tablename__ = "hospital"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    network_role: Mapped[str] = mapped_column(String(16))
    ecmo_capable: Mapped[bool] = mapped_column(Boolean, default=False)
    licensed_beds: Mapped[int] = mapped_column(Integer, default=0)

    org_unit: Mapped[OrgUnit] = relationship(back_populates="hospital")


class Role(Base):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str] = mapped_column(String(200))
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)

    def name(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") else self.name_en


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    display_name_en: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16))
    home_org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    home_org_unit: Mapped[OrgUnit | None] = relationship()
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", foreign_keys="RoleGrant.user_id", order_by="RoleGrant.id"
    )

    def name(self, language: str) -> str:
        if language.startswith("zh") or not self.display_name_en:
            return self.display_name
        return self.display_name_en


class RoleGrant(Base):
    """A role held over an org-unit subtree, optionally only within a validity window."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id"))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    valid_from: Mapped[dt.datetime | None] = mapped_column()
    valid_until: Mapped[dt.datetime | None] = mapped_column()
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    role: Mapped[Role] = relationship()
    org_unit: Mapped[OrgUnit] = relationship()

    def is_active(self, at: dt.datetime) -> bool:
        if self.revoked_at is not None:
            return False
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_until is None or at < self.valid_until


class WebSession(Base):
    """A server-side page session; the cookie holds a random token, the table its hash."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A personal API token; only its hash is kept, the token is shown once."""

    __tablename__ = "api_token"
    __table_args__ = (UniqueConstraint("token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None] = mapped_column()
    last_used_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_at: Mapped[dt.datetime | None] = mapped_column()

    user: Mapped[User] = relationship()


def snapshot(obj: Base, fields: tuple[str, ...]) -> dict[str, Any]:
    """Plain JSON-able values of ``fields`` for the audit log."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out
