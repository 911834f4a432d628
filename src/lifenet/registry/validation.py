"""Validation of registry records against the data dictionary: one record (forms, API) or a
whole file at once (imports, with Polars), by the same rules, both derived from the fields'
definitions.

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

import polars as pl

from lifenet.lib.errors import N_, FieldError
from lifenet.registry.dictionary import Dictionary, Field, Form, load_dictionary
from lifenet.registry.dictionary import expressions as ex

UTC = dt.UTC
_INT = r"[+-]?[0-9]{1,18}(?:\.0+)?"
_DECIMAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?"
_DATE = r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?: 00:00(?::00)?)?"
_DATETIME = (
    r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})[T ]([01]?[0-9]|2[0-3]):([0-5][0-9])"
    r"(?::([0-5][0-9])(?:\.([0-9]{1,6}))?)?(Z|[+-](?:0[0-9]|1[0-4]):?[0-5][0-9])?"
)
YES = ("yes", "y", "true", "1", "是", "有")
NO = ("no", "n", "false", "0", "否", "无")
_SPLIT = r"[|,;]"

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
    match = re.fullmatch(_DATE, text)
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
    match = re.fullmatch(_DATETIME, text)
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
        parts = re.split(_SPLIT, text) if text is not None else []
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
        return _number(raw, _INT, int)
    if kind == "decimal":
        return _number(raw, _DECIMAL, float)
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
    dictionary: Dictionary, context: Mapping[str, Mapping[str, Any]] | None, tz: str | None
) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for form_name, values in (context or {}).items():
        form = dictionary.forms.get(form_name)
        for name, raw in values.items():
            field = form.get(name) if form else None
            if field is None:
                continue
            try:
                view[f"{form_name}.{name}"] = coerce(field, raw, tz=tz)
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
    record = _Record(form, dictionary, typed, values, problems, _context_view(dictionary, context, tz))
    walked = _walk(record, confirmed_soft)
    errors = unknown + walked.errors + _run_checks(record)
    cleaned = {
        f.name: to_json(f, record.values[f.name])
        for f in form.fields
        if record.values.get(f.name) is not None
    }
    return ValidationResult(cleaned, errors, walked.warnings, walked.dropped, walked.shown)


# --- a whole file ---------------------------------------------------------------------------

ROW = "row"
ISSUE_SCHEMA = {
    "row": pl.Int64,
    "field": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "message": pl.String,
    "severity": pl.String,
}


def polars_dtype(field: Field) -> pl.DataType:
    """The column type of a field in a cleaned frame."""
    if field.calc is not None:
        return ex.CALCULATIONS[ex.parse_call(field.calc).function].dtype
    if field.is_list:
        return pl.List(pl.String)
    kinds: dict[str, pl.DataType] = {
        "integer": pl.Int64(),
        "decimal": pl.Float64(),
        "date": pl.Date(),
        "datetime": pl.Datetime("us", "UTC"),
        "yesno": pl.Boolean(),
    }
    return kinds.get(field.type, pl.String())


def _stripped(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text)


def _pl_number(column: str, dtype: pl.DataType, integer: bool) -> pl.Expr:
    if dtype.is_integer():
        return pl.col(column).cast(pl.Int64 if integer else pl.Float64)
    if dtype.is_float():
        value = pl.col(column).cast(pl.Float64)
        # Python writes a float from 1e16 up with an exponent, which no integer pattern reads.
        whole = (value.round(0) == value) & (value.abs() < 1e16)
        ok = value.is_finite() & (whole if integer else pl.lit(True))
        return pl.when(ok).then(value.cast(pl.Int64, strict=False) if integer else value)
    text = _stripped(column)
    if integer:
        return pl.when(text.str.contains(f"^{_INT}$")).then(
            text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
        )
    value = pl.when(text.str.contains(f"^{_DECIMAL}$")).then(text.cast(pl.Float64, strict=False))
    return pl.when(value.is_finite()).then(value)


def _pl_date(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime):
        value = pl.col(column)
        ok = value.dt.time() == dt.time() if dtype.time_zone is None else pl.lit(False)
        return pl.when(ok).then(value.dt.date())
    parts = pl.col(_parts_col(column))
    iso = pl.concat_str(
        [parts.struct[0], parts.struct[1].str.zfill(2), parts.struct[2].str.zfill(2)], separator="-"
    )
    return iso.str.to_date("%Y-%m-%d", strict=False)


def _localize_hours(naive: pl.Series, tz: str) -> pl.Series:
    """Wall-clock times of the zone as UTC (null in a gap; the earlier of an ambiguous hour).

    Polars resolves the zone for every value, which is slow; the offset is the same for a
    whole hour (zones change offset on the hour), so it is resolved once per distinct hour."""
    hours = naive.dt.truncate("1h")
    keys = hours.unique().drop_nulls()
    local = keys.dt.replace_time_zone(tz, non_existent="null", ambiguous="earliest")
    offsets = keys - local.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    table = pl.DataFrame({"key": keys, "offset": offsets})
    offset = pl.DataFrame({"key": hours}).join(table, on="key", how="left", maintain_order="left")["offset"]
    return (naive - offset).dt.replace_time_zone("UTC")


def _parts_col(column: str) -> str:
    return f"__parts__{column}"


def _with_parts(form: Form, dictionary: Dictionary, frame: pl.DataFrame) -> pl.DataFrame:
    """The pieces of every date and date-time string, matched once (an expression that uses
    them seven times would otherwise match seven times)."""
    parts = []
    for column, dtype in frame.schema.items():
        field = dictionary.resolve(column) if "." in column else form.get(column)
        if field is None or field.type not in ("date", "datetime") or dtype != pl.String:
            continue
        pattern = _DATE if field.type == "date" else _DATETIME
        parts.append(_stripped(column).str.extract_groups(f"^{pattern}$").alias(_parts_col(column)))
    return frame.with_columns(parts)


def _pl_datetime(column: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(wall-clock time given without offset, UTC time of one given with an offset)."""
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return pl.lit(None, pl.Datetime("us")), pl.col(column).dt.convert_time_zone("UTC")
        return pl.col(column).cast(pl.Datetime("us")), pl.lit(None, pl.Datetime("us", "UTC"))
    parts = pl.col(_parts_col(column))
    naive = pl.concat_str(
        [
            parts.struct[0],
            pl.lit("-"),
            parts.struct[1].str.zfill(2),
            pl.lit("-"),
            parts.struct[2].str.zfill(2),
            pl.lit("T"),
            parts.struct[3].str.zfill(2),
            pl.lit(":"),
            parts.struct[4],
            pl.lit(":"),
            parts.struct[5].fill_null("00"),
            pl.lit("."),
            parts.struct[6].fill_null("0").str.pad_end(6, "0"),
        ]
    ).str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False)
    offset = parts.struct[7]
    digits = offset.str.replace(":", "")
    minutes = (digits.str.slice(1, 2).cast(pl.Int64, strict=False) * 60) + digits.str.slice(3, 2).cast(
        pl.Int64, strict=False
    )
    signed = (
        pl.when(offset == "Z").then(0).when(offset.str.starts_with("-")).then(-minutes).otherwise(minutes)
    )
    utc = (naive - pl.duration(minutes=signed)).dt.replace_time_zone("UTC")
    return pl.when(offset.is_null()).then(naive), utc


