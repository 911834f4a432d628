"""Finding each imported row's patient and parent record, and the stored values its rules
read (the patient's birth date for a run …): a few set-wise queries and Polars joins per file,
never one query per row.

A row names its patient by ``network_id`` and its parent by a natural key (``PARENT_KEYS``);
problems (unknown patient, no such parent, a second record where one is allowed, a key
already used) become report rows, like validation problems.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import Integer, String, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from lifenet.access import Permission, Principal
from lifenet.lib.iterables import chunked
from lifenet.network import queries as network_queries
from lifenet.network.models import OrgUnit
from lifenet.registry import validation_frame
from lifenet.registry.dictionary import Form, load_dictionary
from lifenet.registry.models import RegistryPatient, RegistryRecord

# Ids per lookup (one array parameter on PostgreSQL and SQLite). Each lookup scans the
# form's records once, so a file's ids go in one lookup: a million ids is an 8 MB parameter,
# more rows than the largest file accepted holds.
LOOKUP_CHUNK = 1_000_000
# Up to this many ids a lookup sends its list without first counting the rows it could read
# (a count costs a pass over an index: worth it only when the list is long).
LISTED_UP_TO = 5_000
# The natural key of a record of each parent form: network_id plus these fields.
PARENT_KEYS: dict[str, tuple[str, ...]] = {
    "patient": (),
    "episode": ("admission_datetime",),
    "ecls_run": ("run_number",),
}
# Fields unique per patient among records of the form: they are the natural keys of children.
UNIQUE_PER_PATIENT: dict[str, str] = {"episode": "admission_datetime", "ecls_run": "run_number"}


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


def _fetch(session: Session, query: Any) -> Sequence[Any]:
    """The DB-API rows as they come (ints and text need no conversion): building SQLAlchemy
    Row objects for a hundred thousand records costs more than the query."""
    result = session.connection().execute(query)
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    return rows


def _most_of(session: Session, wanted: int, *where: Any, table: Any = RegistryRecord) -> bool | None:
    """Whether ``wanted`` ids are at least half the rows ``where`` selects (then one plain read
    of those rows, filtered here, beats the database testing each row against the list);
    None when there are no such rows at all. A short list is always sent as a list."""
    if wanted <= LISTED_UP_TO:
        return False
    total = session.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    return None if total == 0 else 2 * wanted >= total


def patients_by_network_id(session: Session, network_ids: Sequence[str]) -> dict[str, int]:
    wanted = set(network_ids)
    most = _most_of(session, len(wanted), table=RegistryPatient) if wanted else None
    if most is None:
        return {}
    if most:
        every = _fetch(session, select(RegistryPatient.network_id, RegistryPatient.id))
        return {n: i for n, i in every if n in wanted}
    found: dict[str, int] = {}
    for chunk in chunked(sorted(wanted), LOOKUP_CHUNK):
        query = select(RegistryPatient.network_id, RegistryPatient.id).where(
            _among(session, RegistryPatient.network_id, chunk)
        )
        found |= dict(_fetch(session, query))
    return found


def _records(
    session: Session, fields: Sequence[str], *conditions: Any, base: Sequence[str] = BASE
) -> pl.DataFrame:
    """Records as a frame: the ``base`` columns (of ``BASE``) and the ``fields`` asked for, as
    text. Only these values are read, extracted from the JSON by the database: decoding every
    record's JSON in Python would cost more than the rest of the import."""
    extracted = [RegistryRecord.values[name].as_string() for name in fields]
    query = select(*(getattr(RegistryRecord, c) for c in base), *extracted).where(*conditions)
    schema = {c: pl.String if c == "form" else pl.Int64 for c in base} | dict.fromkeys(fields, pl.String)
    return pl.DataFrame(_fetch(session, query), schema=schema, orient="row", strict=False)


