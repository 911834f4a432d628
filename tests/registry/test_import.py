"""Imports of registry files: all rows or none, the same rules as the forms, and a report that
names row, field, value and rule for every problem."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lifenet.access import Forbidden
from lifenet.audit import AuditEntry
from lifenet.cli import app as cli
from lifenet.registry import imports
from lifenet.registry.imports import ImportRefused, do_import_file
from lifenet.registry.models import RegistryPatient, RegistryRecord
from tests.conftest import World

TODAY = dt.date(2026, 1, 15)
PATIENT_HEADER = ["network_id", "sex", "registration_date", "birth_date", "weight_kg", "height_cm"]
PATIENTS = [
    ["LN-0000000001", "male", "2025-03-02", "2021-06-01", "14.5", "98"],
    ["LN-0000000002", "female", "2025-04-10", "2019-01-20", "21", "115"],
    ["LN-0000000003", "female", "2025-05-05", "2023-11-30", "9.8", ""],
]
EPISODE_HEADER = ["network_id", "admission_datetime", "admission_unit_type", "referral_source"]
EPISODES = [
    ["LN-0000000001", "2025-03-02 08:30", "picu", "emergency"],
    ["LN-0000000002", "2025-04-10 22:15", "picu", "inpatient_ward"],
]
RUN_HEADER = [
    "network_id",
    "admission_datetime",
    "run_number",
    "support_type",
    "mode",
    "ecls_start",
    "ecls_end",
    "weight_at_cannulation_kg",
    "cannulation_sites",
    "cannulation_technique",
    "pump_type",
    "oxygenator_type",
    "mobile_retrieval",
]
RUNS = [
    [
        "LN-0000000001",
        "2025-03-02 08:30",
        "1",
        "pulmonary",
        "vv",
        "2025-03-03 10:00",
        "2025-03-08 10:00",
        "14.2",
        "right_internal_jugular_vein",
        "percutaneous",
        "centrifugal",
        "pmp_hollow_fiber",
        "no",
    ],
    [
        "LN-0000000002",
        "2025-04-10 22:15",
        "1",
        "cardiac",
        "va",
        "2025-04-11 02:00",
        "",
        "20.5",
        "right_internal_jugular_vein|right_common_carotid_artery",
        "cutdown",
        "centrifugal",
        "pmp_hollow_fiber",
        "否",
    ],
]


NETWORK_IDS = [r[0] for r in PATIENTS]


def planted(session: Session, form: str) -> list[RegistryRecord]:
    """This test's records of ``form`` (the demo registry holds others)."""
    return list(
        session.scalars(
            select(RegistryRecord)
            .join(RegistryPatient)
            .where(RegistryRecord.form == form, RegistryPatient.network_id.in_(NETWORK_IDS))
            .order_by(RegistryRecord.id)
        )
    )


def csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def counts(session: Session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(RegistryRecord)) or 0,
        session.scalar(select(func.count()).select_from(RegistryPatient)) or 0,
        session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


def run_import(world: World, data: bytes, form: str, persona: str = "county_a_dm", **options: Any) -> Any:
    by = world.principal(persona)
    with world.session() as session:
        return do_import_file(
            session, by, data, form=form, org_unit_id=world.unit("funan"), today=TODAY, **options
        )


def refused(world: World, data: bytes, form: str, **options: Any) -> imports.ImportReport:
    with world.session() as session:
        before = counts(session)
    with pytest.raises(ImportRefused) as caught:
        run_import(world, data, form, **options)
    with world.session() as session:
        assert counts(session) == before, "a refused import must leave the database unchanged"
    return caught.value.report


def seed_patients_and_episodes(world: World) -> None:
    run_import(world, csv_bytes(PATIENT_HEADER, PATIENTS), "patient")
    run_import(world, csv_bytes(EPISODE_HEADER, EPISODES), "episode")


