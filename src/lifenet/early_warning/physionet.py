"""Read the PhysioNet/CinC Challenge 2012 sets and score SAPS-I and SOFA from the raw records.

Data: Silva I, Moody G, Scott DJ, Celi LA, Mark RG. Predicting in-hospital mortality of ICU
patients: the PhysioNet/Computing in Cardiology Challenge 2012. Comput Cardiol
2012;39:245–248 (ODC-BY 1.0). Each record ``set-x/<RecordID>.txt`` is ``Time,Parameter,Value``
with ``HH:MM`` elapsed since ICU admission; its first six rows (time 00:00) are the
descriptors RecordID, Age, Gender, Height, ICUType, Weight, where ``-1`` means missing.
``Outcomes-x.txt`` holds the organizers' SAPS-I and SOFA and the in-hospital death.

The archive is streamed with :mod:`tarfile` and parsed by Polars in one pass; records become
the long format of :mod:`lifenet.early_warning.batch` (``time`` in hours since admission).
Every cleaning, window and unit choice is a named field of :class:`Conventions` — nothing is a
constant tuned to one file — and the same conventions are applied to set A and set B.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import polars as pl

from lifenet.early_warning.batch import BatchResult, DerivedParameter, score_observations, within
from lifenet.early_warning.files import InputFileError, Scored
from lifenet.early_warning.scores.base import DERIVED_DECIMALS, TOTAL_COLUMN, ScoreDefinition, ScoreInput
from lifenet.early_warning.scores.saps1 import DEFINITION as SAPS1
from lifenet.early_warning.scores.sofa import DEFINITION as SOFA

if TYPE_CHECKING:
    from lifenet.lib.roc import AucComparison, AucResult

DESCRIPTORS = ("RecordID", "Age", "Gender", "Height", "ICUType", "Weight")
OUTCOME_COLUMNS = {
    "RecordID": "patient_id",
    "SAPS-I": "saps1",
    "SOFA": "sofa",
    "Length_of_stay": "length_of_stay",
    "Survival": "survival",
    "In-hospital_death": "in_hospital_death",
}


@dataclass(frozen=True)
class PhysioNetSet:
    """One challenge set: observations (long), descriptors and the organizers' outcomes."""

    name: str
    observations: pl.DataFrame
    descriptors: pl.DataFrame
    outcomes: pl.DataFrame


@dataclass(frozen=True)
class ParameterMap:
    """How one PhysioNet parameter feeds one score input: ``value × factor``."""

    parameter: str
    input: str
    factor: float = 1.0