def _read_datetimes(frame: pl.DataFrame, columns: list[str], tz: str | None) -> pl.DataFrame:
    """Turn the (wall-clock, UTC) parts of date-time columns into one value in the hospital's
    zone, and a flag for wall-clock times that need a zone (none given, or a DST gap)."""
    zone = tz or "UTC"
    updates = []
    for column in columns:
        naive = frame[f"__naive__{column}"]
        local = (
            _localize_hours(naive, tz)
            if tz
            else pl.Series(naive.name, [None] * len(naive), pl.Datetime("us", "UTC"))
        )
        value = frame[f"__utc__{column}"].fill_null(local).dt.convert_time_zone(zone)
        updates += [value.alias(column), (naive.is_not_null() & local.is_null()).alias(f"__zone__{column}")]
    return frame.with_columns(updates).drop([f"__{p}__{c}" for c in columns for p in ("naive", "utc")])


def _pl_yesno(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return pl.col(column)
    text = _stripped(column).str.to_lowercase()
    mapping = dict.fromkeys(YES, True) | dict.fromkeys(NO, False)
    return text.replace_strict(mapping, default=None, return_dtype=pl.Boolean)


def _pl_codes(column: str, dtype: pl.DataType, upper: bool) -> pl.Expr:
    if isinstance(dtype, pl.List):
        parts = pl.col(column).cast(pl.List(pl.String))
    else:
        parts = _stripped(column).str.replace_all(_SPLIT, "|").str.split("|")
    cleaned = parts.list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element() != "")
    )
    cased = cleaned.list.eval(pl.element().str.to_uppercase() if upper else pl.element().str.to_lowercase())
    unique = cased.list.unique(maintain_order=True)
    return pl.when(unique.list.len() > 0).then(unique)


