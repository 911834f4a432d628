"""Validating a whole file with Polars agrees with validating each row as a record: the same
cleaned values, the same errors and the same soft-range warnings, row by row."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import polars as pl
import pytest

from lifenet.registry.dictionary import FORM_FILES, Field, load_dictionary
from lifenet.registry.imports import json_texts
from lifenet.registry.validation import validate_record
from lifenet.registry.validation_frame import _with_parts, validate_frame

TODAY = dt.date(2025, 6, 1)
CONTEXT = {"patient.birth_date": ["2025-04-20", "2010-02-28", "2030-01-01", "", "2025-05-01"]}
CONTEXT |= {"ecls_run.ecls_start": ["2025-05-01 10:00", "2025-05-01T02:00Z", "bad", ""]}


def _bounds(field: Field) -> list[str]:
    found = []
    for bound in (field.min, field.max, field.soft_min, field.soft_max):
        if bound is not None:
            found += [repr(bound), repr(bound - 0.5), repr(bound + 0.5)]
    return found


def candidates(field: Field) -> list[str]:
    """Raw cells for a field: valid, invalid, edge and empty."""
    codes = list(load_dictionary().codelist_of(field).codes) if field.codelist else []
    pools: dict[str, list[str]] = {
        "integer": ["1", "2", "0", "-3", "12.0", "2.5", "abc", "", "99999", "3", " 4 "],
        "decimal": ["0.5", "3.2", "1e2", "abc", "7,5", "", "-1", ".5", "inf", "7.25"],
        "date": ["2025-05-01", "2025/5/2", "2025-02-30", "2030-01-01", "", "2025-05-01 00:00", "20250501", "2010-02-28"],
        "datetime": [
            "2025-05-01 10:00", "2025-05-02T08:00+08:00", "2025-05-01T02:00Z", "2025-13-01 10:00",
            "2030-01-01 00:00", "", "2025-05-03 12:30:15.5", "2025-03-05 24:00", "2025/5/2 7:05", "2025-05-02T01:00-0500",
        ],
        "yesno": ["yes", "no", "是", "否", "1", "0", "maybe", "", "TRUE"],
        "text": ["hello", "", "  x  ", "x" * 250, "LN-0123456789", "LN-ABC"],
        "code": ["J21.0", "j18.900x001", "pneumonia", "", "A01|B02.1", "J21.0, j21.0"],
        "calculated": ["999", ""],
    }  # fmt: skip
    if field.type == "choice":
        return [*codes, "nonsense", "", codes[0].upper(), *codes[:3]]
    if field.type == "multichoice":
        return ["|".join(codes[:2]), f"{codes[0]};zzz", "", codes[-1], f"{codes[0]}, {codes[0]}"]
    return pools[field.type] + (_bounds(field) if field.type in ("integer", "decimal") else [])


def random_rows(form_name: str, count: int, seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    form = load_dictionary().form(form_name)
    columns = {f.name: [rng.choice(candidates(f)) for _ in range(count)] for f in form.fields}
    for name, values in CONTEXT.items():
        columns[name] = [rng.choice(values) for _ in range(count)]
    return columns


def record_of(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    values = {k: v for k, v in row.items() if "." not in k and v is not None}
    context: dict[str, dict[str, Any]] = {}
    for key, value in row.items():
        if "." in key and value is not None:
            form, _, name = key.partition(".")
            context.setdefault(form, {})[name] = value
    return values, context


def assert_agree(
    form_name: str,
    frame: pl.DataFrame,
    tz: str | None,
    confirmed: frozenset[str] = frozenset(),
    *,
    messages: bool = True,
) -> None:
    form = load_dictionary().form(form_name)
    cleaned, issues = validate_frame(form_name, frame, today=TODAY, tz=tz, confirmed_soft=confirmed)
    assert cleaned.height == frame.height
    stored = [json.loads(text) for text in json_texts(form, cleaned)]  # what an import writes
    for index, row in enumerate(frame.iter_rows(named=True)):
        values, context = record_of(row)
        result = validate_record(
            form_name, values, today=TODAY, tz=tz, context=context, confirmed_soft=confirmed
        )
        mine = issues.filter(pl.col("row") == index + 1)
        errors = mine.filter(pl.col("severity") == "error")
        warnings = mine.filter(pl.col("severity") == "warning")
        assert sorted(zip(errors["field"], errors["rule"], strict=True)) == sorted(
            (e.field, e.rule) for e in result.errors
        ), (index, row)
        if messages:  # typed cells (a date-time object) may print differently in a message
            assert sorted(zip(errors["field"], errors["message"], strict=True)) == sorted(
                (e.field, e.english()) for e in result.errors
            ), (index, row)
        assert sorted(warnings["field"]) == sorted(w.field for w in result.warnings), (index, row)
        assert stored[index] == result.values, (index, row)


@pytest.mark.parametrize("form_name", FORM_FILES)
def test_a_file_of_strings_agrees_with_its_records(form_name: str) -> None:
    frame = pl.DataFrame(random_rows(form_name, 250, seed=len(form_name)))
    assert_agree(form_name, frame, "Asia/Shanghai")


PLAIN = {
    "date": ["2025-05-01", "2025-02-30", "2030-01-01", "2024-02-29", "2023-02-29", "", "2025-00-10"],
    "datetime": [
        "2025-05-01 10:00",
        "2025-05-01T23:59",
        "2025-02-30 08:00",
        "2030-01-01 00:00",
        "",
        " 2025-05-02 00:00 ",
    ],
}


@pytest.mark.parametrize("form_name", ["ecls_run", "patient", "complication"])
def test_columns_all_in_the_plain_date_shape_agree(form_name: str) -> None:
    """Columns whose every date or date-time is plain ISO (read by one fixed format) agree too,
    impossible days included."""
    rng = random.Random(11)
    frame = pl.DataFrame(random_rows(form_name, 200, seed=5))
    form = load_dictionary().form(form_name)
    plain = {
        f.name: [rng.choice(PLAIN[f.type]) for _ in range(frame.height)]
        for f in form.fields
        if f.type in PLAIN
    }
    plain["patient.birth_date"] = [rng.choice(PLAIN["date"]) for _ in range(frame.height)]
    plain["ecls_run.ecls_start"] = [rng.choice(PLAIN["datetime"]) for _ in range(frame.height)]
    frame = frame.with_columns(pl.Series(name, values, pl.String) for name, values in plain.items())
    dictionary = load_dictionary()
    _, read_plainly = _with_parts(dictionary.form(form_name), dictionary, frame)
    assert read_plainly == set(plain)  # every one of them takes the one-format path
    assert_agree(form_name, frame, "Asia/Shanghai")


@pytest.mark.parametrize("form_name", ["ecls_run", "patient", "complication"])
def test_without_a_time_zone_too(form_name: str) -> None:
    frame = pl.DataFrame(random_rows(form_name, 150, seed=7))
    assert_agree(form_name, frame, None)


def test_confirmed_soft_ranges_agree() -> None:
    frame = pl.DataFrame(random_rows("pre_ecls", 150, seed=3))
    confirmed = frozenset(f.name for f in load_dictionary().form("pre_ecls").fields)
    assert_agree("pre_ecls", frame, "Asia/Shanghai", confirmed)


def test_typed_columns_from_excel_or_parquet_agree() -> None:
    frame = pl.DataFrame(
        {
            "run_number": [1, 2, None, 0],
            "support_type": ["cardiac", "ecpr", "pulmonary", "cardiac"],
            "mode": ["va", "va", "vv", "vva"],
            "ecls_start": [
                dt.datetime(2025, 5, 1, 2, tzinfo=dt.UTC),
                dt.datetime(2025, 5, 2, 2, tzinfo=dt.UTC),
                None,
                dt.datetime(2031, 1, 1, tzinfo=dt.UTC),
            ],
            "weight_at_cannulation_kg": [3.5, 12.0, 0.3, 400.0],
            "mobile_retrieval": [True, False, None, False],
            "retrieval_transport": ["ground", None, None, None],
            "patient.birth_date": [dt.date(2025, 4, 1), dt.date(2020, 1, 1), None, dt.date(2024, 2, 29)],
        }
    )
    assert_agree("ecls_run", frame, "Asia/Shanghai", messages=False)


def test_an_unknown_column_is_one_issue_for_the_file() -> None:
    frame = pl.DataFrame({"run_number": ["1", "2"], "colour": ["red", "blue"]})
    _, issues = validate_frame("ecls_run", frame, today=TODAY)
    unknown = issues.filter(pl.col("rule") == "unknown_field")
    assert unknown.select("row", "field").to_dicts() == [{"row": None, "field": "colour"}]


def test_the_issues_name_row_field_value_rule_and_message() -> None:
    frame = pl.DataFrame(random_rows("ecls_run", 5, seed=1)).with_columns(
        pl.lit("heavy").alias("weight_at_cannulation_kg")
    )
    _, issues = validate_frame("ecls_run", frame, today=TODAY, tz="Asia/Shanghai")
    assert issues.columns == ["row", "field", "value", "rule", "message", "severity"]
    weight = issues.filter(pl.col("field") == "weight_at_cannulation_kg")
    assert weight.to_dicts()[0] == {
        "row": 1,
        "field": "weight_at_cannulation_kg",
        "value": "heavy",
        "rule": "type",
        "message": "heavy is not a number.",
        "severity": "error",
    }


def test_the_cleaned_frame_is_typed() -> None:
    cleaned, _ = validate_frame(
        "ecls_run", pl.DataFrame(random_rows("ecls_run", 3, seed=2)), today=TODAY, tz="UTC"
    )
    schema = cleaned.schema
    assert schema["run_number"] == pl.Int64
    assert schema["ecls_start"] == pl.Datetime("us", "UTC")
    assert schema["cannulation_sites"] == pl.List(pl.String)
    assert schema["mobile_retrieval"] == pl.Boolean
    assert schema["run_duration_hours"] == pl.Float64
    assert list(cleaned.columns) == list(load_dictionary().form("ecls_run").field_names)


def wall(*parts: int) -> dt.datetime:
    """A wall-clock time without zone, as Excel gives it."""
    return dt.datetime(*parts, tzinfo=dt.UTC).replace(tzinfo=None)


def test_wall_clock_date_times_from_excel_agree() -> None:
    frame = pl.DataFrame(
        {
            "complication_category": ["renal", "neurologic", None],
            "complication_item": ["dialysis", "dialysis", "dic"],
            "complication_datetime": [wall(2025, 5, 2, 1, 30), wall(2031, 1, 1), None],
            "ecls_run.ecls_start": [wall(2025, 5, 1, 23), wall(2025, 5, 1), None],
        }
    )
    assert_agree("complication", frame, "Asia/Shanghai", messages=False)
    assert_agree("complication", frame, None, messages=False)


def test_daylight_saving_gaps_and_repeats_agree() -> None:
    """02:30 on 10 March 2024 does not exist in New York; 01:30 on 3 November happens twice
    (the earlier one is taken)."""
    times = ["2024-03-10 02:30", "2024-11-03 01:30", "2024-03-10 03:00", "2024-03-10 01:59"]
    frame = pl.DataFrame(
        {
            "complication_category": ["renal"] * 4,
            "complication_item": ["dialysis"] * 4,
            "complication_datetime": times,
        }
    )
    assert_agree("complication", frame, "America/New_York")
    cleaned, issues = validate_frame("complication", frame, today=TODAY, tz="America/New_York")
    assert issues.filter(pl.col("field") == "complication_datetime")["rule"].to_list() == ["timezone"]
    assert cleaned["complication_datetime"][1] == dt.datetime(2024, 11, 3, 5, 30, tzinfo=dt.UTC)
