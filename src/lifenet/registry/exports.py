"""Exports of registry records: CSV, Excel and Parquet of the records a user may see, and the
de-identified research extract.

An export is one form: one row per record, one column per dictionary field (calculated ones
included), after ``record_id``, ``parent_record_id``, ``network_id``, the parent's natural key
(``admission_datetime`` or ``run_number``, as imports read it), ``hospital``, ``unit`` and
``dictionary_version``. A CSV export can be imported again.

The de-identified extract (HIPAA Safe Harbor's and the Chinese GB/T 37964-2019 guidance's
usual steps, applied to a pseudonymous registry):

- direct identifiers are dropped: every field marked ``identifier`` that is not a date, and
  every free-text field (``text``: notes, "other, specify", referring hospital, the network
  id itself);
- dates and date-times are shifted by a per-patient offset of 1–180 days forward or back,
  derived from HMAC-SHA256(secret, network id): the same for every form of the child, so
  intervals (run duration, age at cannulation, days to death) are kept; birth dates too;
- record ids, parent ids and network ids are replaced by HMAC-SHA256 hashes (16 hex digits),
  stable for one secret so forms can be joined, unlinkable without it;
- summary counts (hospital × ELSO age group × support type) below ``min_cell`` are
  suppressed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lifenet.access import Forbidden, Permission, Principal
from lifenet.network.models import OrgUnit
from lifenet.registry import queries
from lifenet.registry.dictionary import Dictionary, Field, Form, load_dictionary
from lifenet.registry.import_links import PARENT_KEYS
from lifenet.registry.models import RegistryPatient, RegistryRecord
from lifenet.registry.validation_frame import polars_dtype

Format = Literal["csv", "xlsx", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
SHIFT_DAYS = 180
SUMMARY_BY = ("hospital", "age_group", "support_type")


# --- what a user may export -----------------------------------------------------------------


@dataclass(frozen=True)
class ExportRow:
    id: int
    parent_id: int | None
    patient_id: int
    network_id: str
    org_unit_id: int
    dictionary_version: int
    values: dict[str, Any]


def _under(paths: Iterable[str]) -> list[Any]:
    return [OrgUnit.path.startswith(p) for p in paths]


def _scope(principal: Principal | None, deidentified: bool) -> list[list[Any]] | None:
    """SQL conditions (all lists must hold, any item of each); None: the system, everything.

    Identifiable exports: where the user reads patients (``queries._visible``) and exports.
    De-identified extracts: where the user may read de-identified data or export."""
    if principal is None:
        return None
    if deidentified:
        paths = principal.scope_paths(Permission.READ_DEIDENTIFIED) + principal.scope_paths(
            Permission.EXPORT_DATA
        )
        if not paths:
            raise Forbidden(Permission.READ_DEIDENTIFIED)
        return [_under(paths)]
    if not principal.can_anywhere(Permission.EXPORT_DATA):
        raise Forbidden(Permission.EXPORT_DATA)
    return [queries.visible_scope(principal), _under(principal.scope_paths(Permission.EXPORT_DATA))]


def exportable_records(
    session: Session, principal: Principal | None, form: str, *, deidentified: bool = False
) -> list[ExportRow]:
    """The records of ``form`` the user may export, oldest first."""
    conditions = _scope(principal, deidentified)
    query = (
        select(
            RegistryRecord.id,
            RegistryRecord.parent_id,
            RegistryRecord.patient_id,
            RegistryPatient.network_id,
            RegistryRecord.org_unit_id,
            RegistryRecord.dictionary_version,
            RegistryRecord.values,
        )
        .join(RegistryPatient, RegistryPatient.id == RegistryRecord.patient_id)
        .join(OrgUnit, OrgUnit.id == RegistryRecord.org_unit_id)
        .where(RegistryRecord.form == form)
        .order_by(RegistryRecord.id)
    )
    for alternatives in conditions or []:
        if not alternatives:
            return []
        query = query.where(or_(*alternatives))
    return [ExportRow(*row) for row in session.execute(query)]


def _hospitals(session: Session) -> dict[int, tuple[str, str]]:
    """Org unit id -> (hospital code, unit code)."""
    units = {u.id: u for u in session.scalars(select(OrgUnit))}
    found: dict[int, tuple[str, str]] = {}
    for unit in units.values():
        current: OrgUnit | None = unit
        while current is not None and current.kind == "unit":
            current = units.get(current.parent_id) if current.parent_id is not None else None
        found[unit.id] = (current.code if current is not None else unit.code, unit.code)
    return found


def _parent_keys(session: Session, form: Form, rows: Sequence[ExportRow]) -> dict[str, list[Any]]:
    """The parent's natural-key values of each row (as an import reads them)."""
    names = PARENT_KEYS.get(form.parent or "", ())
    if not names:
        return {}
    ids = sorted({r.parent_id for r in rows if r.parent_id is not None})
    parents: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        query = select(RegistryRecord.id, RegistryRecord.values).where(RegistryRecord.id.in_(chunk))
        parents |= {i: v for i, v in session.execute(query)}
    return {
        name: [parents.get(r.parent_id, {}).get(name) if r.parent_id else None for r in rows]
        for name in names
    }