def test_a_good_file_imports_every_row_with_one_audit_entry(world: World) -> None:
    with world.session() as session:
        records, patients, entries = counts(session)
    report = run_import(world, csv_bytes(PATIENT_HEADER, PATIENTS), "patient", file_name="patients.csv")
    assert report.ok and report.created == 3 and report.patients_registered == 3
    assert report.encoding == "utf-8"
    with world.session() as session:
        assert counts(session) == (records + 3, patients + 3, entries + 1)
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry is not None and entry.action == "import"
        assert entry.after is not None
        assert entry.after["file"] == "patients.csv" and entry.after["rows"] == 3
        assert entry.after["sha256"] == report.sha256 and entry.after["form"] == "patient"
        stored = session.scalars(
            select(RegistryRecord).join(RegistryPatient).where(RegistryPatient.network_id == "LN-0000000001")
        ).one()
        assert stored.org_unit_id == world.unit("funan") and stored.form == "patient"
        assert stored.values["birth_date"] == "2021-06-01" and stored.values["weight_kg"] == 14.5
        assert stored.values["age_at_registration_days"] == (dt.date(2025, 3, 2) - dt.date(2021, 6, 1)).days


def test_runs_find_their_episode_by_network_id_and_admission_time(world: World) -> None:
    seed_patients_and_episodes(world)
    report = run_import(world, csv_bytes(RUN_HEADER, RUNS), "ecls_run")
    assert report.created == 2
    with world.session() as session:
        runs = planted(session, "ecls_run")
        parents = {r.parent.form for r in runs if r.parent is not None}
        assert parents == {"episode"} and len(runs) == 2
        first = next(r for r in runs if r.values["support_type"] == "pulmonary")
        # Shanghai time in the file, UTC in the database; calculated fields computed.
        assert first.values["ecls_start"] == "2025-03-03T02:00:00+00:00"
        assert first.values["run_duration_hours"] == 120
        assert first.values["age_group"] == "pediatric"
        second = next(r for r in runs if r.values["support_type"] == "cardiac")
        assert second.values["cannulation_sites"] == [
            "right_internal_jugular_vein",
            "right_common_carotid_artery",
        ]
        assert second.values["mobile_retrieval"] is False


