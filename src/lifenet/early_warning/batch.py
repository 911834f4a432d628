"""Score long-format observations in bulk: pure Polars, no database, no Python loop per row.

Input shape (one row per measurement)::

    patient_id: str | time: datetime or float hours | parameter: str | value: float

``parameter`` is the name of a score input (``ScoreInput.name``) in that input's unit, or the
name of a raw parameter read by a :class:`DerivedParameter` (e.g. ``pao2`` and ``fio2`` for the
PaO2/FiO2 ratio). Per-patient facts (age, weight, admission type …) come in ``descriptors``,
one row per ``patient_id`` with one column per input; descriptor values win over observations
of the same input.

Nothing is ignored silently. A row goes to ``BatchResult.dropped`` with a ``reason`` when its
parameter is unknown, its value is missing, or it breaks the input's plausible range (the
reason names the parameter and the rule); a patient goes there when a descriptor is out of
range or a required input is missing. Everything else is still scored. (Descriptor columns
that are not inputs of the score are not read; the file reader reports them.)

Two modes:

**Window mode** (``window=timedelta(hours=24)``; the default for scores that are not
``per_time``): one row per patient holding the *worst* value of each component in the window
``[start, start + window]``. Each input is aggregated once — minimum and maximum by default,
the sum for volume-over-time inputs such as urine output (``aggregations={"urine_ml": "sum"}``),
"any" for yes/no inputs — and the score is computed twice, on the all-minimum and the
all-maximum frame; each component keeps the larger of its two point values. This is exact for
every band table whose points do not decrease away from the normal range (all published
severity scores) and for components that read one input. A component reading several inputs
(P/F ratio and a ventilation flag) sees them together from one side, so inputs that must be
paired in time are combined per observation time *before* aggregation with a
:class:`DerivedParameter`.

*Totals.* Without a custom ``total`` the total is the sum of the worst components. With a
custom total (or extras, or a mortality equation) the expression is evaluated on a frame that
holds the worst component points and, for each input, the value from the side (minimum or
maximum) on which the first component reading it scored worse (the maximum when both sides
score alike, so a normal MAP shows its highest reading) — the values that explain the score,
also returned as columns.

**Per-time mode** (``per_time=True``; the default for ``ScoreDefinition.per_time`` scores such
as PEWS): one row per patient and observation time, each input carried forward from its last
observation for at most ``max_age`` (default :data:`DEFAULT_MAX_AGE`, 4 hours: a set of ward
vital signs is normally repeated within 4 hours, so an older value no longer describes the
child; pass a mapping to set it per input). Two values of one parameter at the very same
time keep the higher.

*Window start*: ``"first"`` (each patient's first valid observation; one extra group-by) or
``"zero"`` (time 0 = admission, for hours-since-admission times).

*Speed.* One hash group-by over (patient, parameter — as an enum, not a string) does the
work of window mode; per-time mode sorts the rows only when they are not already in patient
and time order, groups the rows of each patient and time by their (sorted) run number, and
fills forward over the whole frame. No Python runs per row or per patient, so the cost stays a
small multiple of a bare Polars scan of the same file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from lifenet.early_warning.scores.base import (
    ERRORS_COLUMN,
    ScoreDefinition,
    ScoreInput,
    range_problem,
)

Aggregation = Literal["extremes", "sum", "any"]
WindowStart = Literal["first", "zero"]

ID = "patient_id"
TIME = "time"
PARAMETER = "parameter"
VALUE = "value"
REASON = "reason"
OK = "_ok"
IN_WINDOW = "_in_window"
KNOWN = "_known_parameter"  # the parameter as an enum of the names the score reads (null: unknown)
PATIENT_NUMBER = "_patient"  # per-time mode: patients numbered 1, 2, … in the order of their rows
DROPPED_COLUMNS = [ID, TIME, PARAMETER, VALUE, REASON]

DEFAULT_MAX_AGE = dt.timedelta(hours=4)
"""Per-time mode: how long a value is carried forward when no newer one is seen."""


@dataclass(frozen=True)
class DerivedParameter:
    """An input computed per observation time from raw parameters (e.g. PaO2/FiO2).

    ``needs`` describe the raw parameters (name, unit, plausible range: they are validated
    like inputs). At every time one of them is observed, each need takes its latest value no
    older than its ``max_age`` (one duration for all, or one per need; 0 = the same time
    stamp only) and ``expression`` (over columns named after the needs) gives the derived
    value, which then joins the observations as parameter ``name``.
    """

    name: str
    needs: tuple[ScoreInput, ...]
    expression: pl.Expr
    max_age: dt.timedelta | Mapping[str, dt.timedelta] = dt.timedelta(0)

    def age_of(self, need: str) -> dt.timedelta:
        if isinstance(self.max_age, Mapping):
            return self.max_age.get(need, dt.timedelta(0))
        return self.max_age


@dataclass(frozen=True)
class BatchResult:
    """``scored``: one row per patient (window) or per patient and time (per-time mode).

    ``dropped``: ``patient_id, time, parameter, value, reason`` for every refused observation,
    and one row per refused patient (time/parameter/value null).
    """

    scored: pl.DataFrame
    dropped: pl.DataFrame


def score_observations(
    definition: ScoreDefinition,
    observations: pl.LazyFrame | pl.DataFrame,
    descriptors: pl.DataFrame | None = None,
    *,
    window: dt.timedelta | None = None,
    per_time: bool | None = None,
    start: WindowStart = "first",
    window_closed: Literal["left", "both"] = "both",
    aggregations: Mapping[str, Aggregation] | None = None,
    derived: Sequence[DerivedParameter] = (),
    max_age: dt.timedelta | Mapping[str, dt.timedelta] = DEFAULT_MAX_AGE,
) -> BatchResult:
    """Score long-format observations; see the module docstring for the two modes.

    ``start``: ``"first"`` (each patient's first valid observation) or ``"zero"`` (time 0 —
    hours since admission).
    ``window=None`` uses every observation.
    """
    lazy = observations.lazy() if isinstance(observations, pl.DataFrame) else observations
    is_datetime = lazy.collect_schema()[TIME].is_temporal()
    by_time = definition.per_time if per_time is None else per_time
    checked = _checked(definition, lazy, derived)
    if derived:
        made = _derived_rows(checked.filter(pl.col(OK)), derived, is_datetime)
        checked = pl.concat([checked, _checked(definition, made, derived)], how="vertical_relaxed")
    desc, desc_dropped = _validate_descriptors(definition, descriptors)
    if desc_dropped.height:
        checked = checked.filter(~pl.col(ID).is_in(desc_dropped[ID].implode()))
    checked = _in_window(checked, window, start, window_closed, is_datetime)
    if by_time:
        valid = checked.filter(pl.col(OK) & pl.col(IN_WINDOW)).select(ID, TIME, PARAMETER, VALUE, KNOWN)
        scored, refused, bad_rows = _score_per_time(
            definition, valid, checked.filter(~pl.col(OK)), desc, max_age, is_datetime
        )
        bad = _with_reasons(definition, bad_rows, derived)
    else:
        scored, refused, bad = _score_window(definition, checked, desc, aggregations or {}, derived)
    dropped = pl.concat([bad, desc_dropped, refused], how="diagonal_relaxed").select(DROPPED_COLUMNS)
    return BatchResult(scored=scored, dropped=dropped)


# ----- validation -------------------------------------------------------------------------
def _rules(definition: ScoreDefinition, derived: Sequence[DerivedParameter]) -> pl.DataFrame:
    numeric: dict[str, ScoreInput] = {}
    for item in (*definition.inputs, *(n for d in derived for n in d.needs)):
        if item.kind != "choice":
            numeric.setdefault(item.name, item)
    return pl.DataFrame(
        {
            PARAMETER: list(numeric),
            "_min": [i.minimum for i in numeric.values()],
            "_max": [i.maximum for i in numeric.values()],
            "_unit": [f" {i.unit}" if i.unit else "" for i in numeric.values()],
            "_known": [True] * len(numeric),
        },
        schema={
            PARAMETER: pl.String,
            "_min": pl.Float64,
            "_max": pl.Float64,
            "_unit": pl.String,
            "_known": pl.Boolean,
        },
    )


def _checked(
    definition: ScoreDefinition, lazy: pl.LazyFrame, derived: Sequence[DerivedParameter]
) -> pl.LazyFrame:
    """Observations with an ``_ok`` flag: known parameter, finite value, inside its range.

    The parameter is cast to an enum of the known names (``KNOWN``; unknown names become
    null) and its limits are gathered by that small integer: no join, so rows keep their order
    and the check costs little more than reading the column. Later steps group by the enum,
    not by the string (hashing a small integer is much cheaper). Reasons are built later, for
    the refused rows only.
    """
    rules = _rules(definition, derived)
    known = pl.col(PARAMETER).cast(pl.Enum(rules[PARAMETER].to_list()), strict=False)
    code = pl.col(KNOWN).to_physical()
    low = pl.lit(rules["_min"].fill_null(float("-inf"))).gather(code)
    high = pl.lit(rules["_max"].fill_null(float("inf"))).gather(code)
    value = pl.col(VALUE)
    ok = ((value >= low) & (value <= high) & value.is_finite()).fill_null(False) & _has_time(lazy)
    return lazy.select(ID, TIME, PARAMETER, value.cast(pl.Float64), known.alias(KNOWN)).with_columns(
        ok.alias(OK)
    )


def _has_time(lazy: pl.LazyFrame) -> pl.Expr:
    """The row has a time (not null, and not NaN when times are hours)."""
    time = pl.col(TIME)
    if lazy.collect_schema()[TIME].is_float():
        return time.is_not_null() & time.is_finite().fill_null(False)
    return time.is_not_null()


def _with_reasons(
    definition: ScoreDefinition, refused: pl.DataFrame, derived: Sequence[DerivedParameter]
) -> pl.DataFrame:
    """Refused observations with a reason naming the parameter and the rule broken."""
    joined = refused.lazy().join(_rules(definition, derived).lazy(), on=PARAMETER, how="left")
    value = pl.col(VALUE)
    got = pl.lit(" (got ") + value.cast(pl.String) + pl.lit(")")
    reason = (
        pl.when(~pl.col("_known").fill_null(False))
        .then(pl.lit("unknown parameter ") + pl.col(PARAMETER) + pl.lit(f" (not read by {definition.name})"))
        .when(value.is_null() | ~value.is_finite())
        .then(pl.col(PARAMETER) + pl.lit(": value is missing or not a number"))
        .when(~_has_time(refused.lazy()))
        .then(pl.col(PARAMETER) + pl.lit(": time is missing"))
        .when(value < pl.col("_min"))
        .then(
            pl.col(PARAMETER)
            + pl.lit(": below the plausible minimum ")
            + _number("_min")
            + pl.col("_unit")
            + got
        )
        .otherwise(
            pl.col(PARAMETER)
            + pl.lit(": above the plausible maximum ")
            + _number("_max")
            + pl.col("_unit")
            + got
        )
    )
    return joined.select(ID, TIME, PARAMETER, VALUE, reason.alias(REASON)).collect()


def _number(column: str) -> pl.Expr:
    """A limit as the base module prints it (``300``, not ``300.0``)."""
    col = pl.col(column)
    return (
        pl.when(col == col.round(0)).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))
    )


def _validate_descriptors(
    definition: ScoreDefinition, descriptors: pl.DataFrame | None
) -> tuple[pl.DataFrame | None, pl.DataFrame]:
    empty = pl.DataFrame(schema={ID: pl.String, REASON: pl.String})
    if descriptors is None:
        return None, empty
    names = {i.name for i in definition.inputs}
    inputs = tuple(i for i in definition.inputs if i.name in descriptors.columns)
    merged, conflicts = _one_row_per_patient(descriptors.with_columns(pl.col(ID).cast(pl.String)), inputs)
    table = merged.select(ID, *[pl.col(i.name).cast(i.polars_dtype(), strict=False) for i in inputs])
    checker = dataclasses.replace(definition, inputs=inputs, components=())
    problems = pl.col(ERRORS_COLUMN).list.join("; ")
    reason = pl.when(problems != "").then(problems).alias(REASON)
    checked = checker.with_problems(table.lazy()).with_columns(reason).collect()
    bad = pl.col(REASON).is_not_null()
    dropped = pl.concat([conflicts, checked.filter(bad).select(ID, REASON)])
    kept = checked.filter(~bad).select(ID, *[c for c in table.columns if c in names])
    return kept, dropped


def _one_row_per_patient(
    descriptors: pl.DataFrame, inputs: Sequence[ScoreInput]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The descriptors merged to one row per patient — a patient's rows may each give some of
    them (a long file repeats them on every row, or leaves them empty) — and the patients whose
    rows give two different values of one (two ages: which is right?), with a reason naming
    the input and the values."""
    if not descriptors.get_column(ID).is_duplicated().any():
        return descriptors, pl.DataFrame(schema={ID: pl.String, REASON: pl.String})
    given = {i.name: pl.col(i.name).drop_nulls().unique(maintain_order=True) for i in inputs}
    merged = descriptors.group_by(ID, maintain_order=True).agg(
        *[values.first().alias(name) for name, values in given.items()],
        *[values.cast(pl.String).alias(f"__given__{name}") for name, values in given.items()],
    )
    seen = [pl.col(f"__given__{name}") for name in given]
    reason = _reason(
        [
            pl.when(values.list.len() > 1).then(
                pl.format("{}: different values for one patient ({})", pl.lit(name), values.list.join(", "))
            )
            for name, values in zip(given, seen, strict=True)
        ]
    ).alias(REASON)
    merged = merged.with_columns(reason)
    conflicts = merged.filter(pl.col(REASON).is_not_null()).select(ID, REASON)
    return merged.filter(pl.col(REASON).is_null()).select(ID, *given), conflicts


