"""Data quality of the registry: per hospital and per form, the records whose stored values
break the current dictionary's rules, contradict a related record, or wait too long for review.

Stored values are validated again, a whole form at a time, with
:func:`lifenet.registry.validation_frame.validate_frame` (Polars), so a rule added to the dictionary
after a record was saved shows here; each form's ``checks`` run with their related records'
values joined in (the patient's birth date, the run's start), plus the cross-form checks below
that no single form's save can see (a run ending after the hospital discharge, a run after the
patient's recorded death). A record is stale when nobody changed it for ``stale_days`` and it
is not locked after review.

Reads are scoped like :mod:`lifenet.registry.queries`: only records in an org-unit subtree
where the user reads patients. Related records used only to check a visible one (the patient
form kept by the referring hospital) are read unscoped, as a form save reads them, and none of
their values is returned.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lifenet.access import Principal
from lifenet.lib.errors import N_
from lifenet.lib.iterables import chunked
from lifenet.network.models import OrgUnit
from lifenet.registry import actions, queries
from lifenet.registry.dictionary import FORM_FILES, Check, Dictionary, Form
from lifenet.registry.models import RegistryPatient, RegistryRecord
from lifenet.registry.validation_frame import ISSUE_SCHEMA, validate_frame

TZ = "Asia/Shanghai"
# What the data-quality page counts, in its column order.
CATEGORIES: tuple[str, ...] = (
    "missing_required",
    "out_of_range",
    "soft_range",
    "inconsistent_dates",
    "inconsistent_values",
    "invalid_values",
    "stale",
)
# Validation rule -> category; any other rule (type, code, format…) is an invalid value.
RULE_CATEGORY: dict[str, str] = {
    "required": "missing_required",
    "range": "out_of_range",
    "soft_range": "soft_range",
    "date_order": "inconsistent_dates",
    "future": "inconsistent_dates",
    "run_after_death": "inconsistent_dates",
    "consistency": "inconsistent_values",
    "value_order": "inconsistent_values",
    "stale": "stale",
}

# Cross-form checks: rules between records that a form's own save cannot see, written in the
# dictionary's expression language; ``outcome.death_date`` on a run is the patient's earliest
# recorded death.
CROSS_FORM_CHECKS: dict[str, tuple[Check, ...]] = {
    "ecls_run": (
        Check(
            field="ecls_end",
            rule="date_order",
            expr="ecls_end <= episode.hospital_discharge_datetime",
            message_en="The run ends after the hospital discharge.",
            message_zh="ECLS 结束时间晚于出院时间。",
        ),
        Check(
            field="ecls_start",
            rule="run_after_death",
            expr="ecls_start <= outcome.death_date",
            message_en="The run starts after the patient's recorded death.",
            message_zh="ECLS 开始时间晚于已登记的死亡日期。",
        ),
    ),
    "outcome": (
        Check(
            field="death_date",
            rule="date_order",
            expr="death_date >= ecls_run.ecls_end",
            message_en="The death is before the run ended.",
            message_zh="死亡日期早于 ECLS 结束时间。",
        ),
        Check(
            field="discharge_date",
            rule="date_order",
            expr="discharge_date >= ecls_run.ecls_end",
            message_en="The discharge is before the run ended.",
            message_zh="出院日期早于 ECLS 结束时间。",
        ),
    ),
    "complication": (
        Check(
            field="complication_datetime",
            rule="date_order",
            expr="complication_datetime <= ecls_run.ecls_end",
            message_en="The complication is after the run ended.",
            message_zh="并发症发生时间晚于 ECLS 结束时间。",
        ),
    ),
    "daily_observation": (
        Check(
            field="observation_datetime",
            rule="date_order",
            expr="observation_datetime <= ecls_run.ecls_end",
            message_en="The observation is after the run ended.",
            message_zh="观察时间晚于 ECLS 结束时间。",
        ),
    ),
}

PROBLEM_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.Int64(),
    "network_id": pl.String(),
    "hospital_id": pl.Int64(),
    "form": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "rule": pl.String(),
    "category": pl.String(),
    "message": pl.String(),
    "severity": pl.String(),
}


@dataclass(frozen=True)
class SummaryRow:
    """One hospital's records of one form and how many problems of each category they have."""

    hospital_id: int
    hospital_code: str
    hospital_name_en: str
    hospital_name_zh: str
    form: str
    records: int
    missing_required: int
    out_of_range: int
    soft_range: int
    inconsistent_dates: int
    inconsistent_values: int
    invalid_values: int
    stale: int

    def count(self, category: str) -> int:
        return int(getattr(self, category))

    @property
    def problems(self) -> int:
        return sum(self.count(c) for c in CATEGORIES)