def test_a_file_longer_than_one_write_chunk_keeps_each_rows_values(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Written two rows at a time (the JSON of the next chunk built while this one is inserted):
    # every record still gets its own row's values, and progress is told per chunk.
    monkeypatch.setattr(imports, "CHUNK", 2)
    steps: list[tuple[str, int, int]] = []
    report = run_import(
        world,
        csv_bytes(PATIENT_HEADER, PATIENTS),
        "patient",
        on_progress=lambda step, done, total: steps.append((step, done, total)),
    )
    assert report.created == 3
    assert [s for s in steps if s[0] == "write"] == [("write", 2, 3), ("write", 3, 3)]
    with world.session() as session:
        stored = {r.patient.network_id: r.values for r in planted(session, "patient")}
    for row in PATIENTS:
        assert stored[row[0]]["birth_date"] == row[3]
        assert stored[row[0]]["weight_kg"] == float(row[4])


def test_a_file_with_one_bad_row_leaves_the_database_unchanged(world: World) -> None:
    rows = [list(r) for r in PATIENTS]
    rows[1][4] = "900"  # weight above the hard range
    report = refused(world, csv_bytes(PATIENT_HEADER, rows), "patient")
    issues = report.issues.to_dicts()
    assert [(i["row"], i["field"], i["value"], i["rule"]) for i in issues] == [
        (2, "weight_kg", "900", "range")
    ]
    text = report.to_csv()
    assert text.startswith("\ufeffrow,field,value,rule,message,severity")
    assert "2,weight_kg,900,range" in text


def test_a_gbk_file_from_chinese_excel_is_read_and_the_encoding_reported(world: World) -> None:
    rows = [list(r) for r in PATIENTS]
    for row in rows:
        row[1] = {"male": "男", "female": "女"}[row[1]]  # Chinese labels of the choices
    report = run_import(world, csv_bytes(PATIENT_HEADER, rows, encoding="gbk"), "patient")
    assert report.encoding == "gb18030" and report.created == 3
    with world.session() as session:
        sexes = [r.values["sex"] for r in planted(session, "patient")]
        assert sorted(sexes) == ["female", "female", "male"]


def test_a_utf8_file_with_bom_is_read(world: World) -> None:
    data = b"\xef\xbb\xbf" + csv_bytes(PATIENT_HEADER, PATIENTS)
    assert run_import(world, data, "patient").encoding == "utf-8-sig"


def test_a_file_in_no_known_encoding_is_refused(world: World) -> None:
    data = csv_bytes(PATIENT_HEADER, PATIENTS) + b"\x81\xff\xfe\n"
    report = refused(world, data, "patient")
    assert report.issues["rule"].to_list() == ["encoding"]
    utf16 = csv_bytes(PATIENT_HEADER, PATIENTS, encoding="utf-16")
    assert refused(world, utf16, "patient").issues["rule"].to_list() == ["encoding"]


def test_a_missing_required_column_is_refused_naming_it(world: World) -> None:
    header = [h for h in PATIENT_HEADER if h != "sex"]
    rows = [[v for h, v in zip(PATIENT_HEADER, r, strict=True) if h != "sex"] for r in PATIENTS]
    report = refused(world, csv_bytes(header, rows), "patient")
    assert report.issues.select("field", "rule").rows() == [("sex", "missing_column")]


def test_a_missing_key_column_is_refused(world: World) -> None:
    seed_patients_and_episodes(world)
    header = [h for h in RUN_HEADER if h != "admission_datetime"]
    rows = [[v for h, v in zip(RUN_HEADER, r, strict=True) if h != "admission_datetime"] for r in RUNS]
    report = refused(world, csv_bytes(header, rows), "ecls_run")
    assert ("admission_datetime", "missing_column") in report.issues.select("field", "rule").rows()


def test_an_unknown_column_is_refused(world: World) -> None:
    header = [*PATIENT_HEADER, "patient_name"]
    rows = [[*r, "张三"] for r in PATIENTS]
    report = refused(world, csv_bytes(header, rows), "patient")
    assert report.issues.select("row", "field", "rule").rows() == [(None, "patient_name", "unknown_field")]


def test_a_duplicated_column_is_refused(world: World) -> None:
    header = [*PATIENT_HEADER, "sex"]
    rows = [[*r, r[1]] for r in PATIENTS]
    report = refused(world, csv_bytes(header, rows), "patient")
    assert report.issues.select("field", "rule").rows() == [("sex", "duplicate_column")]


def test_a_duplicated_row_is_refused_naming_both_rows(world: World) -> None:
    rows = [*PATIENTS, PATIENTS[0]]
    report = refused(world, csv_bytes(PATIENT_HEADER, rows), "patient")
    found = report.issues.select("row", "rule", "message").rows()
    assert (4, "duplicate", "Row 4 repeats row 1.") in found


def test_the_same_admission_imported_twice_is_refused(world: World) -> None:
    seed_patients_and_episodes(world)
    report = refused(world, csv_bytes(EPISODE_HEADER, EPISODES[:1]), "episode")
    assert report.issues.select("row", "field", "rule").rows() == [(1, "admission_datetime", "unique")]


def test_a_run_number_is_unique_per_child(world: World) -> None:
    seed_patients_and_episodes(world)
    run_import(world, csv_bytes(RUN_HEADER, RUNS), "ecls_run")
    again = [list(RUNS[0])]
    report = refused(world, csv_bytes(RUN_HEADER, again), "ecls_run")
    assert report.issues.select("row", "field", "rule").rows() == [(1, "run_number", "unique")]


def test_a_row_of_an_unknown_patient_or_parent_is_refused(world: World) -> None:
    seed_patients_and_episodes(world)
    rows = [list(RUNS[0]), list(RUNS[1])]
    rows[0][0] = "LN-0000000009"
    rows[1][1] = "2025-04-10 22:16"
    report = refused(world, csv_bytes(RUN_HEADER, rows), "ecls_run")
    assert report.issues.select("row", "field", "rule").rows() == [
        (1, "network_id", "exists"),
        (2, "admission_datetime", "parent"),
    ]


def test_an_empty_file_and_a_header_without_rows_are_refused(world: World) -> None:
    assert refused(world, b"", "patient").issues["rule"].to_list() == ["empty"]
    assert refused(world, b"  \r\n", "patient").issues["rule"].to_list() == ["empty"]
    header_only = csv_bytes(PATIENT_HEADER, [])
    assert refused(world, header_only, "patient").issues["rule"].to_list() == ["empty"]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world: World) -> None:
    data = csv_bytes(PATIENT_HEADER, PATIENTS)
    report = refused(world, data, "patient", max_bytes=len(data) - 1)
    assert report.issues.select("field", "rule").rows() == [("file", "size")]