# ----- time helpers -----------------------------------------------------------------------
def _span(delta: dt.timedelta, is_datetime: bool) -> pl.Expr:
    """A duration comparable with the time column (hours when time is a number)."""
    if is_datetime:
        return pl.lit(delta)
    return pl.lit(delta.total_seconds() / 3600.0)


def within(
    begin: pl.Expr, window: dt.timedelta, closed: Literal["left", "both"], is_datetime: bool = False
) -> pl.Expr:
    """True for the rows whose ``time`` lies in the window ``[begin, begin + window)`` (with
    ``closed="both"``, ``[begin, begin + window]``); false where the time is missing."""
    end = begin + _span(window, is_datetime)
    upper = pl.col(TIME) <= end if closed == "both" else pl.col(TIME) < end
    return ((pl.col(TIME) >= begin) & upper).fill_null(False)


def _in_window(
    checked: pl.LazyFrame,
    window: dt.timedelta | None,
    start: WindowStart,
    closed: Literal["left", "both"],
    is_datetime: bool,
) -> pl.LazyFrame:
    """Flag the rows inside each patient's window (all rows when ``window`` is None)."""
    if window is None:
        return checked.with_columns(pl.lit(True).alias(IN_WINDOW))
    if start == "first":
        # A group-by and a join back are much faster than a window function over patients.
        firsts = checked.filter(pl.col(OK)).group_by(ID).agg(pl.col(TIME).min().alias("_start"))
        checked = checked.join(firsts, on=ID, how="left")
        begin = pl.col("_start")
    else:
        if is_datetime:
            raise ValueError("start='zero' needs time as hours since admission, not datetimes")
        begin = pl.lit(0.0)
    inside = within(begin, window, closed, is_datetime)
    return checked.with_columns(inside.alias(IN_WINDOW)).select(
        ID, TIME, PARAMETER, VALUE, KNOWN, OK, IN_WINDOW
    )