def _pl_coerce(field: Field, dtype: pl.DataType, tz: str | None) -> pl.Expr:
    """The typed value of a raw column (date-times: see ``_pl_datetime``)."""
    name, kind = field.name, field.type
    if dtype == pl.Null:
        return pl.lit(None, _working_dtype(field, tz))
    if kind in ("integer", "decimal"):
        return _pl_number(name, dtype, kind == "integer")
    if kind == "date":
        return _pl_date(name, dtype)
    if kind == "yesno":
        return _pl_yesno(name, dtype)
    if field.is_list:
        return _pl_codes(name, dtype, upper=kind == "code")
    text = _stripped(name)
    if kind == "choice":
        return text.str.to_lowercase()
    return text.str.to_uppercase() if kind == "code" else text


def _pl_read(field: Field, column: str, dtype: pl.DataType, tz: str | None) -> tuple[list[pl.Expr], bool]:
    """Expressions reading a column as the field's type; True when it is a date-time read in
    two steps (``_read_datetimes``)."""
    if field.type == "datetime" and dtype != pl.Null:
        naive, utc = _pl_datetime(column, dtype)
        return [naive.alias(f"__naive__{column}"), utc.alias(f"__utc__{column}")], True
    typed = _pl_coerce(field.model_copy(update={"name": column}), dtype, tz)
    return [typed.alias(column), pl.lit(False).alias(f"__zone__{column}")], False


def _working_dtype(field: Field, tz: str | None) -> pl.DataType:
    if field.type == "datetime":
        return pl.Datetime("us", tz or "UTC")
    return polars_dtype(field)