@dataclass(frozen=True)
class Problem:
    """One broken rule of one record (``field`` None for a whole-record problem: stale)."""

    record_id: int
    network_id: str
    hospital_id: int
    form: str
    field: str | None
    value: str | None
    rule: str
    category: str
    message: str
    severity: str  # "error", or "warning" for a soft-range value


@dataclass(frozen=True)
class _Hospital:
    id: int
    code: str
    name_en: str
    name_zh: str


# --- loading ----------------------------------------------------------------------------------


def _hospitals(session: Session) -> tuple[dict[int, _Hospital], dict[int, int]]:
    """Hospitals by id, and each org unit's hospital (the nearest hospital on its path)."""
    units = session.execute(
        select(OrgUnit.id, OrgUnit.path, OrgUnit.kind, OrgUnit.code, OrgUnit.name_en, OrgUnit.name_zh)
    ).all()
    hospitals = {u.id: _Hospital(u.id, u.code, u.name_en, u.name_zh) for u in units if u.kind == "hospital"}
    owner: dict[int, int] = {}
    for unit in units:
        on_path = [int(part) for part in unit.path.strip("/").split("/") if part]
        found = [i for i in on_path if i in hospitals]
        owner[unit.id] = found[-1] if found else unit.id
    return hospitals, owner


def _visible_frame(
    session: Session, principal: Principal, hospital_path: str | None, form: str | None
) -> pl.DataFrame:
    conditions = queries.visible_scope(principal)
    columns = [
        RegistryRecord.id,
        RegistryRecord.patient_id,
        RegistryRecord.parent_id,
        RegistryRecord.org_unit_id,
        RegistryRecord.form,
        RegistryRecord.values,
        RegistryRecord.updated_at,
        RegistryRecord.locked_at,
        RegistryPatient.network_id,
    ]
    if not conditions:
        return _frame([], columns)
    query = (
        select(*columns)
        .join(OrgUnit, OrgUnit.id == RegistryRecord.org_unit_id)
        .join(RegistryPatient, RegistryPatient.id == RegistryRecord.patient_id)
        .where(or_(*conditions))
        .order_by(RegistryRecord.id)
    )
    if hospital_path is not None:
        query = query.where(OrgUnit.path.startswith(hospital_path))
    if form is not None:
        query = query.where(RegistryRecord.form == form)
    return _frame(session.execute(query).all(), columns)


def _frame(rows: Sequence[Any], columns: Sequence[Any]) -> pl.DataFrame:
    names = [c.key for c in columns]
    data = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    schema = {
        "id": pl.Int64(),
        "patient_id": pl.Int64(),
        "parent_id": pl.Int64(),
        "org_unit_id": pl.Int64(),
        "form": pl.String(),
        "values": pl.Object(),
        "updated_at": pl.Datetime("us", "UTC"),
        "locked_at": pl.Datetime("us", "UTC"),
        "network_id": pl.String(),
    }
    return pl.DataFrame({n: pl.Series(n, data[n], dtype=schema[n]) for n in names})


@dataclass
class _Context:
    """Related records of the checked ones, by id, and each patient's patient form and death."""

    records: dict[int, tuple[str, int | None, Mapping[str, Any]]]
    patient_forms: dict[int, Mapping[str, Any]]
    deaths: dict[int, str]

    def ancestor(self, parent_id: int | None, form: str) -> Mapping[str, Any] | None:
        seen = 0
        while parent_id is not None and seen < 10:
            found = self.records.get(parent_id)
            if found is None:
                return None
            if found[0] == form:
                return found[2]
            parent_id = found[1]
            seen += 1
        return None


def _context(session: Session, frame: pl.DataFrame, forms: set[str]) -> _Context:
    """The related records of the checked ones; values already loaded are not read again."""
    records: dict[int, tuple[str, int | None, Mapping[str, Any]]] = {}
    patient_forms: dict[int, Mapping[str, Any]] = {}
    deaths: dict[int, str] = {}
    wanted = sorted(set(frame["patient_id"].to_list()))
    if not wanted or not forms:
        return _Context(records, patient_forms, deaths)
    known: dict[int, Any] = dict(zip(frame["id"].to_list(), frame["values"].to_list(), strict=True))
    related: list[Any] = []
    for chunk in chunked(wanted):
        related += session.execute(
            select(
                RegistryRecord.id, RegistryRecord.patient_id, RegistryRecord.parent_id, RegistryRecord.form
            ).where(RegistryRecord.patient_id.in_(chunk), RegistryRecord.form.in_(sorted(forms)))
        ).all()
    missing = [row.id for row in related if row.id not in known]
    for chunk in chunked(missing):
        fetched = select(RegistryRecord.id, RegistryRecord.values).where(RegistryRecord.id.in_(chunk))
        known |= {record_id: values for record_id, values in session.execute(fetched).all()}
    for record_id, patient_id, parent_id, form in related:
        values = known.get(record_id) or {}
        records[record_id] = (form, parent_id, values)
        if form == "patient":
            patient_forms.setdefault(patient_id, values)
        death = values.get("death_date") if form == "outcome" else None
        if isinstance(death, str) and (patient_id not in deaths or death < deaths[patient_id]):
            deaths[patient_id] = death
    return _Context(records, patient_forms, deaths)