def test_soft_range_values_need_confirmation(world: World) -> None:
    rows = [list(r) for r in PATIENTS]
    rows[0][4] = "160"  # above the soft maximum of 150 kg, below the hard 250
    report = refused(world, csv_bytes(PATIENT_HEADER, rows), "patient")
    assert report.issues.select("row", "field", "rule", "severity").rows() == [
        (1, "weight_kg", "soft_range", "warning")
    ]
    assert run_import(world, csv_bytes(PATIENT_HEADER, rows), "patient", confirmed_soft={"weight_kg"}).ok


def test_redcap_export_names_are_read(world: World) -> None:
    seed_patients_and_episodes(world)
    header = [
        "record_id",
        "redcap_event_name",
        *[h for h in RUN_HEADER if h not in ("network_id", "cannulation_sites")],
        "cannulation_sites___right_internal_jugular_vein",
        "cannulation_sites___right_common_carotid_artery",
        "cannulation_sites___femoral_vein",
        "ecls_run_complete",
    ]
    rows = []
    for run in RUNS:
        values = dict(zip(RUN_HEADER, run, strict=True))
        sites = values["cannulation_sites"].split("|")
        rows.append(
            [
                values["network_id"],
                "baseline_arm_1",
                *[values[h] for h in RUN_HEADER if h not in ("network_id", "cannulation_sites")],
                *[
                    "1" if s in sites else "0"
                    for s in ("right_internal_jugular_vein", "right_common_carotid_artery", "femoral_vein")
                ],
                "2",
            ]
        )
    rows[0][RUN_HEADER.index("support_type") + 1] = "Pulmonary"  # a label export
    report = run_import(world, csv_bytes(header, rows), "ecls_run")
    assert report.created == 2
    assert report.ignored_columns == ["redcap_event_name", "ecls_run_complete"]
    with world.session() as session:
        runs = [r.values for r in planted(session, "ecls_run")]
        stored_sites = sorted(tuple(v["cannulation_sites"]) for v in runs)
        assert stored_sites == [
            ("right_internal_jugular_vein",),
            ("right_internal_jugular_vein", "right_common_carotid_artery"),
        ]
        assert {v["support_type"] for v in runs} == {"pulmonary", "cardiac"}


def test_an_excel_file_imports_with_typed_cells(world: World) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(PATIENT_HEADER)
    for row in PATIENTS:
        cells: list[Any] = list(row)
        cells[2] = dt.datetime.fromisoformat(row[2])  # Excel dates come back as datetimes
        cells[3] = dt.date.fromisoformat(row[3])
        cells[4] = float(row[4])
        cells[5] = int(row[5]) if row[5] else None
        sheet.append(cells)
    sheet.append([None] * len(PATIENT_HEADER))  # a trailing blank row, as spreadsheets have
    out = io.BytesIO()
    book.save(out)
    report = run_import(world, out.getvalue(), "patient", file_name="patients.xlsx")
    assert report.encoding == "xlsx" and report.created == 3
    with world.session() as session:
        values = [r.values for r in planted(session, "patient")]
        assert sorted(v["registration_date"] for v in values) == ["2025-03-02", "2025-04-10", "2025-05-05"]


def test_a_clinician_may_not_import(world: World) -> None:
    with pytest.raises(Forbidden):
        run_import(world, csv_bytes(PATIENT_HEADER, PATIENTS), "patient", persona="county_a_doctor")


def test_another_hospitals_episode_cannot_be_a_parent(world: World) -> None:
    seed_patients_and_episodes(world)
    by = world.principal("linquan.dm")
    with world.session() as session, pytest.raises(ImportRefused) as caught:
        do_import_file(
            session,
            by,
            csv_bytes(RUN_HEADER, RUNS[:1]),
            form="ecls_run",
            org_unit_id=world.unit("linquan"),
            today=TODAY,
        )
    assert caught.value.report.issues.select("row", "rule").rows() == [(1, "parent")]