def _present(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return _stripped(column).is_not_null()
    if isinstance(dtype, pl.List):
        return pl.col(column).list.len() > 0
    return pl.col(column).is_not_null()


def _pl_value_rule(field: Field, dictionary: Dictionary, today: dt.date) -> pl.Expr:
    """The first rule the typed column breaks (format … future), or null."""
    col = pl.col(field.name)
    rules: list[tuple[str, pl.Expr]] = []
    if field.pattern:
        pattern = f"^(?:{field.pattern.removeprefix('^').removesuffix('$')})$"
        ok = (
            col.list.eval(pl.element().str.contains(pattern)).list.all()
            if field.is_list
            else col.str.contains(pattern)
        )
        rules.append(("format", ~ok))
    if field.max_length is not None:
        rules.append(("max_length", col.str.len_chars() > field.max_length))
    codelist = dictionary.codelist_of(field)
    if codelist is not None:
        codes = list(codelist.codes)
        ok = col.list.eval(pl.element().is_in(codes)).list.all() if field.is_list else col.is_in(codes)
        rules.append(("code", ~ok))
    if field.min is not None or field.max is not None:
        low = col < field.min if field.min is not None else pl.lit(False)
        high = col > field.max if field.max is not None else pl.lit(False)
        rules.append(("range", low | high))
    if field.type in ("date", "datetime") and not field.allow_future:
        day = col.dt.date() if field.type == "datetime" else col
        rules.append(("future", day > pl.lit(today)))
    result: pl.Expr = pl.lit(None, pl.String)
    for rule, broken in reversed(rules):
        result = pl.when(col.is_not_null() & broken.fill_null(False)).then(pl.lit(rule)).otherwise(result)
    return result


def _rule_col(name: str) -> str:
    return f"__rule__{name}"


def _raw_col(name: str) -> str:
    return f"__raw__{name}"


def _read_frame(
    form: Form, dictionary: Dictionary, frame: pl.DataFrame, tz: str | None, today: dt.date
) -> pl.DataFrame:
    """Typed columns, the first broken rule of each field and the raw text, for every field."""
    reads: list[pl.Expr] = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)]
    rules: list[pl.Expr] = []
    datetimes: list[str] = []
    for field in form.fields:
        if field.calc is not None:
            continue
        name = field.name
        if name in frame.columns:
            dtype = frame.schema[name]
            exprs, two_steps = _pl_read(field, name, dtype, tz)
            datetimes += [name] if two_steps else []
            raw = (
                pl.col(name).cast(pl.List(pl.String)).list.join("|")
                if isinstance(dtype, pl.List)
                else pl.col(name).cast(pl.String)
            )
            reads += [*exprs, _present(name, dtype).alias(f"__present__{name}"), raw.alias(_raw_col(name))]
            broken = (
                pl.when(pl.col(f"__zone__{name}"))
                .then(pl.lit("timezone"))
                .when(pl.col(f"__present__{name}") & pl.col(name).is_null())
                .then(pl.lit("type"))
                .otherwise(None)
            )
        else:
            reads += [
                pl.lit(None, _working_dtype(field, tz)).alias(name),
                pl.lit(None, pl.String).alias(_raw_col(name)),
            ]
            broken = pl.lit(None, pl.String)
        rules.append(pl.coalesce(broken, _pl_value_rule(field, dictionary, today)).alias(_rule_col(name)))
    context, context_datetimes = _pl_context(form, dictionary, frame, tz)
    # Each parse is a column of its own, read once, before the rules look at it.
    frame = _with_parts(form, dictionary, frame)
    typed = _read_datetimes(frame.select(reads + context), datetimes + context_datetimes, tz)
    typed = typed.with_columns(rules)
    helpers = [c for c in typed.columns if c.startswith(("__zone__", "__present__"))]
    # A value that breaks a rule takes no further part (as in a record).
    return typed.drop(helpers).with_columns(
        pl.when(pl.col(_rule_col(f.name)).is_null()).then(pl.col(f.name)).alias(f.name)
        for f in form.fields
        if f.calc is None
    )


def _pl_context(
    form: Form, dictionary: Dictionary, frame: pl.DataFrame, tz: str | None
) -> tuple[list[pl.Expr], list[str]]:
    """Related records' fields given as ``form.field`` columns (the patient's birth date);
    null columns for those the form reads but the file does not give."""
    read = [n for f in form.fields if f.calc for n in ex.names(ex.parse_call(f.calc))]
    read += [n for c in form.checks for n in ex.names(ex.parse(c.expr))]
    exprs: list[pl.Expr] = []
    datetimes: list[str] = []
    for column in dict.fromkeys([c for c in frame.columns if "." in c] + [n for n in read if "." in n]):
        field = dictionary.resolve(column)
        if field is None:
            continue
        if column in frame.columns:
            found, two_steps = _pl_read(field, column, frame.schema[column], tz)
            exprs += found
            datetimes += [column] if two_steps else []
        else:
            exprs.append(pl.lit(None, _working_dtype(field, tz)).alias(column))
    return exprs, datetimes


