"""``lifenet score`` as an analyst runs it on the files they have: one row per patient, long
observations, a PhysioNet set; every row that cannot be scored is reported, never scored."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from lifenet.cli import app as cli
from lifenet.early_warning.scores import all_scores
from tests.shared_data import shared_path

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(cli, ["score", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_list_names_every_score_and_describe_prints_its_definition() -> None:
    listed = run("--list")
    assert all(name in listed for name in all_scores())
    described = json.loads(run("pim3", "--describe"))
    assert described["name"] == "pim3" and described["predicts_mortality"] is True


def test_a_wide_file_is_scored_and_unreadable_rows_are_reported(tmp_path: Path) -> None:
    source = tmp_path / "pim.csv"
    source.write_text(
        "patient_id,systolic_bp,mechanical_ventilation,comment\n"
        "p1,60,yes,\np2,abc,no,\np3,70,maybe,\np4,,,\np5,400,no,\n",
        encoding="utf-8",
    )
    output = tmp_path / "out.csv"
    printed = run("pim3", "--input", str(source), "--output", str(output))
    assert "comment" in printed  # an ignored column is said, not silently dropped
    scored = pl.read_csv(output)
    assert scored["patient_id"].to_list() == ["p1", "p4"]
    # SBP 60, ventilated, the rest unknown: logit -2.687818 (worked in test_score_calculator)
    assert scored.filter(pl.col("patient_id") == "p1")["predicted_mortality"][0] == pytest.approx(
        0.063697, abs=1e-6
    )
    dropped = dict(pl.read_csv(tmp_path / "out.dropped.csv").iter_rows())
    assert dropped == {
        "p2": "systolic_bp: expected number, got abc",
        "p3": "mechanical_ventilation: expected boolean, got maybe",
        "p5": "systolic_bp: above the plausible maximum 300 mmHg (got 400.0)",
    }


def test_long_observations_give_one_pews_per_time_and_list_what_was_dropped(tmp_path: Path) -> None:
    source = tmp_path / "vitals.csv"
    source.write_text(
        "patient_id,time,parameter,value,age_months\n"
        "p1,2026-01-01 08:00,heart_rate,190,24\n"
        "p1,2026-01-01 09:00,respiratory_rate,60,24\n"
        "p1,2026-01-01 09:00,pulse,60,24\n"
        "p2,2026-01-01 08:00,heart_rate,0,30\n",
        encoding="utf-8",
    )
    output = tmp_path / "pews.csv"
    run("pews_bedside", "--input", str(source), "--output", str(output))
    scored = pl.read_csv(output)
    assert scored["patient_id"].to_list() == ["p1", "p1"]
    # 08:00: heart rate 190 >= 170 at 1-4 years, 4; 09:00: the heart rate is carried to the
    # respiratory rate 60 (>= 41, 1 point): 5.
    assert scored["total"].to_list() == [4, 5]
    reasons = pl.read_csv(tmp_path / "pews.dropped.csv")["reason"].to_list()
    assert any("unknown parameter pulse" in r for r in reasons)
    assert any("heart_rate: below the plausible minimum" in r for r in reasons)


def test_a_patient_whose_rows_give_two_ages_is_not_scored_and_the_values_are_named(tmp_path: Path) -> None:
    source = tmp_path / "vitals.csv"
    source.write_text(
        "patient_id,time,parameter,value,age_months\n"
        "p1,1.0,heart_rate,120,24\n"
        "p1,2.0,heart_rate,125,30\n"  # another age for the same child: which one is right?
        "p2,1.0,heart_rate,120,24\n"
        "p2,2.0,heart_rate,125,\n",  # an empty descriptor on some rows is fine
        encoding="utf-8",
    )
    output = tmp_path / "pews.csv"
    run("pews_bedside", "--input", str(source), "--output", str(output))
    assert pl.read_csv(output)["patient_id"].unique().to_list() == ["p2"]
    dropped = pl.read_csv(tmp_path / "pews.dropped.csv")
    assert dropped.select("patient_id", "reason").rows() == [
        ("p1", "age_months: different values for one patient (24, 30)")
    ]


def test_a_physionet_set_is_scored_from_the_archive(tmp_path: Path) -> None:
    output = tmp_path / "sofa.csv"
    archive = shared_path("data", "physionet-challenge-2012", "set-b.tar.gz")
    run("sofa", "--input", str(archive), "--output", str(output))
    assert pl.read_csv(output).height > 3900


def test_a_bad_window_names_the_option(tmp_path: Path) -> None:
    source = tmp_path / "vitals.csv"
    source.write_text("patient_id,time,parameter,value\np1,1.0,heart_rate,100\n", encoding="utf-8")
    result = runner.invoke(cli, ["score", "pews_bedside", "--input", str(source), "--window", "a day"])
    assert result.exit_code == 2
    assert "--window" in result.output
