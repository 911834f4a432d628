"""Who may see or change what, and where: the one place that decides.

A user's active role grants become a :class:`Principal`: a list of (org-unit subtree,
permissions) pairs. Every module's ``access_*`` reads ask the principal; nothing else decides
access. The network module builds principals from its tables; this module is pure logic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Permission(StrEnum):
    VIEW_ORG = "org.view"
    MANAGE_NETWORK = "network.manage"
    MANAGE_USERS = "users.manage"
    READ_PATIENTS = "patients.read"
    WRITE_PATIENTS = "patients.write"
    LOCK_RECORDS = "records.lock"
    IMPORT_DATA = "data.import"
    EXPORT_DATA = "data.export"
    READ_AGGREGATES = "aggregates.read"
    RAISE_QUERIES = "quality.queries"
    REQUEST_REFERRAL = "referrals.request"
    ANSWER_REFERRAL = "referrals.answer"
    READ_DEIDENTIFIED = "extracts.deidentified"
    READ_AUDIT = "audit.read"


class Forbidden(Exception):
    """The user may not do this here. Pages answer 403, the API 403 with the reason."""

    def __init__(self, permission: Permission | str, where: str | None = None) -> None:
        self.permission = str(permission)
        self.where = where
        super().__init__(f"missing permission {self.permission}" + (f" at {where}" if where else ""))


class NotFound(Exception):
    """No such object, or one the user may not know exists."""

    def __init__(self, what: str, ident: object) -> None:
        self.what = what
        self.ident = ident
        super().__init__(f"{what} {ident} not found")


@dataclass(frozen=True)
class ScopeGrant:
    """Permissions held over the subtree whose materialized path is ``path``."""

    org_unit_id: int
    path: str
    permissions: frozenset[str]


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    grants: tuple[ScopeGrant, ...] = field(default_factory=tuple)

    def can(self, permission: Permission, unit_path: str) -> bool:
        """May this user use ``permission`` at the org unit with materialized path ``unit_path``?"""
        return any(permission in g.permissions and unit_path.startswith(g.path) for g in self.grants)

    def can_anywhere(self, permission: Permission) -> bool:
        return any(permission in g.permissions for g in self.grants)

    def scope_paths(self, permission: Permission) -> list[str]:
        """Subtree roots where the user holds ``permission`` (for query filters), outermost only."""
        paths = sorted({g.path for g in self.grants if permission in g.permissions}, key=len)
        kept: list[str] = []
        for path in paths:
            if not any(path.startswith(k) for k in kept):
                kept.append(path)
        return kept

    def covers(self, permission: Permission, unit_paths: Iterable[str]) -> bool:
        return all(self.can(permission, p) for p in unit_paths)

    def require(self, permission: Permission, unit_path: str, where: str | None = None) -> None:
        if not self.can(permission, unit_path):
            raise Forbidden(permission, where)

    def require_anywhere(self, permission: Permission) -> None:
        if not self.can_anywhere(permission):
            raise Forbidden(permission)


ANONYMOUS = Principal(user_id=0, username="anonymous")
