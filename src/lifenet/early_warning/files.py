"""Reading score inputs from files and writing scores out, for ``lifenet score``.

Three input shapes are understood:

* **wide**: one row per patient, one column per score input (CSV or Parquet), plus an id
  column (``patient_id`` by default);
* **long**: ``patient_id, time, parameter, value`` observations (CSV or Parquet), with
  per-patient descriptors in extra columns or a separate file — scored over a window by
  :mod:`lifenet.early_warning.batch`;
* **physionet**: a PhysioNet/CinC 2012 Challenge set (a ``.tar.gz`` or a folder of record
  files) — read by :mod:`lifenet.early_warning.physionet`.

Rows that cannot be scored are never scored silently: they go to a report of what was dropped
and why, and the rest are scored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from lifenet.early_warning import batch
from lifenet.early_warning.scores.base import ERRORS_COLUMN, ScoreDefinition

InputShape = Literal["wide", "long", "physionet"]
LONG_COLUMNS = {"patient_id", "time", "parameter", "value"}
CHUNK_ROWS = 200_000


class InputFileError(ValueError):
    """The input file cannot be read as any known shape; the message says why."""


@dataclass(frozen=True)
class Scored:
    scores: pl.DataFrame
    dropped: pl.DataFrame
    ignored_columns: list[str]


def read_table(path: Path) -> pl.DataFrame:
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        return pl.read_parquet(path)
    if path.suffix.lower() in (".csv", ".txt"):
        try:
            return pl.read_csv(path, infer_schema_length=10_000, encoding="utf8-lossy")
        except pl.exceptions.ComputeError as exc:
            raise InputFileError(f"{path}: not a readable CSV file ({exc})") from exc
    raise InputFileError(f"{path}: unknown file type {path.suffix!r}; use .csv or .parquet")


def detect_shape(path: Path) -> InputShape:
    if path.is_dir() or path.name.endswith((".tar.gz", ".tgz")):
        return "physionet"
    return "long" if LONG_COLUMNS <= set(_column_names(path)) else "wide"


def _column_names(path: Path) -> list[str]:
    """The file's column names, read from its header (not the whole file)."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if path.suffix.lower() == ".parquet":
        return list(pl.read_parquet_schema(path))
    return _csv_header(path).columns


def _csv_header(path: Path) -> pl.DataFrame:
    if path.suffix.lower() not in (".csv", ".txt"):
        raise InputFileError(f"{path}: unknown file type {path.suffix!r}; use .csv or .parquet")
    try:
        return pl.read_csv(path, n_rows=0, encoding="utf8-lossy")
    except pl.exceptions.ComputeError as exc:
        raise InputFileError(f"{path}: not a readable CSV file ({exc})") from exc


def score_wide(
    definition: ScoreDefinition,
    table: pl.DataFrame,
    *,
    id_column: str = "patient_id",
    on_progress: Callable[[int], None] | None = None,
) -> Scored:
    """Score a one-row-per-patient table in chunks (so a progress bar can move)."""
    if id_column not in table.columns:
        raise InputFileError(f"the input has no {id_column!r} column (columns: {', '.join(table.columns)})")
    known = {i.name for i in definition.inputs} | {id_column}
    ignored = [c for c in table.columns if c not in known]
    given = [i for i in definition.inputs if i.name in table.columns]
    inputs = table.select([c for c in table.columns if c in known]).with_columns(
        [i.read_column(table.schema[i.name]) for i in given]
    )
    # A value that could not be read (text where a number belongs, "maybe" for yes/no) would
    # score as missing, i.e. normal: such rows are refused, naming the input and the value.
    reasons = [
        pl.when(pl.col(i.name).is_null() & table[i.name].cast(pl.String).str.strip_chars().ne(""))
        .then(pl.lit(f"{i.name}: expected {i.kind}, got ") + table[i.name].cast(pl.String))
        .otherwise(pl.lit(""))
        for i in given
    ]
    reason = pl.concat_str([pl.lit(""), *reasons], separator="; ").str.strip_chars("; ")
    checked = inputs.with_columns(reason.alias("reason"))
    unreadable_rows = checked.filter(pl.col("reason") != "").select(id_column, "reason")
    inputs = checked.filter(pl.col("reason") == "").drop("reason")
    parts: list[pl.DataFrame] = []
    for offset in range(0, max(inputs.height, 1), CHUNK_ROWS):
        chunk = inputs.slice(offset, CHUNK_ROWS)
        parts.append(definition.score_frame(chunk).collect())
        if on_progress:
            on_progress(chunk.height)
    scored = pl.concat(parts)  # the loop runs at least once
    ok = scored.filter(pl.col(ERRORS_COLUMN).list.len() == 0)
    dropped = scored.filter(pl.col(ERRORS_COLUMN).list.len() > 0).select(
        pl.col(id_column), pl.col(ERRORS_COLUMN).list.join("; ").alias("reason")
    )
    dropped = pl.concat([unreadable_rows, dropped], how="vertical_relaxed")
    return Scored(ok.select([id_column, *definition.output_columns()]), dropped, ignored)


_WINDOW = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d)\s*$")
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_window(text: str) -> dt.timedelta | None:
    """``"24h"``, ``"1h"``, ``"30m"``, ``"2d"``; ``"all"`` for every observation."""
    if text.strip().lower() in ("all", "none"):
        return None
    match = _WINDOW.match(text.lower())
    if not match or float(match.group(1)) <= 0:
        raise InputFileError(f"--window: {text!r} is not a duration such as 24h, 1h, 30m or all")
    return dt.timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def score_long(
    definition: ScoreDefinition,
    table: pl.DataFrame,
    *,
    window: dt.timedelta | None,
) -> Scored:
    """Score ``patient_id, time, parameter, value`` observations.

    Per-patient descriptors (age, weight …) ride along as extra columns of the same table: a
    patient's rows may leave them empty, but where filled they must agree (a patient whose rows
    give two ages is not scored: the reason names the column and the values).
    """
    extra = [c for c in table.columns if c not in LONG_COLUMNS]
    inputs = {i.name for i in definition.inputs}
    ignored = [c for c in extra if c not in inputs]
    carried = [c for c in extra if c in inputs]
    observations = table.select(
        pl.col("patient_id").cast(pl.String),
        _time_column(table),
        pl.col("parameter").cast(pl.String),
        pl.col("value").cast(pl.Float64, strict=False),
    )
    # Every row's descriptors: the batch merges them per patient and refuses disagreements.
    descriptors = table.select(pl.col("patient_id").cast(pl.String), *carried) if carried else None
    result = batch.score_observations(definition, observations, descriptors, window=window)
    return Scored(result.scored, result.dropped, ignored)


def _time_column(table: pl.DataFrame) -> pl.Series:
    """Times as datetimes when they read as such, else as hours (a number); each parsed once."""
    column = table["time"]
    if column.dtype.is_temporal() or column.dtype.is_numeric():
        return column
    parsed = column.str.to_datetime(strict=False)
    if parsed.null_count() == column.null_count():
        return parsed
    hours = column.cast(pl.Float64, strict=False)
    if hours.null_count() == column.null_count():
        return hours
    raise InputFileError("time: neither date-times (2026-01-31 08:00) nor hours since admission (12.5)")


def write_table(frame: pl.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)


def dropped_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}.dropped.csv")
