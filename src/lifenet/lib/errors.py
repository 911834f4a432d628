"""Errors raised on bad input: each names the field and the rule it broke.

``message`` is an English template (also the translation key); pages translate it into the
user's language, the API returns it as is, with ``field`` and ``rule`` for programs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for translation without translating it here."""
    return message


@dataclass(frozen=True)
class FieldError:
    field: str
    rule: str
    message: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def english(self) -> str:
        return self.message % self.params if self.params else self.message

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "rule": self.rule, "message": self.english()}


class InvalidInput(ValueError):
    """One or more fields are wrong; nothing was changed."""

    def __init__(self, *errors: FieldError) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.english()}" for e in self.errors))

    @classmethod
    def one(cls, field_name: str, rule: str, message: str, **params: Any) -> InvalidInput:
        return cls(FieldError(field_name, rule, message, params))


class Conflict(InvalidInput):
    """The change clashes with the current state (duplicate, stale version, in use)."""
