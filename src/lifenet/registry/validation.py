"""Validation of registry records against the data dictionary: one record (forms, API) here, a
whole file at once (imports, with Polars) in :mod:`lifenet.registry.validation_frame`, by the
same rules, both derived from the fields' definitions.

Rules, in the order they are checked for each field:

- ``unknown_field``: a value for a name that is not a field of the form (a whole column, once,
  for a file). Values given for calculated fields are ignored: those are computed.
- ``type``: the value cannot be read as the field's type. Strings (forms, CSV) and JSON values
  are both read: integers "12" or 12 (also "12.0"), decimals "7.25", dates "2024-03-05" or
  "2024/3/5", date-times "2024-03-05 14:30" with an offset ("Z", "+08:00") or in the hospital's
  time zone (``tz``), yes/no as true/false, 1/0, yes/no, y/n, 是/否, multiple choices as a list
  or "a|b", "a,b", "a;b". Codes are read case-insensitively.
- ``timezone``: a date-time without offset when no ``tz`` was given.
- ``format`` (pattern: ICD-10, network id), ``max_length``, ``code`` (not in the code list).
- ``range``: outside the hard range, refused. ``future``: a date or date-time after ``today``.
- ``code_group``: a choice whose code belongs to another group (a hemorrhagic item under a
  neurologic category).
- ``required``: only when the field is shown.
- ``soft_range``: outside the soft range; a warning until the field is in ``confirmed_soft``.
- a form's checks (``date_order``, ``consistency``…): the rule holds whenever every field it
  reads has a value; related records' fields (``patient.birth_date``) come from ``context``.

Branching: a field whose ``show_if`` is false is hidden, and a value given for it is dropped
(listed in ``dropped``), not refused: browsers post hidden inputs, and REDCap exports keep
values of hidden fields; neither is the user's mistake. Errors of a hidden field are not shown.

Date-times are stored as ISO 8601 strings in UTC; the calendar day of a date-time (age at
cannulation, comparisons with a date) is taken in the hospital's zone ``tz`` (UTC without it).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any
from zoneinfo import ZoneInfo

from lifenet.lib.errors import N_, FieldError
from lifenet.registry.dictionary import Dictionary, Field, Form, load_dictionary
from lifenet.registry.dictionary import expressions as ex

UTC = dt.UTC
INTEGER_PATTERN = r"[+-]?[0-9]{1,18}(?:\.0+)?"
DECIMAL_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?"
DATE_PATTERN = r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?: 00:00(?::00)?)?"
DATETIME_PATTERN = (
    r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})[T ]([01]?[0-9]|2[0-3]):([0-5][0-9])"
    r"(?::([0-5][0-9])(?:\.([0-9]{1,6}))?)?(Z|[+-](?:0[0-9]|1[0-4]):?[0-5][0-9])?"
)
YES = ("yes", "y", "true", "1", "是", "有")
NO = ("no", "n", "false", "0", "否", "无")
SPLIT_PATTERN = r"[|,;]"

MESSAGES: dict[str, str] = {
    "unknown_field": N_("%(field)s is not a field of the form %(form)s."),
    "type.text": N_("Enter text."),
    "type.integer": N_("%(value)s is not a whole number."),
    "type.decimal": N_("%(value)s is not a number."),
    "type.date": N_("%(value)s is not a date (YYYY-MM-DD)."),
    "type.datetime": N_("%(value)s is not a date and time (YYYY-MM-DD HH:MM)."),
    "type.yesno": N_("%(value)s is not yes or no."),
    "type.choice": N_("%(value)s is not a code."),
    "type.multichoice": N_("%(value)s is not a list of codes."),
    "type.code": N_("%(value)s is not a code."),
    "timezone": N_("%(value)s has no time zone; add one such as +08:00."),
    "format": N_("%(value)s does not have the expected format."),
    "max_length": N_("Use at most %(max_length)s characters."),
    "code": N_("%(value)s is not in the list %(codelist)s."),
    "code_group": N_("%(value)s does not belong to the chosen %(group_field)s."),
    "range": N_("%(value)s is outside the allowed range %(min)s to %(max)s."),
    "future": N_("%(value)s is in the future."),
    "required": N_("This field is required."),
    "soft_range": N_(
        "%(value)s is unusual (expected %(soft_min)s to %(soft_max)s); confirm it if it is right."
    ),
}


@dataclass(frozen=True)
class ValidationResult:
    """``values``: the cleaned, JSON-ready values (with calculated fields) to store;
    ``errors`` block the save; ``warnings`` (soft ranges) block it until confirmed."""

    values: dict[str, Any]
    errors: list[FieldError] = dataclass_field(default_factory=list)
    warnings: list[FieldError] = dataclass_field(default_factory=list)
    dropped: list[str] = dataclass_field(default_factory=list)
    # Fields the values show (branching): the form hides the others as the user types.
    shown: list[str] = dataclass_field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.warnings


def _bound(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if float(value).is_integer() else str(value)


def field_error(field: Field, rule: str, value: Any = None, *, codelist: str | None = None) -> FieldError:
    """The error a field's rule gives, worded the same for a record and for a file."""
    template = MESSAGES.get(f"{rule}.{field.type}", MESSAGES.get(rule, N_("%(value)s is not valid.")))
    params: dict[str, Any] = {"value": "" if value is None else str(value)}
    if rule == "range":
        params |= {"min": _bound(field.min), "max": _bound(field.max)}
    elif rule == "soft_range":
        params |= {"soft_min": _bound(field.soft_min), "soft_max": _bound(field.soft_max)}
    elif rule == "max_length":
        params |= {"max_length": field.max_length}
    elif rule == "code":
        params |= {"codelist": codelist or field.codelist or field.name}
    elif rule == "code_group":
        params |= {"group_field": field.group_field}
    elif rule == "required":
        params = {}
    return FieldError(field.name, rule, template, params)