def _records_of(
    session: Session, form: str, patient_ids: Collection[int], fields: Sequence[str], base: Sequence[str]
) -> pl.DataFrame:
    """The patients' records of a form (``base`` holds ``patient_id``), in one query (per
    ``LOOKUP_CHUNK`` patients; or of every record of the form, filtered here, when the
    patients own most of them)."""
    most = _most_of(session, len(patient_ids), RegistryRecord.form == form) if patient_ids else None
    if most is None:  # no patient asked for, or no record of the form at all
        return _records(session, fields, RegistryRecord.id.is_(None), base=base)
    if most:
        every = _records(session, fields, RegistryRecord.form == form, base=base)
        owners = pl.Series(list(patient_ids), dtype=pl.Int64).implode()
        return every.filter(pl.col("patient_id").is_in(owners))
    parts = [
        _records(
            session,
            fields,
            RegistryRecord.form == form,
            _among(session, RegistryRecord.patient_id, chunk),
            base=base,
        )
        for chunk in chunked(sorted(patient_ids), LOOKUP_CHUNK)
    ]
    return pl.concat(parts)


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
    cleaned, _ = validation_frame.validate_frame(_key_form(form_name, field_name), frame, today=today, tz=tz)
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
class Links:
    patient_ids: list[int | None]
    parent_ids: list[int | None]
    new_patients: dict[str, int]  # network id -> first row giving it
    context: pl.DataFrame  # ``form.field`` columns the form's rules read
    issues: list[dict[str, Any]]


def issue_row(row: int, name: str, value: Any, rule: str, message: str) -> dict[str, Any]:
    shown = None if value is None else str(value)
    return {"row": row, "field": name, "value": shown, "rule": rule, "message": message, "severity": "error"}


def _readable(by: Principal | None, units: Mapping[int, OrgUnit], unit_id: int) -> bool:
    return by is None or by.can(Permission.READ_PATIENTS, units[unit_id].path)


class Linker:
    """Finds each row's patient and parent record, and the related values its rules read."""

    def __init__(
        self, session: Session, by: Principal | None, form: Form, unit: OrgUnit, tz: str, today: dt.date
    ) -> None:
        self.session, self.by, self.form, self.tz, self.today = session, by, form, tz, today
        self.units = {u.id: u for u in session.scalars(select(OrgUnit))}
        self.hospital = self._hospital_of(unit.id)
        self.issues: list[dict[str, Any]] = []

    def _hospital_of(self, unit_id: int) -> int:
        unit = self.units[unit_id]
        return (network_queries.hospital_of(self.session, unit) or unit).id

    def link(
        self, network_ids: list[str | None], keys: pl.DataFrame, unique_values: list[Any] | None
    ) -> Links:
        patients = patients_by_network_id(self.session, [n for n in network_ids if n])
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
        return Links(patient_ids, parent_ids, new_patients, context, self.issues)

    def _prefetch(self, patient_ids: list[int | None]) -> None:
        """The patients' stored records every later step reads (parents, run numbers, patient
        forms), with the columns and fields each needs."""
        columns: dict[str, set[str]] = {}
        fields: dict[str, set[str]] = {}

        def need(form: str, base: Collection[str], names: Collection[str]) -> None:
            columns.setdefault(form, {"patient_id"}).update(base)
            fields.setdefault(form, set()).update(names)

        if self.form.parent is not None:
            need(self.form.parent, ("id", "org_unit_id"), PARENT_KEYS.get(self.form.parent, ()))
        if self.form.name in UNIQUE_PER_PATIENT:
            need(self.form.name, (), (UNIQUE_PER_PATIENT[self.form.name],))
        patient_fields = {n.partition(".")[2] for n in self.form.related_names() if n.startswith("patient.")}
        if patient_fields:
            need("patient", (), patient_fields)
        owners = {p for p in patient_ids if p is not None}
        # One query per form, reading only what is used: the database parses a record's JSON
        # once per field it extracts.
        self.related = {
            form: _records_of(
                self.session, form, owners, sorted(fields[form]), [c for c in BASE if c in base]
            )
            for form, base in columns.items()
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
                self.issues.append(issue_row(row, "network_id", None, "required", "This field is required."))
            elif patient_id is None:
                message = (
                    f"No patient with the network id {network_id}; import or register the patient first."
                )
                self.issues.append(issue_row(row, "network_id", network_id, "exists", message))

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
        # The patient form is shared by the network; another parent must be one the importer
        # may see, at the hospital the file is imported for (as a form's save requires).
        readable = {
            unit_id: parent_form == "patient"
            or (_readable(self.by, self.units, unit_id) and self._hospital_of(unit_id) == self.hospital)
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
            self.issues.append(issue_row(row, name, raw, "required", message))
            return
        described = " and ".join(f"{k} {raw_keys[k][row - 1]}" for k in key_fields) or "network id"
        message = f"The patient has no {parent_form} record with this {described} at this hospital that you may see."
        self.issues.append(issue_row(row, name, raw, "parent", message))

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
            self.issues.append(issue_row(row, owner_field, None, "single", message))

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
            self.issues.append(issue_row(row, name, value, "unique", message))

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