# --- columns --------------------------------------------------------------------------------


def _column(field: Field, values: list[Any]) -> pl.Series:
    """Stored JSON values as a typed column (dates and date-times parsed, UTC)."""
    dtype = polars_dtype(field)
    if dtype == pl.Date:
        return pl.Series(field.name, values, pl.String).str.to_date("%Y-%m-%d", strict=False)
    if isinstance(dtype, pl.Datetime):
        text = pl.Series(field.name, values, pl.String)
        return text.str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
    if isinstance(dtype, pl.List):
        return pl.Series(field.name, [v if isinstance(v, list) else None for v in values], dtype)
    return pl.Series(field.name, values, dtype, strict=False)


def _fields(form: Form) -> list[Field]:
    return [f for f in form.fields if f.name != "network_id"]


def records_frame(session: Session, principal: Principal | None, form: str) -> pl.DataFrame:
    """The identifiable export of ``form`` as a typed frame."""
    definition = load_dictionary().form(form)
    rows = exportable_records(session, principal, form)
    where = _hospitals(session)
    columns: list[pl.Series] = [
        pl.Series("record_id", [r.id for r in rows], pl.Int64),
        pl.Series("parent_record_id", [r.parent_id for r in rows], pl.Int64),
        pl.Series("network_id", [r.network_id for r in rows], pl.String),
    ]
    parent_form = load_dictionary().forms.get(definition.parent or "")
    for name, values in _parent_keys(session, definition, rows).items():
        if parent_form is not None and definition.get(name) is None:
            columns.append(_column(parent_form.field(name), values))
    columns += [
        pl.Series("hospital", [where[r.org_unit_id][0] for r in rows], pl.String),
        pl.Series("unit", [where[r.org_unit_id][1] for r in rows], pl.String),
        pl.Series("dictionary_version", [r.dictionary_version for r in rows], pl.Int64),
    ]
    columns += [_column(f, [r.values.get(f.name) for r in rows]) for f in _fields(definition)]
    return pl.DataFrame(columns)