# --- one value ------------------------------------------------------------------------------


class Refused(ValueError):
    """A value ``coerce`` cannot read; ``rule`` is "type" or "timezone"."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


def _zone(tz: str | None) -> dt.tzinfo:
    return ZoneInfo(tz) if tz else UTC


def _text(raw: Any) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise Refused("type")
    text = raw.strip() if isinstance(raw, str) else repr(raw)
    return text or None


def _read_date(text: str) -> dt.date:
    match = re.fullmatch(DATE_PATTERN, text)
    if match is None:
        raise Refused("type")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Refused("type") from None


def _local(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A naive wall-clock time in the zone; refused when the zone skips it (DST gap)."""
    aware = value.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
        raise Refused("timezone")
    return aware


def _read_datetime(text: str, tz: str | None) -> dt.datetime:
    match = re.fullmatch(DATETIME_PATTERN, text)
    if match is None:
        raise Refused("type")
    micro = int((match[7] or "0").ljust(6, "0"))
    try:
        naive = dt.datetime(  # noqa: DTZ001 - a wall-clock time; its zone is attached below
            int(match[1]),
            int(match[2]),
            int(match[3]),
            int(match[4]),
            int(match[5]),
            int(match[6] or 0),
            micro,
        )
    except ValueError:
        raise Refused("type") from None
    offset = match[8]
    if offset is None:
        if tz is None:
            raise Refused("timezone")
        return _local(naive, ZoneInfo(tz))
    if offset == "Z":
        return naive.replace(tzinfo=UTC)
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    minutes = sign * (int(digits[:2]) * 60 + int(digits[2:]))
    return naive.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))