# --- validating stored values -----------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A stored JSON value as the text a form would post (validate_frame reads text)."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _checked_form(form: Form) -> Form:
    return form.model_copy(update={"checks": form.checks + CROSS_FORM_CHECKS.get(form.name, ())})


def _related_column(name: str, frame: pl.DataFrame, context: _Context) -> list[str | None]:
    form, _, field = name.partition(".")
    patients = frame["patient_id"].to_list()
    if form == "patient":
        return [_text(context.patient_forms.get(p, {}).get(field)) for p in patients]
    if form == "outcome" and field == "death_date":
        return [context.deaths.get(p) for p in patients]
    ancestors = [context.ancestor(p, form) for p in frame["parent_id"].to_list()]
    return [_text(a.get(field)) if a else None for a in ancestors]


_UNKNOWN_SCHEMA = ISSUE_SCHEMA


def _value_frame(form: Form, frame: pl.DataFrame, context: _Context) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The stored values as text columns, one per field (and per related field the rules read);
    and the values stored under names that are no field of the form (renamed or removed)."""
    height = frame.height
    columns: dict[str, list[str | None]] = {f.name: [None] * height for f in form.fields if f.calc is None}
    calculated = {f.name for f in form.fields if f.calc is not None}
    unknown = []
    # One pass over the values each record holds: far fewer than records × fields.
    for index, values in enumerate(frame["values"].to_list()):
        for name, value in (values or {}).items():
            column = columns.get(name)
            if column is not None:
                column[index] = _text(value)
            elif name not in calculated:
                message = N_("%(field)s is not a field of the form %(form)s.") % {
                    "field": name,
                    "form": form.name,
                }
                unknown.append((index + 1, name, _text(value), "unknown_field", message, "error"))
    series = [pl.Series(name, data, dtype=pl.String) for name, data in columns.items()]
    series += [
        pl.Series(name, _related_column(name, frame, context), dtype=pl.String)
        for name in form.related_names()
    ]
    return pl.DataFrame(series, height=height), pl.DataFrame(unknown, schema=_UNKNOWN_SCHEMA, orient="row")


def _form_problems(
    dictionary: Dictionary, form_name: str, frame: pl.DataFrame, context: _Context, today: dt.date, tz: str
) -> pl.DataFrame:
    form = _checked_form(dictionary.form(form_name))
    values, unknown = _value_frame(form, frame, context)
    _, issues = validate_frame(form, values, today=today, tz=tz, dictionary=dictionary)
    issues = pl.concat([issues.filter(pl.col("row").is_not_null()), unknown])
    meta = frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("row"),
        pl.col("id").alias("record_id"),
        "network_id",
        "hospital_id",
        pl.lit(form_name).alias("form"),
    )
    return issues.join(meta, on="row", how="inner").with_columns(_category()).select(list(PROBLEM_SCHEMA))


def _category() -> pl.Expr:
    return (
        pl.col("rule")
        .replace_strict(RULE_CATEGORY, default="invalid_values", return_dtype=pl.String)
        .alias("category")
    )


STALE = N_("Not changed since %(value)s and not locked after review.")
_STALE_BEFORE, _, _STALE_AFTER = STALE.partition("%(value)s")


def check_translations() -> dict[str, str]:
    """English -> Chinese of the cross-form checks' messages."""
    return {c.message_en: c.message_zh for checks in CROSS_FORM_CHECKS.values() for c in checks}


def _stale(frame: pl.DataFrame, today: dt.date, stale_days: int, tz: str) -> pl.DataFrame:
    local_midnight = dt.datetime.combine(today, dt.time(0, 0), tzinfo=ZoneInfo(tz))
    cutoff = (local_midnight - dt.timedelta(days=stale_days)).astimezone(dt.UTC)
    stale = frame.filter(pl.col("locked_at").is_null() & (pl.col("updated_at") < cutoff))
    day = pl.col("updated_at").dt.convert_time_zone(tz).dt.date().cast(pl.String)
    return stale.select(
        pl.col("id").alias("record_id"),
        "network_id",
        "hospital_id",
        "form",
        pl.lit(None, pl.String).alias("field"),
        day.alias("value"),
        pl.lit("stale").alias("rule"),
        pl.lit("stale").alias("category"),
        pl.concat_str([pl.lit(_STALE_BEFORE), day, pl.lit(_STALE_AFTER)]).alias("message"),
        pl.lit("warning").alias("severity"),
    )


