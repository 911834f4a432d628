"""Exports: only the records a user may see; the de-identified extract lets no identifier out,
shifts each child's dates consistently and suppresses small cells."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from lifenet.access import Forbidden
from lifenet.cli import app as cli
from lifenet.registry import exports
from lifenet.registry.imports import do_import_file
from tests.conftest import World
from tests.registry.test_import import (
    EPISODE_HEADER,
    PATIENT_HEADER,
    RUN_HEADER,
    TODAY,
    csv_bytes,
)

SECRET = "extract-key-for-tests-0123456789"
NAMES = ("王小红", "李明", "Zhang Sanfeng")


def patient_rows(prefix: str, count: int) -> list[list[str]]:
    return [
        [
            f"LN-{prefix}{i:09d}",
            "male",
            "2025-03-02",
            (dt.date(2020, 1, 1) + dt.timedelta(days=37 * i)).isoformat(),
            "14",
            "",
        ]
        for i in range(count)
    ]


def seed(world: World, dm: str, hospital: str, prefix: str, supports: list[str]) -> list[list[str]]:
    """One patient, episode and run per support type, imported by the hospital's data manager."""
    by = world.principal(dm)
    patients = patient_rows(prefix, len(supports))
    episodes = [
        [p[0], "2025-03-02 08:30", "picu", "other_hospital", f"{NAMES[i % 3]}介绍的医院", "yes"]
        for i, p in enumerate(patients)
    ]
    runs = [
        [
            p[0],
            "2025-03-02 08:30",
            "1",
            support,
            "va",
            "2025-03-03 10:00",
            "2025-03-08 10:00",
            "14",
            "right_internal_jugular_vein|right_common_carotid_artery",
            "cutdown",
            "centrifugal",
            "pmp_hollow_fiber",
            "no",
            f"{NAMES[i % 3]} pump",
        ]
        for i, (p, support) in enumerate(zip(patients, supports, strict=True))
    ]
    files = [
        ("patient", csv_bytes(PATIENT_HEADER, patients)),
        ("episode", csv_bytes([*EPISODE_HEADER, "referring_hospital", "transferred_on_ecls"], episodes)),
        ("ecls_run", csv_bytes([*RUN_HEADER, "pump_model"], runs)),
    ]
    for form, data in files:
        with world.session() as session:
            do_import_file(session, by, data, form=form, org_unit_id=world.unit(hospital), today=TODAY)
    return patients


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def export(world: World, persona: str | None, form: str, fmt: str = "csv") -> bytes:
    with world.session() as session:
        return exports.export_records(session, world.principal(persona) if persona else None, form, fmt)


def extract(world: World, persona: str, forms: list[str], **options: Any) -> dict[str, bytes]:
    with world.session() as session:
        return exports.deidentified_extract(
            session, world.principal(persona), forms, secret=SECRET, **options
        )


def test_a_data_manager_exports_only_their_hospitals_records(world: World) -> None:
    ours = {p[0] for p in seed(world, "county_a_dm", "funan", "A", ["pulmonary", "cardiac"])}
    theirs = {p[0] for p in seed(world, "linquan.dm", "linquan", "B", ["ecpr"])}
    everything_at_funan = read_csv(export(world, "county_a_dm", "ecls_run"))
    assert {r["hospital"] for r in everything_at_funan} == {"funan"}
    rows = [r for r in everything_at_funan if r["network_id"] in ours]
    assert {r["network_id"] for r in rows} == ours
    assert not theirs & {r["network_id"] for r in everything_at_funan}
    first = rows[0]
    assert first["admission_datetime"] == "2025-03-02T00:30:00+00:00"  # the parent's key, in UTC
    assert first["cannulation_sites"] == "right_internal_jugular_vein|right_common_carotid_artery"
    assert first["record_id"] and first["dictionary_version"] and first["run_duration_hours"] == "120.0"
    everything = read_csv(export(world, "quality_officer", "ecls_run"))
    assert {"funan", "linquan"} <= {r["hospital"] for r in everything}
    assert theirs <= {r["network_id"] for r in everything}


def test_export_formats_hold_the_same_rows(world: World) -> None:
    seed(world, "county_a_dm", "funan", "A", ["pulmonary", "cardiac"])
    parquet = pl.read_parquet(io.BytesIO(export(world, "county_a_dm", "patient", "parquet")))
    assert parquet.schema["birth_date"] == pl.Date
    assert {"LN-A000000000", "LN-A000000001"} <= set(parquet["network_id"])
    book = openpyxl.load_workbook(io.BytesIO(export(world, "county_a_dm", "patient", "xlsx")), read_only=True)
    sheet = book["patient"]
    values = list(sheet.iter_rows(values_only=True))
    book.close()
    assert values[0][:3] == ("record_id", "parent_record_id", "network_id")
    assert len(values) == parquet.height + 1
    assert len(read_csv(export(world, "county_a_dm", "patient"))) == parquet.height


def test_a_csv_export_imports_again(world: World) -> None:
    ours = {p[0] for p in seed(world, "county_a_dm", "funan", "A", ["pulmonary"])}
    data = export(world, "county_a_dm", "patient")
    rows = [r for r in read_csv(data) if r["network_id"] in ours]
    fields = [
        h
        for h in rows[0]
        if h
        not in (
            "record_id",
            "parent_record_id",
            "hospital",
            "unit",
            "dictionary_version",
            "age_at_registration_days",
        )
    ]
    moved = [[r[h].replace("LN-A", "LN-C") if h == "network_id" else r[h] for h in fields] for r in rows]
    with world.session() as session:
        report = do_import_file(
            session,
            world.principal("county_a_dm"),
            csv_bytes(fields, moved),
            form="patient",
            org_unit_id=world.unit("funan"),
            today=TODAY,
        )
    assert report.created == 1


