"""Import of registry forms from CSV and Excel files: every row validated with the rules of the
web forms, then all rows written in one transaction, or none.

A file holds one form (``--form ecls_run``): one row per record, one column per dictionary
field (or its REDCap export name). Rows name their patient by ``network_id`` and their parent
record by a natural key, so a file never needs LifeNet's internal record ids:

============================ =====================================================
form                          columns that find the parent record
============================ =====================================================
patient                       ``network_id`` (a new id registers a new patient; an
                              empty one is given a new pseudonym)
episode                       ``network_id`` (the patient's patient form)
diagnosis, pre_ecls,          ``network_id`` + ``admission_datetime`` (the episode)
ecls_run
complication, outcome,        ``network_id`` + ``run_number`` (the ECLS run; run
daily_observation             numbers count a child's runs, 1 for the first)
============================ =====================================================

Refused, with nothing written and a report naming row, field, value and rule: an empty file,
a file over the size limit, a broken encoding, an unknown or duplicated column, a missing
required column, a duplicated row, a row whose patient or parent cannot be found (or lies
outside the importer's hospitals), a second record where the form allows one, and any row
that breaks a rule of the dictionary (soft ranges too, unless confirmed).

Encodings: UTF-8 with or without BOM, else GB18030 (a superset of GBK, which Chinese Excel
uses for "CSV"); the report says which was used.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

import polars as pl
from sqlalchemy import Integer, String, any_, bindparam, func, insert, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.access import Permission, Principal
from lifenet.db import utcnow
from lifenet.lib.errors import N_, Conflict, FieldError, InvalidInput
from lifenet.lib.iterables import chunked
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry import queries, validation
from lifenet.registry.actions import new_network_id, today_in
from lifenet.registry.dictionary import Dictionary, Form, load_dictionary
from lifenet.registry.models import RegistryPatient, RegistryRecord

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
# Rows per INSERT statement and per progress step; all in the one transaction.
CHUNK = 5000
# Ids per lookup (one array parameter on PostgreSQL and SQLite).
LOOKUP_CHUNK = 50_000
REPORT_COLUMNS = ("row", "field", "value", "rule", "message", "severity")
# The natural key of a record of each parent form: network_id plus these fields.
PARENT_KEYS: dict[str, tuple[str, ...]] = {
    "patient": (),
    "episode": ("admission_datetime",),
    "ecls_run": ("run_number",),
}
# Fields unique per patient among records of the form: they are the natural keys of children.
UNIQUE_PER_PATIENT: dict[str, str] = {"episode": "admission_datetime", "ecls_run": "run_number"}
REDCAP_IGNORED = (
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
    "redcap_survey_identifier",
)
KEY = "__key__"
CHECKED = ("1", "checked", "yes", "true", "y", "是")

Progress = Callable[[str, int, int], None]
"""``on_progress(stage, done, total)``: stages "read", "validate", "link", "write"."""


# --- the report -----------------------------------------------------------------------------


def _issues(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=validation.ISSUE_SCHEMA)


@dataclass
class ImportReport:
    """What an import did, or why it was refused (``issues``: one row per problem)."""

    file_name: str
    form: str
    sha256: str = ""
    encoding: str = ""
    rows: int = 0
    created: int = 0
    patients_registered: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    issues: pl.DataFrame = field(default_factory=lambda: _issues([]))

    @property
    def ok(self) -> bool:
        return self.issues.height == 0

    def to_csv(self) -> str:
        """The issues as CSV (UTF-8 with BOM, so Excel opens Chinese text correctly)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)
        for row in self.issues.select(REPORT_COLUMNS).iter_rows():
            writer.writerow(["" if v is None else v for v in row])
        return "\ufeff" + out.getvalue()

    def write_csv(self, path: str | Path) -> Path:
        target = Path(path)
        target.write_text(self.to_csv(), encoding="utf-8")
        return target


class ImportRefused(InvalidInput):
    """The file was not imported; ``report.issues`` lists every problem found."""

    def __init__(self, report: ImportReport, limit: int = 20) -> None:
        self.report = report
        shown = report.issues.head(limit).iter_rows(named=True)
        errors = [
            FieldError(
                r["field"] or "file",
                r["rule"],
                N_("Row %(row)s: %(problem)s") if r["row"] is not None else N_("%(problem)s"),
                {"row": r["row"], "problem": r["message"]},
            )
            for r in shown
        ]
        super().__init__(*errors)


def _refuse(
    report: ImportReport, field_name: str, rule: str, message: str, row: int | None = None
) -> NoReturn:
    report.issues = _issues(
        [
            {
                "row": row,
                "field": field_name,
                "value": None,
                "rule": rule,
                "message": message,
                "severity": "error",
            }
        ]
    )
    raise ImportRefused(report)


# --- reading the file -----------------------------------------------------------------------