def _walk_frame(
    form: Form, dictionary: Dictionary, frame: pl.DataFrame, confirmed_soft: set[str] | frozenset[str]
) -> tuple[pl.DataFrame, list[tuple[str, str, str]]]:
    """The ordered pass on columns; returns the frame and (field, rule-column, severity) issues."""
    issues: list[tuple[str, str, str]] = []
    for field in form.fields:
        name = field.name
        dtypes = dict(frame.schema)
        if field.calc is not None:
            frame = frame.with_columns(ex.calculate_polars(ex.parse_call(field.calc), dtypes).alias(name))
            continue
        shown = ex.to_polars(ex.parse(field.show_if), dtypes) if field.show_if else pl.lit(True)
        value = pl.col(name)
        rule = pl.col(_rule_col(name))
        group = _pl_group_broken(field, dictionary)
        required = pl.lit(field.required) & value.is_null() & rule.is_null()
        outcome = (
            pl.when(~shown)
            .then(pl.lit(None, pl.String))
            .when(rule.is_not_null())
            .then(rule)
            .when(group)
            .then(pl.lit("code_group"))
            .when(required)
            .then(pl.lit("required"))
        )
        soft = shown & _pl_outside_soft(field) & pl.lit(name not in confirmed_soft)
        dropped = ~shown & pl.col(_raw_col(name)).is_not_null()
        frame = frame.with_columns(
            outcome.alias(_rule_col(name)),
            pl.when(soft & outcome.is_null()).then(pl.lit("soft_range")).alias(f"__soft__{name}"),
            pl.when(shown & ~group).then(value).alias(name),
            dropped.alias(f"__dropped__{name}"),
        )
        issues += [(name, _rule_col(name), "error"), (name, f"__soft__{name}", "warning")]
    return frame, issues


def _pl_group_broken(field: Field, dictionary: Dictionary) -> pl.Expr:
    codelist = dictionary.codelist_of(field)
    if field.group_field is None or codelist is None:
        return pl.lit(False)
    groups = {c.code: c.group for c in codelist.choices if c.group is not None}
    group = pl.col(field.name).replace_strict(groups, default=None, return_dtype=pl.String)
    return (
        group.is_not_null() & pl.col(field.group_field).is_not_null() & (group != pl.col(field.group_field))
    ).fill_null(False)


def _pl_outside_soft(field: Field) -> pl.Expr:
    if field.type not in ("integer", "decimal"):
        return pl.lit(False)
    col = pl.col(field.name)
    low = col < field.soft_min if field.soft_min is not None else pl.lit(False)
    high = col > field.soft_max if field.soft_max is not None else pl.lit(False)
    return (low | high).fill_null(False)


def _pl_checks(form: Form, frame: pl.DataFrame) -> pl.DataFrame:
    dtypes = dict(frame.schema)
    results = []
    for index, check in enumerate(form.checks):
        node = ex.parse(check.expr)
        complete = pl.all_horizontal([pl.col(n).is_not_null() for n in ex.names(node)])
        failed = complete & ~ex.to_polars(node, dtypes)
        results.append(pl.when(failed).then(pl.lit(check.rule)).alias(f"__check__{index}"))
    return frame.with_columns(results) if results else frame


def _messages(field: Field, rows: pl.DataFrame) -> pl.Series:
    """``field_error(...).english()`` for each row, built once per rule, not once per row."""
    sentinel = "\x00"
    message = pl.lit(None, pl.String)
    for rule in rows["rule"].unique().to_list():
        before, found, after = field_error(field, rule, sentinel).english().partition(sentinel)
        value = pl.col("value").fill_null("")
        text = pl.concat_str([pl.lit(before), value, pl.lit(after)]) if found else pl.lit(before)
        message = pl.when(pl.col("rule") == rule).then(text).otherwise(message)
    return rows.select(message.alias("message"))["message"]