def _carried_forward(
    long: pl.DataFrame, names: Sequence[str], max_age: Mapping[str, dt.timedelta], is_datetime: bool
) -> pl.DataFrame:
    """One row per patient and time (``ID, TIME, PATIENT_NUMBER``, then ``names``); each
    parameter's latest value no older than its max age.

    ``long`` holds only rows of ``names``, in patient and time order (:func:`_in_time_order`),
    with the parameter as the ``KNOWN`` enum when it has it. Rows of one patient and time are
    consecutive, so they are numbered as runs and grouped by that sorted number; several
    values of one parameter at the very same time keep the highest. Each parameter's value is
    first put in a column of its own (a cheap select; the group-by then takes plain maxima,
    four times faster than filtering inside each aggregation), streamed so that the columns
    are not all built at once. The forward fill then runs over the whole frame (no
    per-patient window function) and a value is kept only when it was seen for the same
    patient and within its max age: plain column operations, fast on millions of rows. A
    parameter never observed stays a null column, at no cost.
    """
    param = pl.col(KNOWN) if KNOWN in long.columns else pl.col(PARAMETER)
    present = set(long.select(param.unique().cast(pl.String)).to_series().to_list())
    seen = [n for n in names if n in present]
    new_patient = (pl.col(ID) != pl.col(ID).shift(1)).fill_null(True)
    new_time = (new_patient | (pl.col(TIME) != pl.col(TIME).shift(1))).fill_null(True)
    wide = (
        long.lazy()
        .select(
            ID,
            TIME,
            new_time.cum_sum().set_sorted().alias("_run"),
            new_patient.cum_sum().alias(PATIENT_NUMBER),
            *[pl.when(param == n).then(pl.col(VALUE)).alias(n) for n in seen],
        )
        .group_by("_run", maintain_order=True)
        .agg(
            pl.col(ID).first(),
            pl.col(TIME).first(),
            pl.col(PATIENT_NUMBER).first(),
            *[pl.col(n).max() for n in seen],
        )
        .collect(engine="streaming")
    )
    fresh = []
    for n in seen:
        at, patient = (
            pl.when(pl.col(n).is_not_null()).then(pl.col(c)).forward_fill() for c in (TIME, PATIENT_NUMBER)
        )
        recent = (patient == pl.col(PATIENT_NUMBER)) & (pl.col(TIME) - at <= _span(max_age[n], is_datetime))
        fresh.append(pl.when(recent).then(pl.col(n).forward_fill()).alias(n))
    never = [pl.lit(None, dtype=pl.Float64).alias(n) for n in names if n not in seen]
    # One chunk per column: the fills leave each column cut its own way, and frames whose
    # columns are cut differently are slow to filter or select (every later step would pay).
    return (
        wide.lazy()
        .select(ID, TIME, PATIENT_NUMBER, *never, *fresh)
        .select(ID, TIME, PATIENT_NUMBER, *names)
        .collect()
        .rechunk()
    )


