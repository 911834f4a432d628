"""Turning submitted forms into Pydantic models, with errors people can read in both languages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from lifenet.lib.errors import N_, FieldError, InvalidInput

Model = TypeVar("Model", bound=BaseModel)

# Pydantic's error types, as messages a clinician understands (translated on the page).
MESSAGES: dict[str, str] = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This is too short."),
    "string_too_long": N_("This is too long."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "literal_error": N_("Choose one of the offered values."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "greater_than_equal": N_("This number is too small."),
    "less_than_equal": N_("This number is too large."),
    "datetime_parsing": N_("Enter a date and time."),
    "datetime_from_date_parsing": N_("Enter a date and time."),
    "timezone_aware": N_("Enter a date and time with its time zone."),
    "bool_parsing": N_("Choose yes or no."),
}


def parse_form(schema: type[Model], data: Mapping[str, Any]) -> Model:
    """Validate form values; empty strings count as "not given"."""
    cleaned = {k: v for k, v in data.items() if v not in ("", None)}
    try:
        return schema.model_validate(cleaned)
    except ValidationError as exc:
        raise InvalidInput(
            *[
                FieldError(
                    ".".join(str(p) for p in err["loc"]) or "form",
                    err["type"],
                    MESSAGES.get(err["type"], N_("This value is not valid.")),
                )
                for err in exc.errors()
            ]
        ) from exc