# --- files ----------------------------------------------------------------------------------


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists as "a|b" and date-times as ISO 8601 text in UTC, for CSV and Excel."""
    exprs = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.list.join("|")
        elif isinstance(dtype, pl.Datetime):
            column = column.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        exprs.append(column.alias(name))
    return frame.select(exprs)


def _csv(frame: pl.DataFrame) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    flat = _flat(frame)
    writer.writerow(flat.columns)
    for row in flat.iter_rows():
        writer.writerow(["" if v is None else _csv_value(v) for v in row])
    # With a BOM, so that Excel opens the Chinese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return value


def _xlsx(frame: pl.DataFrame, sheet: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    worksheet = book.create_sheet(sheet[:31])
    flat = _flat(frame)
    worksheet.append(flat.columns)
    for row in flat.iter_rows():
        worksheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encode(frame: pl.DataFrame, fmt: str, *, sheet: str = "records") -> bytes:
    """A frame as the bytes of a CSV (UTF-8 with BOM), Excel or Parquet file."""
    if fmt == "csv":
        return _csv(frame)
    if fmt == "xlsx":
        return _xlsx(frame, sheet)
    if fmt == "parquet":
        out = io.BytesIO()
        frame.write_parquet(out)
        return out.getvalue()
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")


def export_records(session: Session, principal: Principal | None, form: str, fmt: str) -> bytes:
    """The records of ``form`` the user may read and export, as a CSV, Excel or Parquet file.

    Needs ``Permission.EXPORT_DATA``; holds the user's hospitals only (``principal`` None:
    the system, every record).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    return encode(records_frame(session, principal, form), fmt, sheet=form)