@dataclass(frozen=True)
class Conventions:
    """Every cleaning, window and unit choice used to score the challenge records.

    Defaults are the published definitions read literally, plus the choices documented in
    docs/physionet-agreement.md (each was checked on set A *and* set B).
    """

    window: dt.timedelta | None = dt.timedelta(hours=24)
    """Worst values over the first 24 h after ICU admission (time 00:00); None: the whole stay."""
    window_start: Literal["zero", "first"] = "zero"
    """``zero``: the window starts at ICU admission (00:00); ``first``: at the patient's first
    observation of a variable the score reads."""
    window_closed: Literal["left", "both"] = "left"
    """``left``: the first day is [00:00, 24:00) — a value charted at exactly 24:00 opens the
    second day; ``both`` counts it in the first too."""
    bun_mg_dl_per_urea_mmol: float = 2.8
    """BUN mg/dL ÷ 2.8 → urea mmol/L (two nitrogens of 14 g/mol per urea molecule)."""
    glucose_mg_dl_per_mmol: float = 18.0
    """Glucose mg/dL ÷ 18 → mmol/L (180 g/mol)."""
    converted_decimals: int = 1
    """Values converted to other units are rounded to this many decimals, the precision the
    laboratory reports, so that BUN 21 mg/dL is urea 7.50 mmol/L and not 7.4999…"""
    fio2_percent_above: float = 1.0
    """FiO2 above this is read as a percentage and divided by 100 (the sets give fractions)."""
    fio2_max_age: dt.timedelta = dt.timedelta(hours=24)
    """How old the last charted FiO2 may be when a PaO2 is drawn (FiO2 is a setting that
    stays until changed; PaO2 and FiO2 almost never share a time stamp in these sets)."""
    room_air_fio2: float | None = None
    """FiO2 assumed for a PaO2 with no FiO2 (None: no P/F ratio for that gas)."""
    systolic_sources: tuple[str, ...] = ("SysABP", "NISysABP")
    """Invasive and non-invasive systolic pressure both count."""
    map_sources: tuple[str, ...] = ("MAP", "NIMAP")
    ventilation_from_mechvent: bool = True
    """A ``MechVent`` row in the window means ventilated (SAPS 3 points; SOFA respiratory support)."""
    age_offset_years: float = 0.5
    """The sets give age in completed years (a floored number); the score's bands ("≤ 45",
    "> 75") apply to the exact age, best estimated by the middle of the year."""
    missing_respiratory_rate: Literal["normal", "cohort_median"] = "cohort_median"
    """SAPS-I, a stay neither ventilated nor with any respiratory rate charted on the first
    day (about one in ten: the extract dropped the rate the source chart had). ``normal``
    scores 0, the published missing rule; ``cohort_median`` gives the median respiration
    points of the set's non-ventilated stays whose rate was charted — computed from the data
    in hand, not fitted to the organizers' scores."""
    pressure_below_diastolic: Literal["artifact", "keep"] = "artifact"
    """A systolic pressure charted *below* the diastolic pressure that the same device charted
    at the same time (``SysABP`` < ``DiasABP``, ``NISysABP`` < ``NIDiasABP``) is not a blood
    pressure but a zeroed or flushed transducer. ``artifact`` leaves it out (listed in
    ``dropped`` with that reason); ``keep`` scores it like any reading. (Mean pressures are
    kept: MAP below the diastolic is charted 400 times a set, and leaving those out agrees
    worse with the organizers' SOFA on both sets.)"""
    venous_pao2_below: float | None = 40.0
    """A ``PaO2`` below this (mmHg) is taken for a venous or mixed-venous sample charted as
    arterial, left out and listed (``None`` keeps it; the score's plausible range still
    refuses values below 10). The extract dropped the specimen type MIMIC-II records, and
    venous PO2 is 30–40 mmHg: a "PaO2" of 32 two minutes before one of 255 in a ventilated
    patient is a venous gas, not a P/F ratio of 80 and 4 respiration points."""
    support_from_fio2: bool = True
    """SOFA only: a charted FiO2 also counts as respiratory support (FiO2 is charted from
    the ventilator or non-invasive device; MechVent alone misses many supported patients)."""
    ventilated_without_fio2: Literal["none", "cohort_median"] = "cohort_median"
    """SOFA only: a stay ventilated (``MechVent``) in the window with no FiO2 charted in it
    (about one in forty: the extract lost the ventilator setting, which every ventilated
    patient has). ``cohort_median`` pairs each of its PaO2 values with the median FiO2
    charted in the set's ventilated stays (0.5 in both sets) — computed from the data in
    hand, like ``missing_respiratory_rate``, and marked in the output column
    ``fio2_assumed``; ``none`` leaves its gases without a P/F ratio (0 respiration points)."""


# Each systolic pressure, and the diastolic pressure of the same device.
DIASTOLIC_OF = {"SysABP": "DiasABP", "NISysABP": "NIDiasABP"}
BELOW_DIASTOLIC = "below the diastolic pressure charted at the same time by the same device (an artifact)"
VENOUS_GAS = "the top of the venous range: taken for a venous sample, not arterial"
PAO2_MINIMUM = 10.0  # mmHg; below it a PaO2 is refused by the plausible range (0: a missing value)
FIO2_MINIMUM, FIO2_MAXIMUM = 0.21, 1.0  # the plausible range of a charted FiO2 (fraction)
ASSUMED_FIO2 = "fio2_assumed"
"""Output column of SOFA on a challenge set: the FiO2 its gases were read at when the stay
was ventilated with none charted (``Conventions.ventilated_without_fio2``), else null."""

SAPS1_MAP = (
    ParameterMap("HR", "heart_rate"),
    ParameterMap("Temp", "temperature"),
    ParameterMap("RespRate", "respiratory_rate"),
    ParameterMap("MechVent", "ventilated"),
    ParameterMap("Urine", "urine_output"),
    ParameterMap("HCT", "haematocrit"),
    ParameterMap("WBC", "wbc"),
    ParameterMap("K", "potassium"),
    ParameterMap("Na", "sodium"),
    ParameterMap("HCO3", "bicarbonate"),
    ParameterMap("GCS", "gcs"),
)
SOFA_MAP = (
    ParameterMap("MechVent", "ventilated"),
    ParameterMap("Platelets", "platelets"),
    ParameterMap("Bilirubin", "bilirubin"),
    ParameterMap("GCS", "gcs"),
    ParameterMap("Creatinine", "creatinine"),
    ParameterMap("Urine", "urine_output"),
)