class FileRefused(Exception):
    """The file as a whole cannot be read (rule: empty, size, encoding, format, …)."""

    def __init__(self, field_name: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.rule = rule
        self.message = message


def decode(raw: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in: UTF-8 (with or without BOM),
    else GB18030 (which reads GBK). Refuses binary and UTF-16 files and bytes that are
    neither."""
    if b"\x00" in raw:
        raise FileRefused(
            "file", "encoding", "The file contains NUL bytes: it is not a CSV text file (UTF-16 or binary?)."
        )
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise _bad_encoding(raw, error, "UTF-8") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as error:
        raise _bad_encoding(raw, error, "UTF-8 nor GBK/GB18030") from None


def _bad_encoding(raw: bytes, error: UnicodeDecodeError, tried: str) -> FileRefused:
    line = raw[: error.start].count(b"\n") + 1
    return FileRefused(
        "file",
        "encoding",
        f"The file is neither {tried}: undecodable bytes at line {line} (byte {error.start}). "
        "Save it as CSV UTF-8.",
    )


def _cell(value: Any) -> str | None:
    """An Excel cell as the text a CSV would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _read_excel(raw: bytes, sheet: str | None) -> tuple[list[str], list[list[str | None]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as error:
        raise FileRefused("file", "format", f"This is not a readable Excel (.xlsx) file: {error}") from None
    try:
        worksheet = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
        rows = worksheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return [], []
        names = ["" if h is None else str(h) for h in header]
        width = len(names)
        body = [[_cell(v) for v in list(r)[:width]] + [None] * (width - len(r)) for r in rows]
    finally:
        book.close()
    return names, body


def _csv_header(text: str) -> list[str]:
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
    return next(csv.reader(io.StringIO(text), dialect=dialect), [])


def _read_csv(text: str, header: list[str]) -> pl.DataFrame:
    separator = "\t" if "\t" in text.split("\n", 1)[0] and "," not in text.split("\n", 1)[0] else ","
    try:
        return pl.read_csv(
            text.encode("utf-8"),
            has_header=True,
            new_columns=[f"__col{i}" for i in range(len(header))],
            infer_schema=False,
            separator=separator,
        )
    except pl.exceptions.PolarsError as error:
        raise FileRefused("file", "format", f"The CSV cannot be read: {str(error).splitlines()[0]}") from None


def read_table(raw: bytes, *, sheet: str | None = None) -> tuple[list[str], pl.DataFrame, str]:
    """(header as written, a frame of text columns named ``__col0…``, encoding or "xlsx")."""
    if not raw.strip():
        raise FileRefused("file", "empty", "The file is empty.")
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused("file", "format", "Old Excel (.xls) files are not read; save it as .xlsx or CSV.")
    if raw.startswith(b"PK\x03\x04"):
        header, body = _read_excel(raw, sheet)
        columns = {f"__col{i}": [r[i] for r in body] for i in range(len(header))}
        frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
        return header, frame, "xlsx"
    text, encoding = decode(raw)
    header = _csv_header(text)
    return header, _read_csv(text, header), encoding


# --- columns --------------------------------------------------------------------------------


def parent_key_columns(form: Form) -> tuple[str, ...]:
    """The columns that find a row's patient and parent record (besides its own fields)."""
    if form.parent is None:
        return ("network_id",)
    return ("network_id", *PARENT_KEYS.get(form.parent, ()))


def _is_ignored(name: str, form: Form) -> bool:
    return name in REDCAP_IGNORED or name in (f"{form.name}_complete", f"{form.name}_timestamp")


@dataclass
class _Columns:
    # Fields of the form under their names; parent-key columns as ``__key__<name>``.
    frame: pl.DataFrame
    ignored: list[str]
    issues: list[dict[str, Any]]


def _column_issue(name: str, rule: str, message: str) -> dict[str, Any]:
    return {"row": None, "field": name, "value": None, "rule": rule, "message": message, "severity": "error"}


def _checkbox(name: str, form: Form) -> tuple[str, str] | None:
    """REDCap's ``field___code`` column of a multiple-choice field, as (field, code)."""
    base, sep, code = name.partition("___")
    target = form.get(base)
    if not sep or target is None or not target.is_list:
        return None
    return base, code


def _map_columns(form: Form, header: Sequence[str], raw: pl.DataFrame) -> _Columns:
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    if "record_id" in names and "network_id" not in names:
        names[names.index("record_id")] = "network_id"  # a REDCap project keyed by the network id
    keys = parent_key_columns(form)
    issues: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    fields: dict[str, pl.Expr] = {}
    key_exprs: dict[str, pl.Expr] = {}
    checkboxes: dict[str, list[tuple[str, str]]] = {}
    ignored: list[str] = []
    for index, name in enumerate(names):
        column = f"__col{index}"
        bare = name.split(".", 1)[1] if name.startswith(f"{form.parent}.") else name
        if not name:
            if raw.get_column(column).drop_nulls().len():
                issues.append(_column_issue(f"column {index + 1}", "unknown_field", "A column has no name."))
            continue
        if name in seen:
            issues.append(
                _column_issue(
                    name,
                    "duplicate_column",
                    f"The column {name} appears twice (columns {seen[name] + 1} and {index + 1}).",
                )
            )
            continue
        seen[name] = index
        if form.get(name) is not None:
            fields[name] = pl.col(column)
        elif bare in keys:
            key_exprs[bare] = pl.col(column)
        elif (box := _checkbox(name, form)) is not None:
            checkboxes.setdefault(box[0], []).append((column, box[1]))
        elif _is_ignored(name, form):
            ignored.append(header[index])
        else:
            message = validation.MESSAGES["unknown_field"] % {"field": name, "form": form.name}
            issues.append(_column_issue(name, "unknown_field", message))
    for base, boxes in checkboxes.items():
        if base in fields:
            issues.append(
                _column_issue(
                    base, "duplicate_column", f"{base} is given both as one column and as checkboxes."
                )
            )
            continue
        fields[base] = _joined_checkboxes(boxes)
    issues += _missing(form, keys, set(fields) | set(key_exprs))
    frame = raw.select(
        *(_labels_to_codes(form, name, expr).alias(name) for name, expr in fields.items()),
        *(expr.alias(f"{KEY}{name}") for name, expr in key_exprs.items()),
    )
    return _Columns(frame, ignored, issues)


def _joined_checkboxes(boxes: list[tuple[str, str]]) -> pl.Expr:
    parts = [
        pl.when(pl.col(column).str.strip_chars().str.to_lowercase().is_in(CHECKED)).then(pl.lit(code))
        for column, code in boxes
    ]
    joined = pl.concat_list(parts).list.drop_nulls().list.join("|")
    return pl.when(joined != "").then(joined)


def _labels_to_codes(form: Form, name: str, expr: pl.Expr) -> pl.Expr:
    """A choice given by its English or Chinese label (REDCap's label export) read as its code."""
    target = form.get(name)
    codelist = load_dictionary().codelist_of(target) if target is not None else None
    if target is None or target.type != "choice" or codelist is None:
        return expr
    labels: dict[str, str] = {}
    for choice in codelist.choices:
        labels.setdefault(choice.en.strip().lower(), choice.code)
        labels.setdefault(choice.zh.strip(), choice.code)
    lowered = expr.str.strip_chars().str.to_lowercase()
    is_code = lowered.is_in(list(codelist.codes))
    mapped = lowered.replace_strict(labels, default=None, return_dtype=pl.String)
    return pl.when(~is_code & mapped.is_not_null()).then(mapped).otherwise(expr)


def _missing(form: Form, keys: Sequence[str], given: set[str]) -> list[dict[str, Any]]:
    """Columns without which no row can be valid: keys, and fields required unconditionally."""
    needed = [k for k in keys if not (form.name == "patient" and k == "network_id")]
    needed += [f.name for f in form.fields if f.required and not f.show_if and f.name != "network_id"]
    return [
        _column_issue(name, "missing_column", f"The file has no column {name}, which every row needs.")
        for name in dict.fromkeys(needed)
        if name not in given
    ]


# --- finding patients and parents -----------------------------------------------------------


BASE = ("id", "patient_id", "form", "parent_id", "org_unit_id")


def _among(session: Session, column: Any, values: Sequence[Any]) -> Any:
    """``column IN values`` as one bound parameter: an array on PostgreSQL, a JSON array on
    SQLite (thousands of ``IN (?, ?, …)`` placeholders cost more to compile than to run)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        kind = String() if values and isinstance(values[0], str) else Integer()
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(kind)))
    if dialect == "sqlite":
        listed: Any = select(literal_column("value")).select_from(
            func.json_each(bindparam(None, json.dumps(list(values))))
        )
        return column.in_(listed)
    return column.in_(values)


def _patients(session: Session, network_ids: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in chunked(sorted(set(network_ids)), LOOKUP_CHUNK):
        query = select(RegistryPatient.network_id, RegistryPatient.id).where(
            _among(session, RegistryPatient.network_id, chunk)
        )
        result = session.connection().execute(query)
        found |= dict(result.cursor.fetchall()) if result.cursor is not None else {}
        result.close()
    return found


def _records(session: Session, fields: Sequence[str], *conditions: Any) -> pl.DataFrame:
    """Records as a frame: ``BASE`` columns and the ``fields`` asked for, as text. Only these
    values are read, extracted from the JSON by the database: decoding every record's JSON in
    Python would cost more than the rest of the import."""
    extracted = [RegistryRecord.values[name].as_string() for name in fields]
    query = select(
        RegistryRecord.id,
        RegistryRecord.patient_id,
        RegistryRecord.form,
        RegistryRecord.parent_id,
        RegistryRecord.org_unit_id,
        *extracted,
    ).where(*conditions)
    schema = {"id": pl.Int64, "patient_id": pl.Int64, "form": pl.String, "parent_id": pl.Int64}
    schema |= {"org_unit_id": pl.Int64} | dict.fromkeys(fields, pl.String)
    result = session.connection().execute(query)
    # The DB-API rows as they come (ints and text need no conversion): building SQLAlchemy
    # Row objects for a hundred thousand records costs more than the query.
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    return pl.DataFrame(rows, schema=schema, orient="row", strict=False)


def _records_of(
    session: Session, forms: Collection[str], patient_ids: Collection[int], fields: Sequence[str] = ()
) -> pl.DataFrame:
    """The patients' records of these forms, in one query (per 50,000 patients)."""
    parts = [
        _records(
            session,
            fields,
            RegistryRecord.form.in_(sorted(forms)),
            _among(session, RegistryRecord.patient_id, chunk),
        )
        for chunk in chunked(sorted(patient_ids), LOOKUP_CHUNK)
    ]
    return pl.concat(parts) if parts else _records(session, fields, RegistryRecord.id.is_(None))


def _records_by_id(session: Session, ids: Collection[int], fields: Sequence[str] = ()) -> pl.DataFrame:
    parts = [
        _records(session, fields, _among(session, RegistryRecord.id, chunk))
        for chunk in chunked(sorted(ids), LOOKUP_CHUNK)
    ]
    return pl.concat(parts) if parts else _records(session, fields, RegistryRecord.id.is_(None))


def _key_form(form_name: str, field_name: str) -> Form:
    """A one-field form: validates a key column with its field's rules, without the others."""
    form = load_dictionary().form(form_name)
    return form.with_fields((form.field(field_name),)).model_copy(update={"checks": ()})


def _typed_keys(form_name: str, field_name: str, values: Sequence[Any], tz: str, today: dt.date) -> pl.Series:
    """A file's key column read as its field's type, as the forms read it (null: unreadable)."""
    frame = pl.DataFrame({field_name: pl.Series(values, dtype=pl.String)})
    cleaned, _ = validation.validate_frame(_key_form(form_name, field_name), frame, today=today, tz=tz)
    return cleaned.get_column(field_name)


def _stored(form_name: str, field_name: str) -> pl.Expr:
    """A stored key value (ISO text in UTC, a number) read as its field's type."""
    kind = load_dictionary().form(form_name).field(field_name).type
    text = pl.col(field_name)
    if kind == "datetime":
        return text.str.to_datetime(time_unit="us", time_zone="UTC", strict=False)
    if kind == "date":
        return text.str.to_date("%Y-%m-%d", strict=False)
    if kind == "integer":
        return text.cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    return text


@dataclass
class _Links:
    patient_ids: list[int | None]
    parent_ids: list[int | None]
    new_patients: dict[str, int]  # network id -> first row giving it
    context: pl.DataFrame  # ``form.field`` columns the form's rules read
    issues: list[dict[str, Any]]


def _issue(row: int, name: str, value: Any, rule: str, message: str) -> dict[str, Any]:
    shown = None if value is None else str(value)
    return {"row": row, "field": name, "value": shown, "rule": rule, "message": message, "severity": "error"}


def _readable(by: Principal | None, units: Mapping[int, OrgUnit], unit_id: int) -> bool:
    return by is None or by.can(Permission.READ_PATIENTS, units[unit_id].path)


class _Linker:
    """Finds each row's patient and parent record, and the related values its rules read."""

    def __init__(self, session: Session, by: Principal | None, form: Form, tz: str, today: dt.date) -> None:
        self.session, self.by, self.form, self.tz, self.today = session, by, form, tz, today
        self.units = {u.id: u for u in session.scalars(select(OrgUnit))}
        self.issues: list[dict[str, Any]] = []

    def link(
        self, network_ids: list[str | None], keys: pl.DataFrame, unique_values: list[Any] | None
    ) -> _Links:
        patients = _patients(self.session, [n for n in network_ids if n])
        patient_ids: list[int | None] = [patients.get(n) if n else None for n in network_ids]
        self._prefetch(patient_ids)
        new_patients: dict[str, int] = {}
        if self.form.parent is None:
            new_patients = self._new_patients(network_ids, patients)
            parent_ids: list[int | None] = [None] * len(network_ids)
        else:
            self._unknown_patients(network_ids, patient_ids)
            parent_ids = self._parents(patient_ids, keys)
        self._single(network_ids, patient_ids, parent_ids)
        self._unique_per_patient(patient_ids, network_ids, unique_values)
        context = self._context(patient_ids, parent_ids)
        return _Links(patient_ids, parent_ids, new_patients, context, self.issues)

    def _prefetch(self, patient_ids: list[int | None]) -> None:
        """The patients' stored records every later step reads (parents, run numbers, patient
        forms), with the fields each needs, in one query."""
        needs: dict[str, set[str]] = {}
        if self.form.parent is not None:
            needs[self.form.parent] = set(PARENT_KEYS.get(self.form.parent, ()))
        if self.form.name in UNIQUE_PER_PATIENT:
            needs.setdefault(self.form.name, set()).add(UNIQUE_PER_PATIENT[self.form.name])
        patient_fields = {n.partition(".")[2] for n in self.form.related_names() if n.startswith("patient.")}
        if patient_fields:
            needs.setdefault("patient", set()).update(patient_fields)
        owners = {p for p in patient_ids if p is not None}
        # One query per form, extracting only that form's fields: the database parses a
        # record's JSON once per field it extracts.
        self.related = {
            form: _records_of(self.session, (form,), owners, sorted(names)) for form, names in needs.items()
        }

    def _new_patients(self, network_ids: list[str | None], known: Mapping[str, int]) -> dict[str, int]:
        fresh: dict[str, int] = {}
        for row, network_id in enumerate(network_ids, start=1):
            if network_id and network_id not in known:
                fresh.setdefault(network_id, row)
        return fresh

    def _unknown_patients(self, network_ids: list[str | None], patient_ids: list[int | None]) -> None:
        for row, (network_id, patient_id) in enumerate(zip(network_ids, patient_ids, strict=True), start=1):
            if not network_id:
                self.issues.append(_issue(row, "network_id", None, "required", "This field is required."))
            elif patient_id is None:
                message = (
                    f"No patient with the network id {network_id}; import or register the patient first."
                )
                self.issues.append(_issue(row, "network_id", network_id, "exists", message))

    def _parents(self, patient_ids: list[int | None], keys: pl.DataFrame) -> list[int | None]:
        """Each row's parent record, matched on (patient, natural key) in one join."""
        parent_form = self.form.parent or ""
        key_fields = list(PARENT_KEYS.get(parent_form, ()))
        candidates = (
            self.related[parent_form]
            .select("id", "patient_id", "org_unit_id", *(_stored(parent_form, f) for f in key_fields))
            .unique(["patient_id", *key_fields], keep="first", maintain_order=True)
        )
        raw_keys = {
            f: keys.get_column(f).to_list() if f in keys.columns else [None] * len(patient_ids)
            for f in key_fields
        }
        rows = pl.DataFrame(
            [
                pl.Series("patient_id", patient_ids, pl.Int64),
                *(_typed_keys(parent_form, f, raw_keys[f], self.tz, self.today) for f in key_fields),
            ]
        ).with_row_index("__position")
        matched = rows.join(candidates, on=["patient_id", *key_fields], how="left", nulls_equal=False)
        matched = matched.sort("__position")
        found_ids, found_units = matched["id"].to_list(), matched["org_unit_id"].to_list()
        readable = {
            unit_id: parent_form == "patient" or _readable(self.by, self.units, unit_id)
            for unit_id in set(found_units)
            if unit_id is not None
        }
        complete = rows.select(
            pl.all_horizontal([pl.col(f).is_not_null() for f in key_fields] or [pl.lit(True)])
        )
        parents: list[int | None] = []
        for position, patient_id in enumerate(patient_ids):
            found = found_ids[position] if readable.get(found_units[position], False) else None
            if patient_id is not None and found is None:
                self._no_parent(position + 1, parent_form, key_fields, raw_keys, complete.item(position, 0))
            parents.append(found if patient_id is not None else None)
        return parents

    def _no_parent(
        self,
        row: int,
        parent_form: str,
        key_fields: Sequence[str],
        raw_keys: Mapping[str, list[Any]],
        complete: bool,
    ) -> None:
        name = key_fields[0] if key_fields else "network_id"
        raw = raw_keys[name][row - 1] if key_fields else None
        if not complete:
            message = f"{name} is needed to find the {parent_form} record."
            self.issues.append(_issue(row, name, raw, "required", message))
            return
        # The patient form is shared by the network; other parents must be in the importer's scope.
        described = " and ".join(f"{k} {raw_keys[k][row - 1]}" for k in key_fields) or "network id"
        message = f"The patient has no {parent_form} record with this {described} that you may see."
        self.issues.append(_issue(row, name, raw, "parent", message))

    def _taken(self, column: Any, owners: Collection[int]) -> set[int]:
        taken: set[int] = set()
        for chunk in chunked(sorted(owners), LOOKUP_CHUNK):
            query = select(column).where(
                RegistryRecord.form == self.form.name, _among(self.session, column, chunk)
            )
            taken |= set(self.session.connection().execute(query).scalars())
        return taken

    def _single(
        self, network_ids: list[str | None], patient_ids: list[int | None], parent_ids: list[int | None]
    ) -> None:
        """A form that is not repeating: one record per parent (per patient for the root)."""
        if self.form.repeating:
            return
        if self.form.parent is None:
            filled = self._taken(RegistryRecord.patient_id, {p for p in patient_ids if p is not None})
            owners: list[Any] = network_ids
            taken: set[Any] = {n for n, p in zip(network_ids, patient_ids, strict=True) if p in filled}
            owner_name, owner_field = "patient", "network_id"
        else:
            owners = parent_ids
            taken = self._taken(RegistryRecord.parent_id, {p for p in parent_ids if p is not None})
            owner_name = owner_field = self.form.parent
        first: dict[Any, int] = {}
        for row, owner in enumerate(owners, start=1):
            if owner is None:
                continue
            if owner in taken:
                message = (
                    f"This {self.form.name} form is already filled in for this {owner_name}; edit it instead."
                )
            elif owner in first:
                message = f"Row {first[owner]} already gives the {self.form.name} form of this {owner_name}."
            else:
                first[owner] = row
                continue
            self.issues.append(_issue(row, owner_field, None, "single", message))

    def _unique_per_patient(
        self, patient_ids: list[int | None], network_ids: list[str | None], values: list[Any] | None
    ) -> None:
        name = UNIQUE_PER_PATIENT.get(self.form.name)
        if name is None or values is None:
            return
        stored = self.related[self.form.name].select("patient_id", _stored(self.form.name, name))
        existing = set(stored.iter_rows())
        typed_values = _typed_keys(self.form.name, name, values, self.tz, self.today).to_list()
        first: dict[tuple[Any, ...], int] = {}
        rows = zip(patient_ids, network_ids, values, typed_values, strict=True)
        for row, (patient_id, network_id, value, typed) in enumerate(rows, start=1):
            if typed is None or network_id is None:
                continue
            if patient_id is not None and (patient_id, typed) in existing:
                message = f"The patient already has a {self.form.name} with {name} {value}."
            elif (network_id, typed) in first:
                message = f"Row {first[(network_id, typed)]} gives the same {name} for this patient."
            else:
                first[(network_id, typed)] = row
                continue
            self.issues.append(_issue(row, name, value, "unique", message))

    def _context(self, patient_ids: list[int | None], parent_ids: list[int | None]) -> pl.DataFrame:
        """The ``form.field`` values of related records the form's calculations and checks read,
        as text columns named ``form.field``: the patient form's by a join on the patient, the
        other ancestors' by walking up from the parent."""
        wanted = self.form.related_names()
        if not wanted:
            return pl.DataFrame()
        by_form: dict[str, list[str]] = {}
        for name in wanted:
            form_name, _, field_name = name.partition(".")
            by_form.setdefault(form_name, []).append(field_name)
        rows = pl.DataFrame(
            [pl.Series("patient_id", patient_ids, pl.Int64), pl.Series("parent_id", parent_ids, pl.Int64)]
        ).with_row_index("__position")
        if "patient" in by_form:
            fields = by_form["patient"]
            forms = self.related["patient"].unique("patient_id", keep="first")
            renamed = forms.select("patient_id", *(pl.col(f).alias(f"patient.{f}") for f in fields))
            rows = rows.join(renamed, on="patient_id", how="left")
        others = {k: v for k, v in by_form.items() if k != "patient"}
        if others:
            rows = rows.join(self._ancestors(parent_ids, others), on="parent_id", how="left")
        columns = [
            pl.col(n).cast(pl.String) if n in rows.columns else pl.lit(None, pl.String).alias(n)
            for n in wanted
        ]
        return rows.sort("__position").select(columns)

    def _ancestors(self, parent_ids: list[int | None], wanted: Mapping[str, list[str]]) -> pl.DataFrame:
        """For each parent id, the ``wanted`` fields of it and of its own ancestors, by form:
        a frame ``parent_id`` + ``form.field`` columns (text)."""
        fields = sorted({f for names in wanted.values() for f in names})
        loaded: dict[int, dict[str, Any]] = {}
        pending = {p for p in parent_ids if p is not None}
        while pending:
            found = _records_by_id(self.session, pending, fields).to_dicts()
            loaded |= {r["id"]: r for r in found}
            pending = {r["parent_id"] for r in found if r["parent_id"] is not None} - set(loaded)
        names = [f"{form}.{f}" for form, fs in wanted.items() for f in fs]
        columns: dict[str, list[Any]] = {"parent_id": [], **{n: [] for n in names}}
        for start in sorted({p for p in parent_ids if p is not None}):
            chain: dict[str, dict[str, Any]] = {}
            current = loaded.get(start)
            while current is not None and current["form"] not in chain:
                chain[current["form"]] = current
                current = loaded.get(current["parent_id"]) if current["parent_id"] is not None else None
            columns["parent_id"].append(start)
            for n in names:
                form_name, _, field_name = n.partition(".")
                columns[n].append(_as_text(chain.get(form_name, {}).get(field_name)))
        return pl.DataFrame(columns, schema={"parent_id": pl.Int64, **dict.fromkeys(names, pl.String)})


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith("["):
        value = json.loads(value)  # a list, extracted from the JSON as text
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    return str(value)


# --- duplicates -----------------------------------------------------------------------------


def _duplicate_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows identical to an earlier row in every column."""
    if frame.width == 0 or frame.height < 2:
        return []
    numbered = frame.with_row_index("__row", offset=1)
    columns = [c for c in frame.columns]
    firsts = numbered.group_by(columns, maintain_order=True).agg(pl.col("__row").alias("__rows"))
    repeated = firsts.filter(pl.col("__rows").list.len() > 1).get_column("__rows").to_list()
    issues = []
    for rows in repeated:
        for row in rows[1:]:
            issues.append(_issue(row, "row", None, "duplicate", f"Row {row} repeats row {rows[0]}."))
    return issues


# --- writing --------------------------------------------------------------------------------


# A member whose value is null, in Polars' compact JSON. Field names are snake case; inside a
# string value every quote is escaped, so the pattern cannot match there.
_NULL_MEMBER = r'"[a-z][a-z0-9_]*":null,?'


def json_texts(form: Form, cleaned: pl.DataFrame) -> list[str]:
    """Each cleaned row as the JSON text of its stored values (``validation.to_json`` of every
    non-empty field), built in Polars: dates and date-times as ISO text in UTC."""
    columns = []
    for f in form.fields:
        if f.name not in cleaned.columns:
            continue
        column = pl.col(f.name)
        dtype = cleaned.schema[f.name]
        if isinstance(dtype, pl.Datetime):
            utc = column.dt.convert_time_zone("UTC")
            whole = utc.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
            micro = utc.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
            column = pl.when(utc.dt.microsecond() == 0).then(whole).otherwise(micro)
        elif dtype == pl.Date:
            column = column.dt.strftime("%Y-%m-%d")
        columns.append(column.alias(f.name))
    if not columns:
        return ["{}"] * cleaned.height
    encoded = (
        pl.struct(columns).struct.json_encode().str.replace_all(_NULL_MEMBER, "").str.replace(r",\}$", "}")
    )
    return cleaned.select(encoded).to_series().to_list()


def _register_patients(
    session: Session, by: Principal | None, unit: OrgUnit, fresh: Sequence[str], now: dt.datetime
) -> dict[str, int]:
    rows = [
        {
            "network_id": n,
            "org_unit_id": unit.id,
            "created_at": now,
            "created_by_id": by.user_id if by else None,
        }
        for n in fresh
    ]
    if not rows:
        return {}
    session.execute(insert(RegistryPatient), rows)
    return _patients(session, fresh)


RECORD_COLUMNS = (
    "patient_id",
    "form",
    "parent_id",
    "org_unit_id",
    "dictionary_version",
    "values",
    "version",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
)


def _sqlite_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _insert_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Rows of ``RECORD_COLUMNS`` (values as JSON text) in the session's transaction, by the
    database's own bulk path: COPY on PostgreSQL, the DB-API ``executemany`` on SQLite (the
    ORM's bulk insert costs several times more, mostly re-encoding the JSON)."""
    connection = session.connection()
    driver: Any = connection.connection.driver_connection
    columns = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    if connection.dialect.name == "postgresql":
        with driver.cursor() as cursor, cursor.copy(f"COPY registry_record ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if connection.dialect.name == "sqlite":
        placeholders = ", ".join("?" * len(RECORD_COLUMNS))
        # SQLAlchemy's SQLite DATETIME text: naive UTC with microseconds.
        stamped = {t: _sqlite_time(t) for t in {r[7] for r in rows} | {r[8] for r in rows}}
        stamp = [(*r[:7], stamped[r[7]], stamped[r[8]], *r[9:]) for r in rows]
        sql = f"INSERT INTO registry_record ({columns}) VALUES ({placeholders})"  # noqa: S608 - constant names
        driver.cursor().executemany(sql, stamp)
        return
    mappings = [dict(zip(RECORD_COLUMNS, r, strict=True)) | {"values": json.loads(r[5])} for r in rows]
    session.execute(insert(RegistryRecord), mappings)


def _write(
    session: Session,
    by: Principal | None,
    unit: OrgUnit,
    form: Form,
    plan: _Plan,
    on_progress: Progress | None,
) -> int:
    now = utcnow()
    actor = by.user_id if by else None
    registered = _register_patients(session, by, unit, plan.new_patients, now)
    total = len(plan.values)
    for start in range(0, total, CHUNK):
        rows = [
            (
                plan.patient_ids[i] or registered[plan.network_ids[i] or ""],
                form.name,
                plan.parent_ids[i],
                unit.id,
                plan.dictionary_version,
                plan.values[i],
                1,
                now,
                now,
                actor,
                actor,
            )
            for i in range(start, min(start + CHUNK, total))
        ]
        _insert_rows(session, rows)
        if on_progress:
            on_progress("write", min(start + CHUNK, total), total)
    return len(registered)


@dataclass
class _Plan:
    network_ids: list[str | None]
    patient_ids: list[int | None]
    parent_ids: list[int | None]
    new_patients: list[str]
    values: list[str]  # JSON text of each record's values
    dictionary_version: int


# --- the action -----------------------------------------------------------------------------


def _source(source: str | Path | bytes, max_bytes: int, report: ImportReport) -> bytes:
    if isinstance(source, bytes):
        size = len(source)
    else:
        path = Path(source)
        if not path.is_file():
            _refuse(report, "file", "exists", f"No file {path}.")
        size = path.stat().st_size
    if size > max_bytes:
        _refuse(
            report,
            "file",
            "size",
            f"The file has {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB. Split it into smaller files.",
        )
    return source if isinstance(source, bytes) else Path(source).read_bytes()


def _confirmed(form: Form, confirmed_soft: Collection[str] | Literal["all"]) -> frozenset[str]:
    if confirmed_soft == "all":
        return frozenset(form.field_names)
    return frozenset(confirmed_soft)


def _remap_rows(issues: pl.DataFrame, lines: list[int]) -> pl.DataFrame:
    """Row numbers of the kept rows back to the file's data rows (blank rows were skipped)."""
    if issues.height == 0 or lines == list(range(1, len(lines) + 1)):
        return issues
    mapping = dict(enumerate(lines, start=1))
    return issues.with_columns(
        pl.col("row").replace_strict(mapping, default=pl.col("row"), return_dtype=pl.Int64)
    )


def _network_ids(fields: pl.DataFrame, keys: pl.DataFrame) -> list[str | None]:
    source = fields if "network_id" in fields.columns else keys
    if "network_id" not in source.columns:
        return [None] * fields.height
    cleaned = source.get_column("network_id").str.strip_chars().str.to_uppercase()
    return [v or None for v in cleaned.to_list()]


def do_import_file(
    session: Session,
    by: Principal | None,
    source: str | Path | bytes,
    *,
    form: str,
    org_unit_id: int,
    tz: str = "Asia/Shanghai",
    file_name: str | None = None,
    confirmed_soft: Collection[str] | Literal["all"] = (),
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_progress: Progress | None = None,
    today: dt.date | None = None,
    dictionary: Dictionary | None = None,
) -> ImportReport:
    """Import every row of a CSV or Excel file as a ``form`` record at ``org_unit_id``, or none.

    ``source`` is a path or the file's bytes (then ``file_name`` names it in the audit log).
    Returns the report of a successful import; raises :class:`ImportRefused` (an
    ``InvalidInput``) carrying the report of every problem when any row is refused, and
    ``Forbidden`` when ``by`` may not import at that hospital. ``confirmed_soft`` lists the
    fields whose soft-range values are accepted ("all" for every field).
    """
    dictionary = dictionary or queries.dictionary_for(session, org_unit_id)  # with its local fields
    definition = dictionary.form(form)
    unit = network_queries.get_org_unit(session, org_unit_id)
    if by is not None:
        by.require(Permission.IMPORT_DATA, unit.path, where=unit.code)
        by.require(Permission.WRITE_PATIENTS, unit.path, where=unit.code)
    name = file_name or (Path(source).name if not isinstance(source, bytes) else "upload")
    report = ImportReport(file_name=name, form=form)
    raw = _source(source, max_bytes, report)
    report.sha256 = hashlib.sha256(raw).hexdigest()
    try:
        plan = _prepare(
            session, by, definition, raw, report, tz, confirmed_soft, on_progress, today, dictionary
        )
        report.patients_registered = _write(session, by, unit, definition, plan, on_progress)
        report.created = len(plan.values)
        _audit(session, by, unit, report)
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise Conflict.one(
            "file",
            "conflict",
            N_("Another change collided with this import; nothing was imported. Try again."),
        ) from error
    except BaseException:
        session.rollback()
        raise
    return report


def _prepare(
    session: Session,
    by: Principal | None,
    form: Form,
    raw: bytes,
    report: ImportReport,
    tz: str,
    confirmed_soft: Collection[str] | Literal["all"],
    on_progress: Progress | None,
    today: dt.date | None,
    dictionary: Dictionary,
) -> _Plan:
    """Read, link and validate the file; raise ``ImportRefused`` with every problem found."""
    try:
        header, table, report.encoding = read_table(raw, sheet=form.name)
    except FileRefused as refused:
        _refuse(report, refused.field, refused.rule, refused.message)
    columns = _map_columns(form, header, table)
    report.ignored_columns = columns.ignored
    if columns.issues:
        report.issues = _issues(columns.issues)
        raise ImportRefused(report)
    # Blank lines (a spreadsheet's trailing rows) are skipped; row numbers stay the file's.
    table = columns.frame.with_row_index("__line", offset=1).filter(
        pl.any_horizontal(pl.exclude("__line").is_not_null())
    )
    lines = table.get_column("__line").to_list()
    table = table.drop("__line")
    fields = table.select(c for c in table.columns if not c.startswith(KEY))
    keys = table.select(pl.col(c).alias(c.removeprefix(KEY)) for c in table.columns if c.startswith(KEY))
    report.rows = table.height
    if report.rows == 0:
        _refuse(report, "file", "empty", "The file has a header but no rows.")
    if on_progress:
        on_progress("read", report.rows, report.rows)
    duplicates = _duplicate_rows(table)
    network_ids = _network_ids(fields, keys)
    if form.parent is None:
        network_ids = [n or new_network_id() for n in network_ids]
        fields = fields.with_columns(pl.Series("network_id", network_ids, pl.String))
    unique = UNIQUE_PER_PATIENT.get(form.name)
    unique_values = fields.get_column(unique).to_list() if unique in fields.columns else None
    today = today or today_in(tz)
    links = _Linker(session, by, form, tz, today).link(network_ids, keys, unique_values)
    if on_progress:
        on_progress("link", report.rows, report.rows)
    frame = pl.concat([fields, links.context], how="horizontal") if links.context.width else fields
    cleaned, problems = validation.validate_frame(
        form,
        frame,
        confirmed_soft=_confirmed(form, confirmed_soft),
        today=today,
        tz=tz,
        dictionary=dictionary,
    )
    if on_progress:
        on_progress("validate", report.rows, report.rows)
    issues = pl.concat([problems, _issues(duplicates + links.issues)]).sort("row", maintain_order=True)
    if issues.height:
        report.issues = _remap_rows(issues, lines)
        raise ImportRefused(report)
    return _Plan(
        network_ids=list(network_ids),
        patient_ids=links.patient_ids,
        parent_ids=links.parent_ids,
        new_patients=list(links.new_patients),
        values=json_texts(form, cleaned),
        dictionary_version=dictionary.version,
    )


def _audit(session: Session, by: Principal | None, unit: OrgUnit, report: ImportReport) -> None:
    actor = audit.SYSTEM if by is None else audit.Actor(by.user_id, by.username)
    summary = {
        "file": report.file_name,
        "form": report.form,
        "rows": report.rows,
        "sha256": report.sha256,
        "encoding": report.encoding,
        "patients_registered": report.patients_registered,
    }
    audit.record(
        session, actor, "import", "registry_import", report.sha256[:64], after=summary, org_unit_id=unit.id
    )