# --- de-identified extract ------------------------------------------------------------------


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def pseudonym(secret: str | bytes, kind: str, value: object) -> str:
    """The extract's stable, unlinkable stand-in for an id."""
    digest = hmac.new(_key(secret), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def shift_days(secret: str | bytes, network_id: str) -> int:
    """A child's date shift: 1 to 180 days forward or back, never 0, from HMAC(secret, id)."""
    digest = hmac.new(_key(secret), f"shift:{network_id}".encode(), hashlib.sha256).digest()
    step = int.from_bytes(digest[:8], "big") % (2 * SHIFT_DAYS)
    return step - SHIFT_DAYS if step < SHIFT_DAYS else step - SHIFT_DAYS + 1


def released_fields(form: Form) -> list[Field]:
    """The fields an extract keeps: no free text, no direct identifier (dates are shifted)."""
    kept = []
    for f in _fields(form):
        if f.type == "text":
            continue
        if f.identifier and f.type not in ("date", "datetime"):
            continue
        kept.append(f)
    return kept


def _shifted(field: Field, value: Any, days: int) -> Any:
    if value is None:
        return None
    if field.type == "date":
        return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()
    if field.type == "datetime":
        moved = dt.datetime.fromisoformat(value) + dt.timedelta(days=days)
        return moved.astimezone(dt.UTC).isoformat()
    return value


def deidentified_frame(
    session: Session, principal: Principal | None, form: str, *, secret: str | bytes
) -> pl.DataFrame:
    """One form of the extract: hashed ids, hospital, shifted dates, no text or identifiers."""
    definition = load_dictionary().form(form)
    rows = exportable_records(session, principal, form, deidentified=True)
    where = _hospitals(session)
    fields = released_fields(definition)
    shifts = {r.network_id: shift_days(secret, r.network_id) for r in rows}
    columns = [
        pl.Series("record", [pseudonym(secret, "record", r.id) for r in rows], pl.String),
        pl.Series(
            "parent_record",
            [pseudonym(secret, "record", r.parent_id) if r.parent_id else None for r in rows],
            pl.String,
        ),
        pl.Series("patient", [pseudonym(secret, "patient", r.network_id) for r in rows], pl.String),
        pl.Series("hospital", [where[r.org_unit_id][0] for r in rows], pl.String),
        pl.Series("dictionary_version", [r.dictionary_version for r in rows], pl.Int64),
    ]
    for f in fields:
        values = [_shifted(f, r.values.get(f.name), shifts[r.network_id]) for r in rows]
        columns.append(_column(f, values))
    return pl.DataFrame(columns)


def summary_table(session: Session, principal: Principal | None, *, min_cell: int = 5) -> pl.DataFrame:
    """ECLS runs by hospital × ELSO age group × support type; counts below ``min_cell``
    suppressed (null, ``suppressed`` true). Only primary suppression: no margins are
    published, so a suppressed cell cannot be recovered by subtraction."""
    rows = exportable_records(session, principal, "ecls_run", deidentified=True)
    where = _hospitals(session)
    counts: dict[tuple[str, str, str], int] = {}
    for r in rows:
        key = (
            where[r.org_unit_id][0],
            str(r.values.get("age_group") or "unknown"),
            str(r.values.get("support_type") or "unknown"),
        )
        counts[key] = counts.get(key, 0) + 1
    cells = sorted(counts.items())
    small = [n < min_cell for _, n in cells]
    return pl.DataFrame(
        {
            "hospital": [k[0] for k, _ in cells],
            "age_group": [k[1] for k, _ in cells],
            "support_type": [k[2] for k, _ in cells],
            "runs": [None if s else n for (_, n), s in zip(cells, small, strict=True)],
            "suppressed": small,
        },
        schema={
            "hospital": pl.String,
            "age_group": pl.String,
            "support_type": pl.String,
            "runs": pl.Int64,
            "suppressed": pl.Boolean,
        },
    )


README = """LifeNet de-identified registry extract
created {created} UTC; dictionary version {version}; forms: {forms}

- record, parent_record, patient: HMAC-SHA256 pseudonyms (16 hex digits) of the record id,
  the parent record id and the network id; join forms on them. Stable for one extract key.
- Dates and date-times are shifted by a per-patient offset (1-{days} days, forward or back),
  the same in every form of the child: intervals are exact, calendar dates are not.
- Dropped: free-text fields and direct identifiers ({dropped}).
- summary: ECLS runs by hospital, ELSO age group and support type; counts below {min_cell}
  are suppressed (runs empty, suppressed true).
"""


def deidentified_extract(
    session: Session,
    principal: Principal | None,
    forms: Sequence[str],
    *,
    secret: str | bytes,
    min_cell: int = 5,
    fmt: str = "csv",
) -> dict[str, bytes]:
    """The research extract: file name -> content, one file per form plus ``summary`` and
    ``README.txt``. Needs ``Permission.READ_DEIDENTIFIED`` or ``EXPORT_DATA``; covers the
    hospitals where the user holds either."""
    if len(_key(secret)) < 16:
        raise ValueError("the extract key must have at least 16 characters")
    dictionary: Dictionary = load_dictionary()
    definitions = [dictionary.form(f) for f in forms]
    files = {
        f"{d.name}.{fmt}": encode(
            deidentified_frame(session, principal, d.name, secret=secret), fmt, sheet=d.name
        )
        for d in definitions
    }
    files[f"summary.{fmt}"] = encode(
        summary_table(session, principal, min_cell=min_cell), fmt, sheet="summary"
    )
    dropped = sorted({f.name for d in definitions for f in _fields(d) if f not in released_fields(d)})
    files["README.txt"] = README.format(
        created=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        version=dictionary.version,
        forms=", ".join(forms),
        days=SHIFT_DAYS,
        dropped=", ".join(["network_id", *dropped]),
        min_cell=min_cell,
    ).encode("utf-8")
    return files


def extract_key(server_secret: str) -> str:
    """The extract key, derived from the server's secret: hashes are stable across extracts of
    one server and cannot be recomputed without its secret."""
    secret = server_secret.encode("utf-8")
    return hmac.new(secret, b"lifenet-deidentified-extract", hashlib.sha256).hexdigest()


def zipped(files: Mapping[str, bytes]) -> bytes:
    """Files (name -> content) as one ZIP archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def media_type(fmt: str) -> str:
    return MEDIA_TYPES[fmt]


__all__ = [
    "FORMATS",
    "deidentified_extract",
    "extract_key",
    "encode",
    "export_records",
    "exportable_records",
    "pseudonym",
    "zipped",
    "records_frame",
    "released_fields",
    "shift_days",
    "summary_table",
]