# ----- reading ----------------------------------------------------------------------------
def _record_files(source: Path) -> Iterator[bytes]:
    """The bytes of every record file, from a ``.tar.gz`` (streamed) or a folder."""
    if source.is_dir():
        for path in sorted(source.glob("*.txt")):
            if not path.name.startswith("Outcomes"):
                yield path.read_bytes()
        return
    with tarfile.open(source, "r:gz") as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() and member.name.endswith(".txt") else None
            if handle is not None:
                yield handle.read()


def read_records(
    source: Path, on_record: Callable[[int], None] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Stream ``set-x.tar.gz`` (or a folder of record files) into (observations, descriptors).

    ``on_record`` is told how many records have been read, every 500 records and at the end.
    """
    chunks: list[bytes] = []
    for count, data in enumerate(_record_files(source), start=1):
        chunks.append(data if data.endswith(b"\n") else data + b"\n")
        if on_record is not None and count % 500 == 0:
            on_record(count)
    if on_record is not None:
        on_record(len(chunks))
    if not chunks:
        raise ValueError(f"{source}: no PhysioNet record files (<RecordID>.txt) found")
    raw = pl.read_csv(
        io.BytesIO(b"".join(chunks)),
        has_header=False,
        new_columns=["clock", "parameter", "value"],
        schema_overrides={"clock": pl.String, "parameter": pl.String, "value": pl.Float64},
        comment_prefix="Time,",
    )
    return _split_records(raw)


def _split_records(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    record = pl.when(pl.col("parameter") == "RecordID").then(pl.col("value").cast(pl.Int64).cast(pl.String))
    clock = pl.col("clock").str.split_exact(":", 1)
    frame = raw.with_columns(
        record.forward_fill().alias("patient_id"),
        (clock.struct[0].cast(pl.Float64) + clock.struct[1].cast(pl.Float64) / 60.0).alias("time"),
    )
    # RecordID, Age, Gender, Height and ICUType are only ever descriptors; Weight is also a
    # time series, and its descriptor is the record's first Weight row, at 00:00.
    is_weight = pl.col("parameter") == "Weight"
    weights_so_far = is_weight.cast(pl.UInt32).cum_sum()
    at_record_start = pl.when(pl.col("parameter") == "RecordID").then(weights_so_far).forward_fill()
    first_weight = is_weight & (pl.col("time") == 0) & (weights_so_far == at_record_start + 1)
    is_descriptor = pl.col("parameter").is_in(DESCRIPTORS[:-1]) | first_weight
    descriptors = (
        frame.filter(is_descriptor & (pl.col("parameter") != "RecordID"))
        .pivot(on="parameter", index="patient_id", values="value")
        .with_columns(
            [pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in DESCRIPTORS if c != "RecordID"]
        )
    )
    observations = frame.filter(~is_descriptor).select("patient_id", "time", "parameter", "value")
    return observations, descriptors


def read_outcomes(path: Path) -> pl.DataFrame:
    """``Outcomes-x.txt`` with readable names; -1 scores become null (not computed)."""
    table = pl.read_csv(path).rename(OUTCOME_COLUMNS)
    return table.with_columns(
        pl.col("patient_id").cast(pl.String),
        *[pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in ("saps1", "sofa")],
    )


def read_set(
    source: Path, letter: str | None = None, *, on_record: Callable[[int], None] | None = None
) -> PhysioNetSet:
    """A challenge set with its outcomes.

    ``read_set(folder, "a")`` reads ``folder/set-a.tar.gz`` and ``folder/Outcomes-a.txt``.
    ``read_set(path)`` reads one archive or folder of record files; the outcomes come from an
    ``Outcomes-x.txt`` beside it when its name says ``set-x``, else they list the stays only.
    """
    if letter is not None:
        archive, outcomes_file = source / f"set-{letter}.tar.gz", source / f"Outcomes-{letter}.txt"
    else:
        archive = source
        stem = source.name.removesuffix(".tar.gz").removesuffix(".tgz")
        outcomes_file = source.parent / f"Outcomes-{stem.removeprefix('set-')}.txt"
    observations, descriptors = read_records(archive, on_record)
    if outcomes_file.exists():
        outcomes = read_outcomes(outcomes_file)
    else:
        outcomes = descriptors.select("patient_id")
    name = f"set-{letter}" if letter else archive.name
    return PhysioNetSet(name, observations, descriptors, outcomes)


# ----- cleaning and mapping to score inputs -----------------------------------------------
def pressure_artifacts(observations: pl.DataFrame) -> pl.DataFrame:
    """Systolic pressures charted below the diastolic pressure of the same device at the same
    time (``patient_id, time, parameter, value, reason``); see
    ``Conventions.pressure_below_diastolic``."""
    pairs = pl.LazyFrame({"parameter": list(DIASTOLIC_OF), "_diastolic": list(DIASTOLIC_OF.values())})
    diastolic = (
        observations.lazy()
        .filter(pl.col("parameter").is_in(sorted(set(DIASTOLIC_OF.values()))))
        .group_by("patient_id", "time", "parameter")
        .agg(pl.col("value").max().alias("_diastolic_value"))
        .rename({"parameter": "_diastolic"})
    )
    return (
        observations.lazy()
        .join(pairs, on="parameter")
        .join(diastolic, on=["patient_id", "time", "_diastolic"])
        .filter(pl.col("value") < pl.col("_diastolic_value"))
        .select(
            "patient_id",
            "time",
            "parameter",
            "value",
            pl.format("{} {} " + BELOW_DIASTOLIC + ": {}", "parameter", "value", "_diastolic_value").alias(
                "reason"
            ),
        )
        .unique(maintain_order=True)
        .collect()
    )


def venous_gases(observations: pl.DataFrame, below: float) -> pl.DataFrame:
    """``PaO2`` values below ``below`` mmHg (``patient_id, time, parameter, value, reason``);
    see ``Conventions.venous_pao2_below``."""
    venous = pl.col("value").is_between(PAO2_MINIMUM, below, closed="left")
    return observations.filter((pl.col("parameter") == "PaO2") & venous).with_columns(
        pl.format("PaO2 {} mmHg below {}, " + VENOUS_GAS, "value", pl.lit(below)).alias("reason")
    )


def _read(table: tuple[ParameterMap, ...]) -> list[str]:
    """The PhysioNet parameters a score's mapping table reads."""
    return sorted({m.parameter for m in table})


def _first_day(lazy: pl.LazyFrame, conventions: Conventions) -> pl.LazyFrame:
    """The rows inside each stay's scoring window (``window``, ``window_start``,
    ``window_closed``); with ``window_start="first"`` the window opens at the stay's first row
    of ``lazy`` (the batch scorer opens it at the first *valid* one)."""
    if conventions.window is None:
        return lazy
    begin = pl.col("time").min().over("patient_id") if conventions.window_start == "first" else pl.lit(0.0)
    return lazy.filter(within(begin, conventions.window, conventions.window_closed))


def ventilator_fio2(cleaned: pl.LazyFrame, conventions: Conventions) -> pl.DataFrame:
    """FiO2 rows for the gases of ventilated stays with no FiO2 charted in the window
    (``patient_id, time, parameter, value``): one at each PaO2's time, holding the median
    FiO2 charted in the set's ventilated stays; see ``Conventions.ventilated_without_fio2``.

    ``cleaned`` is the set's cleaned SOFA observations (:func:`_cleaned`: the parameters SOFA
    reads, FiO2 as a fraction, artifacts left out)."""
    day = _first_day(cleaned, conventions)
    charted = (pl.col("parameter") == "FiO2") & pl.col("value").is_between(FIO2_MINIMUM, FIO2_MAXIMUM)
    stays = day.group_by("patient_id").agg(
        (pl.col("parameter") == "MechVent").any().alias("_ventilated"), charted.any().alias("_charted")
    )
    ventilated = day.join(stays.filter(pl.col("_ventilated")), on="patient_id")
    median = ventilated.filter(charted).select(pl.col("value").median()).collect().item()
    if median is None:  # no ventilated stay of the set has an FiO2: nothing to take it from
        return cleaned.clear().collect()
    return (
        ventilated.filter(~pl.col("_charted") & (pl.col("parameter") == "PaO2"))
        .select("patient_id", "time", pl.lit("FiO2").alias("parameter"), pl.lit(float(median)).alias("value"))
        .unique(maintain_order=True)
        .collect()
    )


def _cleaned(
    observations: pl.DataFrame,
    conventions: Conventions,
    table: tuple[ParameterMap, ...],
    artifacts: pl.DataFrame | None = None,
) -> pl.LazyFrame:
    """The observations of the parameters ``table`` reads, ``artifacts`` left out, FiO2 as a
    fraction."""
    fio2_percent = (pl.col("parameter") == "FiO2") & (pl.col("value") > conventions.fio2_percent_above)
    lazy = observations.lazy().filter(pl.col("parameter").is_in(_read(table)))
    if artifacts is not None and artifacts.height:
        lazy = lazy.join(artifacts.lazy(), on=["patient_id", "time", "parameter", "value"], how="anti")
    return lazy.with_columns(
        pl.when(fio2_percent).then(pl.col("value") / 100.0).otherwise(pl.col("value")).alias("value")
    )


def _artifacts(data: PhysioNetSet, conventions: Conventions, table: tuple[ParameterMap, ...]) -> pl.DataFrame:
    """The readings the conventions leave out, of the PhysioNet parameters ``table`` reads."""
    found = [pl.DataFrame(schema={**data.observations.schema, "reason": pl.String})]
    if conventions.pressure_below_diastolic == "artifact":
        found.append(pressure_artifacts(data.observations))
    if conventions.venous_pao2_below is not None:
        found.append(venous_gases(data.observations, conventions.venous_pao2_below))
    return pl.concat(found).filter(pl.col("parameter").is_in(_read(table)))


def _with_artifacts(result: BatchResult, artifacts: pl.DataFrame) -> BatchResult:
    """The artifacts listed with the score's own refusals (they are found in the whole record)."""
    dropped = pl.concat([result.dropped, artifacts], how="diagonal_relaxed").select(result.dropped.columns)
    return BatchResult(result.scored, dropped)


def _mapped(lazy: pl.LazyFrame, table: tuple[ParameterMap, ...], decimals: int = 2) -> pl.LazyFrame:
    """Rename PhysioNet parameters to score inputs, converting units; drop the others."""
    frame = pl.DataFrame(
        {
            "parameter": [m.parameter for m in table],
            "_input": [m.input for m in table],
            "_factor": [m.factor for m in table],
        }
    )
    return lazy.join(frame.lazy(), on="parameter", how="inner").select(
        "patient_id",
        "time",
        pl.col("_input").alias("parameter"),
        pl.when(pl.col("_factor") == 1.0)
        .then(pl.col("value"))
        .otherwise((pl.col("value") * pl.col("_factor")).round(decimals))
        .alias("value"),
    )


def _saps1_table(conventions: Conventions) -> tuple[ParameterMap, ...]:
    table = (
        *SAPS1_MAP,
        *(ParameterMap(p, "systolic_bp") for p in conventions.systolic_sources),
        ParameterMap("BUN", "urea", 1.0 / conventions.bun_mg_dl_per_urea_mmol),
        ParameterMap("Glucose", "glucose", 1.0 / conventions.glucose_mg_dl_per_mmol),
    )
    if not conventions.ventilation_from_mechvent:
        table = tuple(m for m in table if m.parameter != "MechVent")
    return table


def saps1_inputs(
    data: PhysioNetSet, conventions: Conventions, artifacts: pl.DataFrame | None = None
) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """SAPS-I observations (score input names, SI units) and descriptors (age); ``artifacts``
    (by default the readings the conventions leave out) are left out."""
    table = _saps1_table(conventions)
    artifacts = _artifacts(data, conventions, table) if artifacts is None else artifacts
    cleaned = _cleaned(data.observations, conventions, table, artifacts)
    observations = _mapped(cleaned, table, conventions.converted_decimals)
    descriptors = data.descriptors.select(
        "patient_id", (pl.col("Age") + conventions.age_offset_years).alias("age_years")
    )
    return observations, descriptors


def _pf_ratio(conventions: Conventions) -> DerivedParameter:
    fio2 = pl.col("fio2")
    if conventions.room_air_fio2 is not None:
        fio2 = fio2.fill_null(conventions.room_air_fio2)
    return DerivedParameter(
        name="pao2_fio2",
        needs=(
            ScoreInput("pao2", "PaO2", "动脉血氧分压", unit="mmHg", minimum=PAO2_MINIMUM, maximum=800),
            ScoreInput(
                "fio2", "FiO2", "吸入氧浓度", unit="fraction", minimum=FIO2_MINIMUM, maximum=FIO2_MAXIMUM
            ),
        ),
        expression=(pl.col("pao2") / fio2).round(DERIVED_DECIMALS),
        max_age={"fio2": conventions.fio2_max_age},
    )


def _sofa_table(conventions: Conventions) -> tuple[ParameterMap, ...]:
    table = (
        *SOFA_MAP,
        *(ParameterMap(p, "map") for p in conventions.map_sources),
        ParameterMap("PaO2", "pao2"),
        ParameterMap("FiO2", "fio2"),
    )
    if not conventions.ventilation_from_mechvent:
        table = tuple(m for m in table if m.parameter != "MechVent")
    if conventions.support_from_fio2:
        table = (*table, ParameterMap("FiO2", "ventilated"))
    return table


def sofa_inputs(
    data: PhysioNetSet, conventions: Conventions, artifacts: pl.DataFrame | None = None
) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """SOFA observations: organ variables, MAP, and PaO2/FiO2 raw (paired by the batch);
    ``artifacts`` (by default the readings the conventions leave out) are left out. Also the
    FiO2 rows supplied for ventilated stays without one (:func:`ventilator_fio2`; empty
    unless ``ventilated_without_fio2="cohort_median"``), already among the observations."""
    table = _sofa_table(conventions)
    artifacts = _artifacts(data, conventions, table) if artifacts is None else artifacts
    cleaned = _cleaned(data.observations, conventions, table, artifacts)
    supplied = data.observations.clear()
    if conventions.ventilated_without_fio2 == "cohort_median":
        cleaned = cleaned.collect().lazy()  # read once: the supplied rows and the scoring start here
        supplied = ventilator_fio2(cleaned, conventions)
        cleaned = pl.concat([cleaned, supplied.lazy()])
    return _mapped(cleaned, table, conventions.converted_decimals), supplied


def _score(
    definition: ScoreDefinition,
    observations: pl.LazyFrame,
    descriptors: pl.DataFrame | None,
    conventions: Conventions,
    derived: tuple[DerivedParameter, ...] = (),
) -> BatchResult:
    return score_observations(
        definition,
        observations,
        descriptors,
        window=conventions.window,
        start=conventions.window_start,
        window_closed=conventions.window_closed,
        aggregations={"urine_output": "sum"},
        derived=derived,
    )


def score_saps1(data: PhysioNetSet, conventions: Conventions | None = None) -> BatchResult:
    conventions = conventions or Conventions()
    artifacts = _artifacts(data, conventions, _saps1_table(conventions))
    observations, descriptors = saps1_inputs(data, conventions, artifacts)
    result = _score(SAPS1, observations, descriptors, conventions)
    if conventions.missing_respiratory_rate == "cohort_median":
        result = BatchResult(_respiration_from_cohort(result.scored), result.dropped)
    return _with_artifacts(result, artifacts)


def _respiration_from_cohort(scored: pl.DataFrame) -> pl.DataFrame:
    """Unventilated stays without a charted rate: the median respiration points of the
    unventilated stays with one (see ``Conventions.missing_respiratory_rate``)."""
    unventilated = ~pl.col("ventilated").fill_null(False)
    charted = scored.filter(unventilated & pl.col("respiratory_rate").is_not_null())
    if charted.height == 0:
        return scored
    median = float(charted["respiration_points"].median())  # type: ignore[arg-type]
    missing = unventilated & pl.col("respiratory_rate").is_null() & pl.col("respiration_points").is_not_null()
    return scored.with_columns(
        pl.when(missing)
        .then(pl.col(TOTAL_COLUMN) - pl.col("respiration_points") + median)
        .otherwise(pl.col(TOTAL_COLUMN))
        .alias(TOTAL_COLUMN),
        pl.when(missing)
        .then(pl.lit(median))
        .otherwise(pl.col("respiration_points"))
        .alias("respiration_points"),
    )


def score_sofa(data: PhysioNetSet, conventions: Conventions | None = None) -> BatchResult:
    conventions = conventions or Conventions()
    patients = data.descriptors.select("patient_id")
    artifacts = _artifacts(data, conventions, _sofa_table(conventions))
    observations, supplied = sofa_inputs(data, conventions, artifacts)
    result = _score(SOFA, observations, patients, conventions, (_pf_ratio(conventions),))
    assumed = supplied.group_by("patient_id").agg(pl.col("value").first().alias(ASSUMED_FIO2))
    scored = result.scored.join(assumed, on="patient_id", how="left", maintain_order="left")
    return _with_artifacts(BatchResult(scored, result.dropped), artifacts)


def score_set(
    definition: ScoreDefinition,
    data: PhysioNetSet,
    *,
    window: dt.timedelta | None = dt.timedelta(hours=24),
    conventions: Conventions | None = None,
) -> Scored:
    """Score a challenge set for ``lifenet score``: SAPS-I or SOFA, with the conventions.

    ``window=None`` scores every observation of the stay (48 h) instead of the first day.
    """
    scorer = {"saps1": score_saps1, "sofa": score_sofa}.get(definition.name)
    if scorer is None:
        raise InputFileError(
            f"a PhysioNet 2012 set can be scored for saps1 or sofa, not {definition.name}: "
            "its parameters have no mapping to the other scores' inputs"
        )
    chosen = dataclasses.replace(conventions or Conventions(), window=window)
    result = scorer(data, chosen)
    return Scored(result.scored, result.dropped, [])


# ----- agreement --------------------------------------------------------------------------
@dataclass(frozen=True)
class Agreement:
    """Our score against the organizers' on the records where both exist."""

    score: str
    records: int
    exact: float
    within_one: float
    mean_absolute_difference: float
    mean_difference: float


def compare(ours: pl.DataFrame, outcomes: pl.DataFrame, score: str) -> tuple[Agreement, pl.DataFrame]:
    """Join our totals with the organizers' column ``score``; return figures and the joined rows."""
    joined = (
        outcomes.select("patient_id", pl.col(score).alias("organizers"), "in_hospital_death")
        .join(ours.rename({"total": "ours"}), on="patient_id", how="inner")
        .filter(pl.col("organizers").is_not_null())
        .with_columns((pl.col("ours") - pl.col("organizers")).alias("difference"))
    )
    diff = joined["difference"].to_numpy()
    figures = Agreement(
        score=score,
        records=joined.height,
        exact=float((diff == 0).mean() * 100) if diff.size else 0.0,
        within_one=float((abs(diff) <= 1).mean() * 100) if diff.size else 0.0,
        mean_absolute_difference=float(abs(diff).mean()) if diff.size else 0.0,
        mean_difference=float(diff.mean()) if diff.size else 0.0,
    )
    return figures, joined


@dataclass(frozen=True)
class SetReport:
    """Agreement with the organizers and discrimination for in-hospital death, one set."""

    name: str
    saps1: Agreement
    sofa: Agreement
    auroc: dict[str, AucResult]
    """``saps1_ours``, ``saps1_organizers``, ``sofa_ours``, ``sofa_organizers`` (same records)."""
    ours_vs_organizers: dict[str, AucComparison]


def report(data: PhysioNetSet, conventions: Conventions | None = None) -> SetReport:
    """Score SAPS-I and SOFA from the raw records and compare with the organizers' values."""
    from lifenet.lib.roc import auroc, compare_auroc  # SciPy: only when a report is asked for

    conventions = conventions or Conventions()
    figures: dict[str, Agreement] = {}
    aucs: dict[str, AucResult] = {}
    tests: dict[str, AucComparison] = {}
    for score, result in (("saps1", score_saps1(data, conventions)), ("sofa", score_sofa(data, conventions))):
        figures[score], joined = compare(result.scored, data.outcomes, score)
        died = joined["in_hospital_death"].to_numpy()
        ours, theirs = joined["ours"].to_numpy(), joined["organizers"].to_numpy()
        aucs[f"{score}_ours"] = auroc(ours, died)
        aucs[f"{score}_organizers"] = auroc(theirs, died)
        tests[score] = compare_auroc(ours, theirs, died)
    return SetReport(data.name, figures["saps1"], figures["sofa"], aucs, tests)