def _in_time_order(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows in patient and time order (``sort(ID, TIME)``): sorted only when they are not
    already (a monitor or EHR export usually is, and one pass to check costs a few percent of a
    sort). Each patient's rows must be one block, so patient ids must ascend, not only times."""
    patient, previous = pl.col(ID), pl.col(ID).shift(1)
    later = (patient == previous) & (pl.col(TIME) >= pl.col(TIME).shift(1))
    ordered = ((patient > previous) | later).fill_null(True).all()
    if frame.height < 2 or frame.select(ordered).item():
        return frame
    return frame.sort(ID, TIME)


def _derived_rows(
    valid: pl.LazyFrame, derived: Sequence[DerivedParameter], is_datetime: bool
) -> pl.LazyFrame:
    """Long rows of every derived parameter (validated afterwards like observations)."""
    parts = []
    for item in derived:
        needs = [n.name for n in item.needs]
        ordered = _in_time_order(valid.filter(pl.col(PARAMETER).is_in(needs)).collect())
        wide = _carried_forward(ordered, needs, {n: item.age_of(n) for n in needs}, is_datetime)
        parts.append(
            wide.lazy()
            .select(
                ID, TIME, pl.lit(item.name).alias(PARAMETER), item.expression.cast(pl.Float64).alias(VALUE)
            )
            .filter(pl.col(VALUE).is_not_null() & pl.col(VALUE).is_finite())
        )
    return pl.concat(parts, how="vertical_relaxed")


# ----- window mode ------------------------------------------------------------------------
def _default_aggregation(item: ScoreInput) -> Aggregation:
    return "any" if item.kind == "boolean" else "extremes"


def _typed(item: ScoreInput, value: pl.Expr) -> pl.Expr:
    if item.kind == "boolean":
        return (value > 0).alias(item.name)
    if item.kind == "integer":
        return value.round(0).cast(pl.Int64).alias(item.name)
    return value.cast(item.polars_dtype()).alias(item.name)


_SIDES: dict[Aggregation, tuple[str, str]] = {
    "extremes": ("min", "max"),
    "any": ("max", "max"),
    "sum": ("sum", "sum"),
}


def _window_sides(
    definition: ScoreDefinition, checked: pl.LazyFrame, aggregations: Mapping[str, Aggregation]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The all-minimum and all-maximum wide frames (one row per patient), and refused rows.

    One hash group-by over (patient, parameter) is the only pass over the observations: it
    computes the statistics some input needs from the usable rows and counts the refused
    ones; the small result (a row per patient and parameter) is then spread to one column per
    input and statistic by a group-by per patient.
    """
    inputs = [i for i in definition.inputs if i.kind != "choice"]
    kinds = {i.name: aggregations.get(i.name, _default_aggregation(i)) for i in inputs}
    needed = sorted({stat for kind in kinds.values() for stat in _SIDES[kind]})
    value = pl.col(VALUE)
    stat_exprs = {
        "min": value.min(),
        "max": value.max(),
        "sum": value.sum(),
    }
    # One plain group-by over every row in the window or refused; the ok flag is part of the
    # key, so refused rows are counted without slowing the usable groups' statistics.
    stats = (
        checked.filter(pl.col(IN_WINDOW) | ~pl.col(OK))
        .group_by(ID, KNOWN, OK)
        .agg(*[stat_exprs[stat].alias(stat) for stat in needed])
        .collect()
    )
    refused_groups = stats.filter(~pl.col(OK))
    stats = stats.filter(pl.col(OK)).drop(OK)
    refused = pl.DataFrame(
        schema={ID: pl.String, TIME: checked.collect_schema()[TIME], PARAMETER: pl.String, VALUE: pl.Float64}
    )
    if refused_groups.height:
        # A second pass only when some observation was refused, to list each one.
        refused = checked.filter(~pl.col(OK)).select(ID, TIME, PARAMETER, VALUE).collect()
    # One column per statistic and observed input, then each side picks its own. (A filtered
    # first() per column in one group-by: half the time of a pivot per statistic.)
    observed = stats[KNOWN].unique().cast(pl.String).to_list()
    wide = stats.group_by(ID).agg(
        pl.col(stat).filter(pl.col(KNOWN) == name).first().alias(f"{stat}:{name}")
        for stat in needed
        for name in observed
    )

    def side(which: int) -> pl.DataFrame:
        columns = []
        for item in inputs:
            name = f"{_SIDES[kinds[item.name]][which]}:{item.name}"
            columns.append(
                _typed(item, pl.col(name) if name in wide.columns else pl.lit(None, dtype=pl.Float64))
            )
        return wide.select(ID, *columns)

    return side(0), side(1), refused


def _with_descriptors(frame: pl.DataFrame, desc: pl.DataFrame | None) -> pl.DataFrame:
    if desc is None:
        return frame
    patients = pl.concat([frame.select(ID), desc.select(ID)]).unique(maintain_order=True)
    frame = patients.join(frame, on=ID, how="left")
    overlap = [c for c in desc.columns if c != ID and c in frame.columns]
    return frame.drop(overlap).join(desc, on=ID, how="left")


def _score_window(
    definition: ScoreDefinition,
    checked: pl.LazyFrame,
    desc: pl.DataFrame | None,
    aggregations: Mapping[str, Aggregation],
    derived: Sequence[DerivedParameter],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    low, high, bad_rows = _window_sides(definition, checked, aggregations)
    bad = _with_reasons(definition, bad_rows, derived)
    low, high = _with_descriptors(low, desc).sort(ID), _with_descriptors(high, desc).sort(ID)
    # Values were range-checked on the way in; a required input is missing on both sides alike.
    summed = [i for i in definition.inputs if aggregations.get(i.name) == "sum"]
    scored_low, scored_high = pl.collect_all(
        [_points(definition, low.lazy(), summed), _points(definition, high.lazy(), summed)]
    )
    failed = scored_low[REASON].is_not_null()
    refused = scored_low.filter(failed).select(ID, REASON)
    ok_low, ok_high = scored_low.filter(~failed), scored_high.filter(~failed)
    return _worst_of(definition, ok_low, ok_high), refused, bad


def _worst_of(definition: ScoreDefinition, low: pl.DataFrame, high: pl.DataFrame) -> pl.DataFrame:
    """Component-wise worst of the two sides, the inputs that explain it, and the totals."""
    names = [c.name for c in definition.components]
    worse_low = {c: low[c] > high[c] for c in names}
    columns: dict[str, pl.Series] = {ID: low[ID]}
    for item in definition.inputs:
        if item.name in names or item.name not in low.columns:
            continue
        readers = [c.name for c in definition.components if item.name in c.points.meta.root_names()]
        if readers:
            columns[item.name] = low[item.name].zip_with(worse_low[readers[0]], high[item.name])
        else:
            columns[item.name] = high[item.name]
    for name in names:
        columns[name] = low[name].zip_with(worse_low[name], high[name])
    frame = definition.with_outputs(pl.DataFrame(columns).lazy(), components=False)
    outputs = definition.output_columns()
    values = [c for c in columns if c != ID and c not in outputs]
    return frame.select(ID, *outputs, *values).collect()


# ----- per-time mode ----------------------------------------------------------------------
def _score_per_time(
    definition: ScoreDefinition,
    valid: pl.LazyFrame,
    refused_rows: pl.LazyFrame,
    desc: pl.DataFrame | None,
    max_age: dt.timedelta | Mapping[str, dt.timedelta],
    is_datetime: bool,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    inputs = [i for i in definition.inputs if i.kind != "choice"]
    names = [i.name for i in inputs]
    ages = {n: max_age.get(n, DEFAULT_MAX_AGE) if isinstance(max_age, Mapping) else max_age for n in names}
    # One collect for both: the shared scan and range checks run once (common subplans).
    usable, bad_rows = pl.collect_all(
        [
            valid.filter(pl.col(KNOWN).is_in(names)).select(ID, TIME, VALUE, KNOWN),
            refused_rows.select(ID, TIME, PARAMETER, VALUE),
        ]
    )
    wide = _carried_forward(_in_time_order(usable), names, ages, is_datetime)
    del usable  # millions of rows: free them before the points are computed
    lazy = wide.lazy().with_columns([_typed(i, pl.col(i.name)) for i in inputs])
    if desc is not None:
        # The descriptors of each patient number (a join on one row per patient), then
        # gathered by that number: no string hashing on millions of rows.
        number = pl.col(PATIENT_NUMBER)
        patients = wide.filter(number != number.shift(1).fill_null(0)).select(ID)
        aligned = patients.join(desc, on=ID, how="left", maintain_order="left")
        lazy = lazy.with_columns(
            pl.lit(aligned[c]).gather(number - 1).alias(c) for c in desc.columns if c != ID
        )
    scored = _points(definition, lazy).collect()
    del wide
    errors = pl.col(REASON).is_not_null()
    # Most often nothing is refused: the null count says so without a pass over the rows.
    some = scored[REASON].null_count() < scored.height
    refused = (
        scored.filter(errors).select(ID, TIME, REASON) if some else scored.clear().select(ID, TIME, REASON)
    )
    outputs = definition.output_columns()
    values = [i.name for i in definition.inputs if i.name in scored.columns and i.name not in outputs]
    kept = scored.filter(~errors) if some else scored
    return kept.select(ID, TIME, *outputs, *values), refused, bad_rows


def _points(
    definition: ScoreDefinition, frame: pl.LazyFrame, recheck: Sequence[ScoreInput] = ()
) -> pl.LazyFrame:
    """The definition's own component, total, extra and mortality expressions, plus a reason.

    Every value was range-checked on the way in (observations row by row, descriptors per
    patient), so only required inputs, and the ``recheck`` inputs made here (sums over the
    window), are checked; ``score_frame`` would re-check every value of every row and build a
    list per row, the slowest part on millions of rows.
    """
    frame = definition.with_missing_inputs(frame)
    required: list[pl.Expr] = [
        pl.when(pl.col(i.name).is_null()).then(pl.lit(f"{i.name}: required input is missing"))
        for i in definition.inputs
        if i.required
    ]
    required += [range_problem(item) for item in recheck]
    return definition.with_outputs(frame.with_columns(_reason(required).alias(REASON)))


def _reason(problems: Sequence[pl.Expr]) -> pl.Expr:
    """The problems of a row joined by "; ", null when it has none (a null costs nothing to
    make or to test on millions of rows; an empty string has to be built and compared)."""
    if not problems:
        return pl.lit(None, dtype=pl.String)
    if len(problems) == 1:
        return problems[0].cast(pl.String)
    joined = pl.concat_str(problems, separator="; ", ignore_nulls=True)
    return pl.when(pl.any_horizontal([p.is_not_null() for p in problems])).then(joined)