def test_an_empty_network_id_registers_a_new_pseudonymous_patient(world: World) -> None:
    rows = [["", *PATIENTS[0][1:]]]
    with world.session() as session:
        last = session.scalar(select(func.max(RegistryRecord.id))) or 0
    report = run_import(world, csv_bytes(PATIENT_HEADER, rows), "patient")
    assert report.patients_registered == 1
    with world.session() as session:
        stored = session.scalars(select(RegistryRecord).where(RegistryRecord.id > last)).one()
        assert stored.values["network_id"].startswith("LN-")
        assert stored.patient.network_id == stored.values["network_id"]


def test_the_cli_imports_a_file_and_refuses_a_bad_one_with_a_report(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIFENET_DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("LIFENET_ENVIRONMENT", "development")
    good = tmp_path / "patients.csv"
    chinese = [[r[0], "男" if r[1] == "male" else "女", *r[2:]] for r in PATIENTS]
    good.write_bytes(csv_bytes(PATIENT_HEADER, chinese, encoding="gbk"))
    result = CliRunner().invoke(cli, ["import", str(good), "--form", "patient", "--hospital", "funan"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 patient records" in result.output and "gb18030" in result.output
    bad = tmp_path / "more.csv"
    bad.write_bytes(
        csv_bytes(PATIENT_HEADER, [["LN-0000000009", "male", "2025-01-01", "2021-01-01", "900", ""]])
    )
    report = tmp_path / "errors.csv"
    args = ["import", str(bad), "--form", "patient", "--hospital", "funan", "--report", str(report)]
    refused_run = CliRunner().invoke(cli, args)
    assert refused_run.exit_code == 1
    assert "1,weight_kg,900,range" in report.read_text(encoding="utf-8-sig")


def test_complications_find_their_run_and_are_checked_against_its_start(world: World) -> None:
    seed_patients_and_episodes(world)
    run_import(world, csv_bytes(RUN_HEADER, RUNS), "ecls_run")
    header = [
        "network_id",
        "run_number",
        "complication_category",
        "complication_item",
        "complication_datetime",
    ]
    good = [
        ["LN-0000000001", "1", "hemorrhagic", "cannulation_site_bleeding", "2025-03-04 09:00"],
        ["LN-0000000001", "1", "hemorrhagic", "cannulation_site_bleeding", "2025-03-05 09:00"],
    ]
    assert run_import(world, csv_bytes(header, good), "complication").created == 2
    before_start = [["LN-0000000002", "1", "hemorrhagic", "cannulation_site_bleeding", "2025-04-10 23:00"]]
    report = refused(world, csv_bytes(header, before_start), "complication")
    assert report.issues.select("row", "field", "rule").rows() == [(1, "complication_datetime", "date_order")]
    with world.session() as session:
        complications = planted(session, "complication")
        assert {c.parent.form for c in complications if c.parent is not None} == {"ecls_run"}


def test_lookups_read_the_same_records_whether_the_file_asks_for_few_or_most(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Asked for most of a form's records, the importer reads them all and filters them itself;
    # asked for a few, the database filters by the list. Both must give the same records.
    from lifenet.registry import import_links

    seed_patients_and_episodes(world)
    monkeypatch.setattr(import_links, "LISTED_UP_TO", 0)  # count even for this short list
    fields, base = ["admission_datetime"], ["id", "patient_id"]
    with world.session() as session:
        episodes = select(RegistryRecord.patient_id).where(RegistryRecord.form == "episode")
        wanted = set(sorted(session.scalars(episodes))[1:])  # most of the episodes' owners, not all
        asked = [*list(session.scalars(select(RegistryPatient.network_id)))[1:], "LN-NOT-THERE"]
        assert import_links._most_of(session, len(wanted), RegistryRecord.form == "episode")
        assert import_links._most_of(session, len(asked), table=RegistryPatient)
        many = import_links._records_of(session, "episode", wanted, fields, base)
        patients = import_links.patients_by_network_id(session, asked)
        monkeypatch.setattr(import_links, "_most_of", lambda *a, **k: False)  # the listed path
        few = import_links._records_of(session, "episode", wanted, fields, base)
        listed = import_links.patients_by_network_id(session, asked)
    assert set(many["patient_id"]) == wanted and many.height == len(wanted)
    assert many.sort("id").equals(few.sort("id"))
    assert patients == listed and set(patients) == set(asked[:-1])