def test_who_may_export(world: World) -> None:
    seed(world, "county_a_dm", "funan", "A", ["pulmonary"])
    for persona in ("county_a_doctor", "researcher", "commission_viewer"):
        with pytest.raises(Forbidden):
            export(world, persona, "patient")
    with pytest.raises(Forbidden):
        extract(world, "county_a_doctor", ["patient"])
    mine = exports.pseudonym(SECRET, "patient", "LN-A000000000")
    assert mine in {r["patient"] for r in read_csv(extract(world, "county_a_dm", ["patient"])["patient.csv"])}


def test_the_deidentified_extract_lets_no_identifier_out(world: World) -> None:
    planted = seed(world, "county_a_dm", "funan", "A", ["pulmonary", "cardiac", "ecpr"])
    files = extract(world, "researcher", ["patient", "episode", "ecls_run"])
    assert set(files) == {"patient.csv", "episode.csv", "ecls_run.csv", "summary.csv", "README.txt"}
    blob = b"\n".join(files.values()).decode("utf-8")
    for name in NAMES:
        assert name not in blob
    keys = {exports.pseudonym(SECRET, "patient", row[0]) for row in planted}
    for row in planted:
        network_id = row[0]
        assert network_id not in blob and network_id.removeprefix("LN-") not in blob
    for form in ("patient", "episode", "ecls_run"):
        mine = [r for r in read_csv(files[f"{form}.csv"]) if r["patient"] in keys]
        assert len(mine) == len(planted)
        text = repr(mine)
        for row in planted:
            assert row[3] not in text, "a true birth date left in the extract"
        # Record ids are hashed too: no column holds a database id.
        assert all(len(r["record"]) == 16 for r in mine)
    episode = read_csv(files["episode.csv"])
    assert "referring_hospital" not in episode[0] and "pump_model" not in read_csv(files["ecls_run.csv"])[0]


def test_dates_are_shifted_by_the_same_offset_in_every_form_of_a_child(world: World) -> None:
    planted = seed(world, "county_a_dm", "funan", "A", ["pulmonary", "cardiac", "ecpr"])
    files = extract(world, "researcher", ["patient", "episode", "ecls_run"])
    patients = {r["patient"]: r for r in read_csv(files["patient.csv"])}
    episodes = {r["patient"]: r for r in read_csv(files["episode.csv"])}
    runs = {r["patient"]: r for r in read_csv(files["ecls_run.csv"])}
    shifts = set()
    for row in planted:
        key = exports.pseudonym(SECRET, "patient", row[0])
        days = exports.shift_days(SECRET, row[0])
        assert days != 0 and abs(days) <= 180
        birth = dt.date.fromisoformat(patients[key]["birth_date"])
        assert birth - dt.date.fromisoformat(row[3]) == dt.timedelta(days=days)
        admission = dt.datetime.fromisoformat(episodes[key]["admission_datetime"])
        assert admission - dt.datetime(2025, 3, 2, 0, 30, tzinfo=dt.UTC) == dt.timedelta(days=days)
        start = dt.datetime.fromisoformat(runs[key]["ecls_start"])
        assert start - dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC) == dt.timedelta(days=days)
        # Intervals are kept: the age at cannulation computed from shifted dates is the true one.
        assert int(runs[key]["age_at_cannulation_days"]) == (start.date() - birth).days
        assert runs[key]["parent_record"] == episodes[key]["record"]
        shifts.add(days)
    assert len(shifts) > 1, "each child has their own offset"


def test_small_cells_of_the_summary_are_suppressed(world: World) -> None:
    seed(world, "huoqiu.dm", "huoqiu", "H", ["pulmonary"] * 5 + ["cardiac"])
    files = extract(world, "researcher", ["ecls_run"], min_cell=5)
    summary = read_csv(files["summary.csv"])
    cells = {
        (r["hospital"], r["age_group"], r["support_type"]): (r["runs"], r["suppressed"]) for r in summary
    }
    # Five pulmonary runs are shown; the one cardiac run is a cell below 5: its count is hidden.
    assert cells == {
        ("huoqiu", "pediatric", "pulmonary"): ("5", "false"),
        ("huoqiu", "pediatric", "cardiac"): ("", "true"),
    }


def test_the_cli_exports_records_and_a_deidentified_extract(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(world, "county_a_dm", "funan", "A", ["pulmonary"])
    monkeypatch.setenv("LIFENET_DATABASE_URL", world.settings.database_url)
    monkeypatch.setenv("LIFENET_ENVIRONMENT", "development")
    target = tmp_path / "runs.parquet"
    args = [
        "export",
        "--form",
        "ecls_run",
        "--format",
        "parquet",
        "--output",
        str(target),
        "--user",
        "funan.dm",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(target).height == 1
    archive = tmp_path / "extract.zip"
    args = ["export", "--form", "all", "--deidentified", "--output", str(archive), "--user", "researcher"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as files:
        assert {"patient.csv", "ecls_run.csv", "summary.csv", "README.txt"} <= set(files.namelist())
        assert b"LN-A000000000" not in b"".join(files.read(n) for n in files.namelist())
    refused_run = CliRunner().invoke(
        cli, ["export", "--form", "patient", "--output", str(target), "--user", "funan.doctor"]
    )
    assert refused_run.exit_code == 1