def _yesno(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = _text(raw)
    if text is None:
        return None
    lowered = text.lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise Refused("type")


def _codes(raw: Any, upper: bool) -> list[str] | None:
    if isinstance(raw, list | tuple):
        parts = [_text(p) for p in raw]
    else:
        text = _text(raw)
        parts = re.split(SPLIT_PATTERN, text) if text is not None else []
    cleaned = [p.strip() for p in parts if p is not None and p.strip()]
    cleaned = [p.upper() if upper else p.lower() for p in cleaned]
    return list(dict.fromkeys(cleaned)) or None


def _number(raw: Any, pattern: str, kind: type) -> Any:
    text = _text(raw)
    if text is None:
        return None
    if re.fullmatch(pattern, text) is None:
        raise Refused("type")
    if kind is int:
        return int(text.split(".")[0])
    value = float(text)
    if not math.isfinite(value):
        raise Refused("type")
    return value


def _date_value(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is not None or raw.time() != dt.time():
            raise Refused("type")
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _text(raw)
    return None if text is None else _read_date(text)


def _datetime_value(raw: Any, tz: str | None) -> dt.datetime | None:
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is not None:
            return raw
        if tz is None:
            raise Refused("timezone")
        return _local(raw, ZoneInfo(tz))
    if isinstance(raw, dt.date):
        raise Refused("type")
    text = _text(raw)
    return None if text is None else _read_datetime(text, tz)


def coerce(field: Field, raw: Any, *, tz: str | None = None) -> Any:
    """Read one raw value as the field's type (None when empty); raises ``Refused``."""
    if raw is None:
        return None
    kind = field.type
    if kind == "integer":
        return _number(raw, INTEGER_PATTERN, int)
    if kind == "decimal":
        return _number(raw, DECIMAL_PATTERN, float)
    if kind == "date":
        return _date_value(raw)
    if kind == "datetime":
        value = _datetime_value(raw, tz)
        return None if value is None else value.astimezone(_zone(tz))
    if kind == "yesno":
        return _yesno(raw)
    if kind == "multichoice" or (kind == "code" and field.multiple):
        return _codes(raw, upper=kind == "code")
    text = _text(raw)
    if text is None:
        return None
    if kind == "choice":
        return text.lower()
    return text.upper() if kind == "code" else text


def _check_value(field: Field, value: Any, dictionary: Dictionary, today: dt.date) -> str | None:
    """The first rule the typed value breaks, or None."""
    items = value if isinstance(value, list) else [value]
    if field.pattern and not all(re.fullmatch(field.pattern, str(v)) for v in items):
        return "format"
    if field.max_length is not None and len(str(value)) > field.max_length:
        return "max_length"
    codelist = dictionary.codelist_of(field)
    if codelist is not None and field.type != "calculated" and not all(v in codelist.codes for v in items):
        return "code"
    if field.min is not None and value < field.min or field.max is not None and value > field.max:
        return "range"
    if field.type in ("date", "datetime") and not field.allow_future:
        day = value.date() if isinstance(value, dt.datetime) else value
        if day > today:
            return "future"
    return None


def _outside_soft(field: Field, value: Any) -> bool:
    if value is None or field.type not in ("integer", "decimal"):
        return False
    return bool(
        field.soft_min is not None
        and value < field.soft_min
        or field.soft_max is not None
        and value > field.soft_max
    )


def to_json(field: Field, value: Any) -> Any:
    """A typed value as stored in ``RegistryRecord.values``."""
    if isinstance(value, dt.datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- one record -----------------------------------------------------------------------------


def _context_view(
    form: Form, dictionary: Dictionary, context: Mapping[str, Mapping[str, Any]] | None, tz: str | None
) -> dict[str, Any]:
    """The related records' values the form's rules read (``patient.birth_date``), typed; only
    those: a related record may hold a hundred fields."""
    view: dict[str, Any] = {}
    for name in form.related_names():
        related, _, field_name = name.partition(".")
        raw = (context or {}).get(related, {}).get(field_name)
        field = dictionary.resolve(name)
        if raw is None or field is None:
            continue
        try:
            view[name] = coerce(field, raw, tz=tz)
        except Refused:
            continue
    return view


@dataclass
class _Record:
    form: Form
    dictionary: Dictionary
    values: dict[str, Any]  # typed values, date-times in the hospital's zone
    raw: Mapping[str, Any]
    problems: dict[str, str]  # field -> rule broken while reading
    view: dict[str, Any]


def _read_all(
    form: Form, dictionary: Dictionary, values: Mapping[str, Any], tz: str | None, today: dt.date
) -> tuple[dict[str, Any], dict[str, str]]:
    typed: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in form.fields:
        if field.type == "calculated" or field.name not in values:
            continue
        try:
            value = coerce(field, values[field.name], tz=tz)
        except Refused as refused:
            problems[field.name] = refused.rule
            continue
        rule = None if value is None else _check_value(field, value, dictionary, today)
        if rule is not None:
            problems[field.name] = rule
        elif value is not None:
            typed[field.name] = value
    return typed, problems


def _group_ok(record: _Record, field: Field) -> bool:
    value = record.values.get(field.name)
    codelist = record.dictionary.codelist_of(field)
    if value is None or field.group_field is None or codelist is None:
        return True
    choice = codelist.choice(value)
    group = record.values.get(field.group_field)
    return choice is None or choice.group is None or group is None or choice.group == group


def _walk(record: _Record, confirmed_soft: set[str] | frozenset[str]) -> ValidationResult:
    """The ordered pass: calculations, branching, groups, required, soft ranges."""
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    dropped: list[str] = []
    shown: list[str] = []
    for field in record.form.fields:
        name = field.name
        if field.calc is not None:
            record.values.pop(name, None)
            value = ex.calculate(ex.parse_call(field.calc), record.view | record.values)
            if value is not None:
                record.values[name] = value
            continue
        if field.show_if and not ex.evaluate(ex.parse(field.show_if), record.view | record.values):
            if record.raw.get(name) not in (None, "", []):
                dropped.append(name)
            record.values.pop(name, None)
            continue
        shown.append(name)
        raw = record.raw.get(name)
        if name in record.problems:
            codelist = field.codelist
            errors.append(field_error(field, record.problems[name], raw, codelist=codelist))
        elif not _group_ok(record, field):
            errors.append(field_error(field, "code_group", raw))
            record.values.pop(name)
        elif field.required and record.values.get(name) is None:
            errors.append(field_error(field, "required"))
        elif _outside_soft(field, record.values.get(name)) and name not in confirmed_soft:
            warnings.append(field_error(field, "soft_range", raw))
    return ValidationResult({}, errors, warnings, dropped, shown)


def _run_checks(record: _Record) -> list[FieldError]:
    errors = []
    view = record.view | record.values
    for check in record.form.checks:
        node = ex.parse(check.expr)
        if any(view.get(name) is None for name in ex.names(node)):
            continue
        if not ex.evaluate(node, view):
            errors.append(FieldError(check.field, check.rule, check.message_en, {}))
    return errors


def validate_record(
    form: Form | str,
    values: Mapping[str, Any],
    *,
    confirmed_soft: set[str] | frozenset[str] = frozenset(),
    today: dt.date,
    tz: str | None = None,
    context: Mapping[str, Mapping[str, Any]] | None = None,
    dictionary: Dictionary | None = None,
) -> ValidationResult:
    """Validate one filled-in form.

    ``today`` is the hospital's current date (no clock is read here); ``tz`` its IANA zone
    (``Asia/Shanghai``), used for date-times given without offset and for calendar days;
    ``context`` holds related records' values by form (``{"patient": {...}}``) for
    calculations and checks that read them; ``dictionary`` defaults to the core dictionary
    (pass a hospital's extended one for its local fields).
    """
    dictionary = dictionary or load_dictionary()
    form = dictionary.form(form) if isinstance(form, str) else form
    unknown = [
        FieldError(name, "unknown_field", MESSAGES["unknown_field"], {"field": name, "form": form.name})
        for name in values
        if form.get(name) is None
    ]
    typed, problems = _read_all(form, dictionary, values, tz, today)
    record = _Record(form, dictionary, typed, values, problems, _context_view(form, dictionary, context, tz))
    walked = _walk(record, confirmed_soft)
    errors = unknown + walked.errors + _run_checks(record)
    cleaned = {
        f.name: to_json(f, record.values[f.name])
        for f in form.fields
        if record.values.get(f.name) is not None
    }
    return ValidationResult(cleaned, errors, walked.warnings, walked.dropped, walked.shown)