def _issue_frames(
    form: Form, frame: pl.DataFrame, issues: list[tuple[str, str, str]], dictionary: Dictionary
) -> pl.DataFrame:
    parts = []
    for name, column, severity in issues:
        hits = frame.filter(pl.col(column).is_not_null())
        if hits.height == 0:
            continue
        field = form.field(name)
        rows = hits.select(ROW, pl.col(_raw_col(name)).alias("value"), pl.col(column).alias("rule"))
        messages = _messages(field, rows)
        parts.append(
            rows.with_columns(
                pl.lit(name).alias("field"),
                messages.alias("message"),
                pl.lit(severity).alias("severity"),
            )
        )
    for index, check in enumerate(form.checks):
        column = f"__check__{index}"
        hits = frame.filter(pl.col(column).is_not_null())
        if hits.height:
            parts.append(
                hits.select(
                    ROW,
                    pl.col(_raw_col(check.field)).alias("value"),
                    pl.lit(check.rule).alias("rule"),
                    pl.lit(check.field).alias("field"),
                    pl.lit(check.message_en).alias("message"),
                    pl.lit("error").alias("severity"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    return pl.concat([p.select(list(ISSUE_SCHEMA)) for p in parts]).sort(ROW, maintain_order=True)


def _unknown_columns(form: Form, frame: pl.DataFrame, dictionary: Dictionary) -> pl.DataFrame:
    unknown = [
        c
        for c in frame.columns
        if form.get(c) is None and not ("." in c and dictionary.resolve(c) is not None)
    ]
    return pl.DataFrame(
        {
            "row": [None] * len(unknown),
            "field": unknown,
            "value": [None] * len(unknown),
            "rule": ["unknown_field"] * len(unknown),
            "message": [MESSAGES["unknown_field"] % {"field": c, "form": form.name} for c in unknown],
            "severity": ["error"] * len(unknown),
        },
        schema=ISSUE_SCHEMA,
    )


def validate_frame(
    form: Form | str,
    frame: pl.DataFrame,
    *,
    confirmed_soft: set[str] | frozenset[str] = frozenset(),
    today: dt.date,
    tz: str | None = None,
    dictionary: Dictionary | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate a whole file at once, with the rules of ``validate_record``.

    Columns are field names (any type: strings from CSV, typed from Excel or Parquet); related
    records' fields may be joined in as ``form.field`` columns (``patient.birth_date``).
    Returns the cleaned frame (one typed column per field of the form, calculated ones
    included; date-times in UTC; refused and hidden values null) and the issues: one row per
    problem with ``row`` (1 = the first data row; null for a whole column), ``field``,
    ``value`` (as given), ``rule``, ``message`` and ``severity`` ("error", or "warning" for an
    unconfirmed soft range). An unknown column is one issue, not one per row.
    """
    dictionary = dictionary or load_dictionary()
    form = dictionary.form(form) if isinstance(form, str) else form
    typed = _read_frame(form, dictionary, frame, tz, today)
    walked, issues = _walk_frame(form, dictionary, typed, confirmed_soft)
    walked = _pl_checks(form, walked)
    problems = pl.concat(
        [_unknown_columns(form, frame, dictionary), _issue_frames(form, walked, issues, dictionary)]
    )
    cleaned = walked.select(
        pl.col(f.name).dt.convert_time_zone("UTC")
        if f.type == "datetime"
        else pl.col(f.name).cast(polars_dtype(f))
        for f in form.fields
    )
    return cleaned, problems


def frame_row_to_json(form: Form, row: Mapping[str, Any]) -> dict[str, Any]:
    """One cleaned frame row as a record's stored values (for imports and tests)."""
    values = {}
    for field in form.fields:
        value = row.get(field.name)
        if value is None:
            continue
        values[field.name] = to_json(field, value)
    return values