def _context_forms(dictionary: Dictionary, forms: Iterable[str]) -> set[str]:
    """The related forms the checks read, and the forms on the way up to them."""
    needed: set[str] = set()
    for name in forms:
        for related in {n.partition(".")[0] for n in _checked_form(dictionary.form(name)).related_names()}:
            needed.add(related)
            parent = dictionary.form(name).parent
            while parent is not None and parent != related:
                needed.add(parent)
                parent = dictionary.forms[parent].parent if parent in dictionary.forms else None
    return needed


def _problem_frame(
    session: Session, frame: pl.DataFrame, *, today: dt.date, stale_days: int, tz: str
) -> pl.DataFrame:
    parts = [pl.DataFrame(schema=PROBLEM_SCHEMA)]
    # Each hospital's records are checked against its own dictionary (its local fields);
    # hospitals without local fields share the core one, so they are checked in one pass.
    by_dictionary: dict[int, tuple[Dictionary, list[int]]] = {}
    for hospital_id in frame["hospital_id"].unique().to_list():
        dictionary = queries.dictionary_for(session, hospital_id)
        by_dictionary.setdefault(id(dictionary), (dictionary, []))[1].append(hospital_id)
    for dictionary, hospital_ids in by_dictionary.values():
        held = frame.filter(pl.col("hospital_id").is_in(hospital_ids))
        forms = [f for f in held["form"].unique().sort().to_list() if f in dictionary.forms]
        context = _context(session, held, _context_forms(dictionary, forms))
        for form_name in forms:
            rows = held.filter(pl.col("form") == form_name)
            parts.append(_form_problems(dictionary, form_name, rows, context, today, tz))
    parts.append(_stale(frame, today, stale_days, tz))
    return pl.concat([p.cast(PROBLEM_SCHEMA) for p in parts])  # type: ignore[arg-type]


def _with_hospitals(frame: pl.DataFrame, owner: Mapping[int, int]) -> pl.DataFrame:
    units = frame["org_unit_id"].to_list()
    return frame.with_columns(pl.Series("hospital_id", [owner.get(u, u) for u in units], dtype=pl.Int64))


# --- public ---------------------------------------------------------------------------------


def summary(
    session: Session, principal: Principal, *, today: dt.date, stale_days: int = 90, tz: str = TZ
) -> list[SummaryRow]:
    """Per hospital and per form (hospitals by code, forms in dictionary order): the number of
    records the user may read and of their problems in each of :data:`CATEGORIES`."""
    hospitals, owner = _hospitals(session)
    frame = _with_hospitals(_visible_frame(session, principal, None, None), owner)
    if frame.height == 0:
        return []
    found = _problem_frame(session, frame, today=today, stale_days=stale_days, tz=tz)
    records = frame.group_by("hospital_id", "form").agg(pl.len().alias("records"))
    counts = found.group_by("hospital_id", "form", "category").agg(pl.len().alias("n"))
    by_key = {(h, f, c): n for h, f, c, n in counts.iter_rows()}
    order = {name: index for index, name in enumerate(FORM_FILES)}
    rows = []
    for hospital_id, form, number in records.iter_rows():
        hospital = hospitals.get(hospital_id) or _Hospital(hospital_id, str(hospital_id), "", "")
        tallies = {c: int(by_key.get((hospital_id, form, c), 0)) for c in CATEGORIES}
        rows.append(
            SummaryRow(
                hospital.id, hospital.code, hospital.name_en, hospital.name_zh, form, int(number), **tallies
            )
        )
    return sorted(rows, key=lambda r: (r.hospital_code, order.get(r.form, len(order)), r.form))


def problems(
    session: Session,
    principal: Principal,
    *,
    hospital_id: int,
    form: str,
    rule: str,
    today: dt.date | None = None,
    stale_days: int = 90,
    tz: str = TZ,
) -> list[Problem]:
    """The problems behind one cell of the summary: ``rule`` is a category of
    :data:`CATEGORIES` or one validation rule (``date_order``); empty for a hospital or form
    the user may not read. ``today`` defaults to the current date in ``tz``."""
    today = today or actions.today_in(tz)
    hospitals, owner = _hospitals(session)
    hospital_path = session.scalar(select(OrgUnit.path).where(OrgUnit.id == hospital_id))
    if hospital_path is None:
        return []
    frame = _with_hospitals(_visible_frame(session, principal, hospital_path, form), owner)
    frame = frame.filter(pl.col("hospital_id") == hospital_id)
    if frame.height == 0:
        return []
    found = _problem_frame(session, frame, today=today, stale_days=stale_days, tz=tz)
    column = "category" if rule in CATEGORIES else "rule"
    found = found.filter(pl.col(column) == rule).sort("record_id", "field", nulls_last=True)
    return [Problem(**row) for row in found.iter_rows(named=True)]
