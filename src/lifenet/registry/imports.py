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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, Literal, NoReturn

import polars as pl
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lifenet import audit
from lifenet.access import Permission, Principal
from lifenet.db import utcnow
from lifenet.lib.errors import N_, Conflict, FieldError, InvalidInput
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry import queries, validation, validation_frame
from lifenet.registry.actions import new_network_id, today_in
from lifenet.registry.dictionary import Dictionary, Form
from lifenet.registry.import_files import FileRefused, read_table
from lifenet.registry.import_links import (
    PARENT_KEYS,
    UNIQUE_PER_PATIENT,
    Linker,
    issue_row,
    patients_by_network_id,
)
from lifenet.registry.models import RegistryPatient, RegistryRecord

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
# Rows per INSERT statement and per progress step; all in the one transaction.
CHUNK = 5000
REPORT_COLUMNS = ("row", "field", "value", "rule", "message", "severity")
REDCAP_IGNORED = (
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
    "redcap_survey_identifier",
)
KEY = "__key__"
CHECKED = (*validation.YES, "checked")  # a ticked checkbox column

Progress = Callable[[str, int, int], None]
"""``on_progress(stage, done, total)``: stages "read", "validate", "link", "write"."""


# --- the report -----------------------------------------------------------------------------


def _issues(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=validation_frame.ISSUE_SCHEMA)


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


def _map_columns(form: Form, header: Sequence[str], raw: pl.DataFrame, dictionary: Dictionary) -> _Columns:
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
        *(_labels_to_codes(form, dictionary, name, expr).alias(name) for name, expr in fields.items()),
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


def _labels_to_codes(form: Form, dictionary: Dictionary, name: str, expr: pl.Expr) -> pl.Expr:
    """A choice given by its English or Chinese label (REDCap's label export) read as its code,
    from the hospital's dictionary (a local field's own code list included)."""
    target = form.get(name)
    codelist = dictionary.codelist_of(target) if target is not None else None
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
            issues.append(issue_row(row, "row", None, "duplicate", f"Row {row} repeats row {rows[0]}."))
    return issues


# --- writing --------------------------------------------------------------------------------


def _member(name: str, values: pl.Series) -> pl.Expr:
    """``"name":value`` as JSON text, null where the value is null (the member is left out)."""
    column, dtype = pl.col(name), values.dtype
    if isinstance(dtype, pl.Datetime):
        utc = column.dt.convert_time_zone("UTC")
        text = utc.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        if (values.dt.microsecond() != 0).any():  # isoformat: microseconds when not 0
            micro = utc.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
            text = pl.when(utc.dt.microsecond() == 0).then(text).otherwise(micro)
        return pl.concat_str(pl.lit(f'"{name}":"'), text, pl.lit('"'))
    if dtype == pl.Date:
        return pl.concat_str(pl.lit(f'"{name}":"'), column.dt.strftime("%Y-%m-%d"), pl.lit('"'))
    if dtype.is_numeric() or dtype == pl.Boolean:
        return pl.concat_str(pl.lit(f'"{name}":'), column.cast(pl.String))
    # Text and lists: Polars' encoder escapes them; '{"name":…}' less its braces is the member.
    encoded = pl.struct(column.alias(name)).struct.json_encode()
    return pl.when(column.is_not_null()).then(encoded.str.strip_prefix("{").str.strip_suffix("}"))


def json_texts(form: Form, cleaned: pl.DataFrame) -> list[str]:
    """Each cleaned row as the JSON text of its stored values (``validation.to_json`` of every
    non-empty field), built in Polars: dates and date-times as ISO text in UTC. Each member is
    built apart and the non-null ones joined, so that empty fields cost no second pass."""
    members = [  # a column without any value adds no member to any row
        _member(f.name, cleaned.get_column(f.name))
        for f in form.fields
        if f.name in cleaned.columns and cleaned.get_column(f.name).null_count() < cleaned.height
    ]
    if not members:
        return ["{}"] * cleaned.height
    joined = pl.concat_str(members, separator=",", ignore_nulls=True)
    encoded = pl.concat_str(pl.lit("{"), joined, pl.lit("}"))
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
    return patients_by_network_id(session, fresh)


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


def _bulk_time(session: Session, moment: dt.datetime) -> Any:
    """A DATETIME value as the bulk path takes it: SQLAlchemy's SQLite text (naive UTC with
    microseconds) on SQLite, the datetime itself elsewhere."""
    return _sqlite_time(moment) if session.connection().dialect.name == "sqlite" else moment


def _insert_rows(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Rows of ``RECORD_COLUMNS`` (values as JSON text, times as :func:`_bulk_time` gives
    them) in the session's transaction, by the database's own bulk path: COPY on PostgreSQL,
    the DB-API ``executemany`` on SQLite (the ORM's bulk insert costs several times more,
    mostly re-encoding the JSON)."""
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
        sql = f"INSERT INTO registry_record ({columns}) VALUES ({placeholders})"  # noqa: S608 - constant names
        driver.cursor().executemany(sql, rows)
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
    stamp = _bulk_time(session, now)
    patient_ids = [p or registered[n or ""] for p, n in zip(plan.patient_ids, plan.network_ids, strict=True)]
    total = plan.cleaned.height

    def texts(start: int) -> list[str]:
        return json_texts(form, plan.cleaned.slice(start, CHUNK))

    # The next chunk's JSON is built (in Polars, which releases the GIL) while the database
    # inserts this one (SQLite releases it while it steps a statement): the two overlap on two
    # cores. (On PostgreSQL the gain is smaller: COPY formats its rows holding the GIL.)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-json") as worker:
        upcoming = worker.submit(texts, 0)
        for start in range(0, total, CHUNK):
            values = upcoming.result()
            if start + CHUNK < total:
                upcoming = worker.submit(texts, start + CHUNK)
            end = start + len(values)
            # The rows of RECORD_COLUMNS, zipped column by column (constant columns repeated).
            rows = list(
                zip(
                    patient_ids[start:end],
                    repeat(form.name),
                    plan.parent_ids[start:end],
                    repeat(unit.id),
                    repeat(plan.dictionary_version),
                    values,
                    repeat(1),
                    repeat(stamp),
                    repeat(stamp),
                    repeat(actor),
                    repeat(actor),
                )
            )
            _insert_rows(session, rows)
            if on_progress:
                on_progress("write", end, total)
    return len(registered)


@dataclass
class _Plan:
    network_ids: list[str | None]
    patient_ids: list[int | None]
    parent_ids: list[int | None]
    new_patients: list[str]
    cleaned: pl.DataFrame  # the validated rows, stored as JSON text (``json_texts``)
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
            session, by, definition, unit, raw, report, tz, confirmed_soft, on_progress, today, dictionary
        )
        report.patients_registered = _write(session, by, unit, definition, plan, on_progress)
        report.created = plan.cleaned.height
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
    unit: OrgUnit,
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
    columns = _map_columns(form, header, table, dictionary)
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
    links = Linker(session, by, form, unit, tz, today).link(network_ids, keys, unique_values)
    if on_progress:
        on_progress("link", report.rows, report.rows)
    frame = pl.concat([fields, links.context], how="horizontal") if links.context.width else fields
    cleaned, problems = validation_frame.validate_frame(
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
        cleaned=cleaned,
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
