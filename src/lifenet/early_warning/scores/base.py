"""Shared machinery for score definitions.

A score is data — its inputs (units, plausible ranges, choices) and its point tables — plus
Polars expressions built from that data. The single-patient path runs the very same
expressions on a one-row frame, so every point table exists exactly once and the batch and
single-patient results cannot drift apart.

Conventions every score module follows:

* Inputs are plain columns named after ``ScoreInput.name`` in the unit ``ScoreInput.unit``.
  Values outside ``[minimum, maximum]`` are *impossible* (HR 0, SpO2 140, FiO2 21 when the unit
  is a fraction) and are refused, never silently scored.
* A missing optional input scores as normal (0 points) — the usual rule of the published
  scores; the score's ``missing_rule`` text says so, or says otherwise.
* ``Band`` rows are ``lower <= x < upper`` by default; set ``lower_inclusive`` /
  ``upper_inclusive`` where the paper's wording ("> 140") needs the other side.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from lifenet.lib.errors import FieldError, InvalidInput

InputKind = Literal["number", "integer", "boolean", "choice"]

ERRORS_COLUMN = "_errors"
YES_TEXT = ("1", "true", "yes", "y")
NO_TEXT = ("0", "false", "no", "n")
TOTAL_COLUMN = "total"
MORTALITY_COLUMN = "predicted_mortality"

# Derived values (ratios, a computed MAP) are rounded to 6 decimals so that, e.g., PaO2 42.2 /
# FiO2 0.211 is 200 and not 200.00000000000003, and a band edge scores as the paper says.
DERIVED_DECIMALS = 6
PF_RATIO = (pl.col("pao2") / pl.col("fio2")).round(DERIVED_DECIMALS)
"""PaO2 (mmHg) / FiO2 (fraction), from the inputs ``pao2`` and ``fio2``."""


@dataclass(frozen=True)
class ScoreInput:
    """One value a score reads, with the unit it must be given in."""

    name: str
    label_en: str
    label_zh: str
    kind: InputKind = "number"
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    required: bool = False
    help_en: str = ""
    help_zh: str = ""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": {"en": self.label_en, "zh": self.label_zh},
            "type": self.kind,
            "unit": self.unit,
            "range": [self.minimum, self.maximum],
            "choices": list(self.choices),
            "required": self.required,
            "help": {"en": self.help_en, "zh": self.help_zh},
        }

    def read_column(self, dtype: pl.DataType) -> pl.Expr:
        """The input's column (of ``dtype``, as read from a file) as this input's type; a value
        that cannot be read becomes null — compare with the column to report it."""
        col = pl.col(self.name)
        if self.kind == "boolean" and dtype == pl.String:
            text = col.str.strip_chars().str.to_lowercase()
            return (
                pl.when(text.is_in(YES_TEXT))
                .then(True)
                .when(text.is_in(NO_TEXT))
                .then(False)
                .alias(self.name)
            )
        if self.kind == "integer":
            number = col.cast(pl.Float64, strict=False)
            return pl.when(number == number.round(0)).then(number.cast(pl.Int64)).alias(self.name)
        return col.cast(self.polars_dtype(), strict=False).alias(self.name)

    def polars_dtype(self) -> pl.DataType:
        if self.kind == "integer":
            return pl.Int64()
        if self.kind == "boolean":
            return pl.Boolean()
        if self.kind == "choice":
            return pl.String()
        return pl.Float64()


@dataclass(frozen=True)
class Band:
    """A row of a point table: ``points`` when the value lies in the band."""

    lower: float | None
    upper: float | None
    points: float
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def condition(self, value: pl.Expr) -> pl.Expr:
        cond = pl.lit(True)
        if self.lower is not None:
            cond = cond & (value >= self.lower if self.lower_inclusive else value > self.lower)
        if self.upper is not None:
            cond = cond & (value <= self.upper if self.upper_inclusive else value < self.upper)
        return cond


# --- band builders: papers write every cut-off as >=, >, <=, < or "lower-upper" -------------
def at_least(value: float, points: float) -> Band:
    """ ">= value" (the value itself scores)."""
    return Band(value, None, points)


def above(value: float, points: float) -> Band:
    """ "> value" (the value itself does not score)."""
    return Band(value, None, points, lower_inclusive=False)


def at_most(value: float, points: float) -> Band:
    """ "<= value" (the value itself scores)."""
    return Band(None, value, points, upper_inclusive=True)


def below(value: float, points: float) -> Band:
    """ "< value" (the value itself does not score)."""
    return Band(None, value, points)


def between(lower: float, upper: float, points: float) -> Band:
    """ "lower-upper", both ends included."""
    return Band(lower, upper, points, upper_inclusive=True)


def banded(value: str | pl.Expr, bands: Sequence[Band], missing: float = 0) -> pl.Expr:
    """Points for ``value`` from a band table; ``missing`` when the value is null.

    The first matching band wins, so tables may list overlapping bands in priority order.
    """
    expr = pl.col(value) if isinstance(value, str) else value
    out: Any = pl.when(expr.is_null()).then(pl.lit(float(missing)))
    for band in bands:
        out = out.when(band.condition(expr)).then(pl.lit(float(band.points)))
    result: pl.Expr = out.otherwise(pl.lit(float(missing)))
    return result


def flag(value: str | pl.Expr, points: float = 1.0) -> pl.Expr:
    """``points`` when a yes/no input is true, else 0 (missing counts as no)."""
    expr = pl.col(value) if isinstance(value, str) else value
    return pl.when(expr.fill_null(False)).then(pl.lit(float(points))).otherwise(pl.lit(0.0))


def choice_points(name: str, points: Mapping[str, float]) -> pl.Expr:
    """Points of a choice input from its table; a missing choice scores 0 (choices are
    validated before scoring, so every given code is in the table).

    A chain of equality tests, not ``replace_strict``: a handful of choices compare several
    times faster than a hash lookup per row, and a column that is all null costs nothing."""
    column = pl.col(name)
    out: Any = pl
    for code, value in points.items():
        out = out.when(column == code).then(pl.lit(float(value)))
    if out is pl:
        return pl.lit(0.0)
    result: pl.Expr = out.otherwise(pl.lit(0.0))
    return result


def by_group(
    value: str | pl.Expr, group_of: str, groups: Sequence[Band], tables: Sequence[Sequence[Band]]
) -> pl.Expr:
    """Points of ``value`` from the table of the group (an age band …) ``group_of`` falls in;
    0 when either is missing."""
    key = pl.col(group_of)
    out: Any = pl.when(key.is_null()).then(pl.lit(0.0))
    for group, table in zip(groups, tables, strict=True):
        out = out.when(group.condition(key)).then(banded(value, table))
    result: pl.Expr = out.otherwise(pl.lit(0.0))
    return result


RiskClass = tuple[str, float | None, float]
"""A risk class: its name, the lowest total in it (None for the last), and a class figure
(e.g. the observed survival of the derivation cohort)."""


def risk_class(classes: Sequence[RiskClass]) -> pl.Expr:
    """The class of the total: the first class whose lowest total it reaches."""
    total = pl.col(TOTAL_COLUMN)
    out: Any = pl
    for name, lowest, _ in classes[:-1]:
        out = out.when(total >= lowest).then(pl.lit(name))
    result: pl.Expr = out.otherwise(pl.lit(classes[-1][0]))
    return result


def class_figure(classes: Sequence[RiskClass]) -> pl.Expr:
    """The class figure (third element) of the total's class."""
    figures = {name: value for name, _, value in classes}
    return risk_class(classes).replace_strict(figures, return_dtype=pl.Float64)


def number(
    name: str,
    en: str,
    zh: str,
    unit: str,
    low: float,
    high: float,
    *,
    required: bool = False,
    help_en: str = "",
    help_zh: str = "",
) -> ScoreInput:
    """A numeric input with its unit and plausible range."""
    return ScoreInput(
        name,
        en,
        zh,
        unit=unit,
        minimum=low,
        maximum=high,
        required=required,
        help_en=help_en,
        help_zh=help_zh,
    )


def yes_no(name: str, en: str, zh: str, help_en: str = "", help_zh: str = "") -> ScoreInput:
    """A yes/no input (missing counts as no, see :func:`flag`)."""
    return ScoreInput(name, en, zh, kind="boolean", help_en=help_en, help_zh=help_zh)


def range_problem(item: ScoreInput) -> pl.Expr:
    """The message for a value outside the input's plausible range, else null."""
    col, unit = pl.col(item.name), f" {item.unit}" if item.unit else ""
    got = pl.lit(" (got ") + col.cast(pl.String) + pl.lit(")")
    low = col < (item.minimum if item.minimum is not None else float("-inf"))
    high = col > (item.maximum if item.maximum is not None else float("inf"))
    minimum = f"{item.minimum:g}" if item.minimum is not None else ""
    maximum = f"{item.maximum:g}" if item.maximum is not None else ""
    return (
        pl.when(low)
        .then(pl.lit(f"{item.name}: below the plausible minimum {minimum}{unit}") + got)
        .when(high)
        .then(pl.lit(f"{item.name}: above the plausible maximum {maximum}{unit}") + got)
    )


def logistic(logit: pl.Expr) -> pl.Expr:
    """Probability from a logit: 1 / (1 + e^-logit)."""
    return 1.0 / (1.0 + (-logit).exp())


@dataclass(frozen=True)
class Component:
    """One scored item: its points come from ``points``, a Polars expression over the inputs."""

    name: str
    label_en: str
    label_zh: str
    points: pl.Expr
    explain_en: str = ""
    explain_zh: str = ""


def constant_component(value: float) -> Component:
    """A model's constant term, shown as its own line so every result explains it."""
    return Component(
        "constant",
        "Constant",
        "常数项",
        pl.lit(float(value)),
        explain_en="Added to every patient's total.",
        explain_zh="每位患者的总分均加上此常数。",
    )


@dataclass(frozen=True)
class InputProblem:
    """Why one input value was refused: names the input and the rule broken."""

    input: str
    rule: str
    message: str


class ScoreInputError(InvalidInput):
    """Raised by the single-patient path when any input is refused: an ``InvalidInput`` with
    one error per refused input (field = the input, its rule, the message), so the API answers
    it as it answers any refused input."""

    def __init__(self, problems: Sequence[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__(*(FieldError(p.input, p.rule, p.message) for p in self.problems))

    def __str__(self) -> str:
        return "; ".join(p.message for p in self.problems)


@dataclass(frozen=True)
class ScoreResult:
    """One patient's score: total, every component and the predicted mortality if defined."""

    name: str
    total: float
    components: dict[str, float]
    predicted_mortality: float | None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ScoreDefinition:
    """Everything a score is: inputs, point tables (as component expressions), source.

    ``total`` defaults to the sum of the components. ``mortality`` (optional) is an
    expression over the inputs and the ``total`` column giving the predicted probability of
    death. ``extras`` are further output columns (e.g. a logit or a risk class), computed
    after ``total``.
    """

    name: str
    title_en: str
    title_zh: str
    source: str
    licence: str
    population: str
    inputs: tuple[ScoreInput, ...]
    components: tuple[Component, ...]
    missing_rule: str = "A missing input scores 0 points (treated as normal)."
    missing_rule_zh: str = "缺失的输入计0分（视为正常）。"
    population_zh: str = ""
    """``population`` in Chinese."""
    total: pl.Expr | None = None
    mortality: pl.Expr | None = None
    extras: Mapping[str, pl.Expr] = field(default_factory=dict)
    notes: str = ""
    per_time: bool = False

    # ----- describing -------------------------------------------------------------------
    def input(self, name: str) -> ScoreInput:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)

    def reads(self, component: Component) -> list[ScoreInput]:
        """The inputs ``component``'s points are computed from, in the order of ``inputs``."""
        names = set(component.points.meta.root_names())
        return [i for i in self.inputs if i.name in names]

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": {"en": self.title_en, "zh": self.title_zh},
            "source": self.source,
            "licence": self.licence,
            "population": self.population,
            "population_zh": self.population_zh,
            "missing_rule": self.missing_rule,
            "missing_rule_zh": self.missing_rule_zh,
            "notes": self.notes,
            "inputs": [i.describe() for i in self.inputs],
            "components": [
                {"name": c.name, "label": {"en": c.label_en, "zh": c.label_zh}} for c in self.components
            ],
            "outputs": self.output_columns(),
            "predicts_mortality": self.mortality is not None,
        }

    def output_columns(self) -> list[str]:
        cols = [c.name for c in self.components] + [TOTAL_COLUMN]
        cols += list(self.extras)
        if self.mortality is not None:
            cols.append(MORTALITY_COLUMN)
        return cols

    # ----- validation -------------------------------------------------------------------
    def _problem_exprs(self, present: set[str]) -> list[pl.Expr]:
        exprs: list[pl.Expr] = []
        for item in self.inputs:
            if item.name not in present:
                if item.required:
                    exprs.append(pl.lit(f"{item.name}: required input is missing"))
                continue
            col = pl.col(item.name)
            if item.required:
                exprs.append(pl.when(col.is_null()).then(pl.lit(f"{item.name}: required input is missing")))
            if item.kind in ("number", "integer"):
                exprs.append(range_problem(item))
            if item.kind == "choice" and item.choices:
                allowed = ", ".join(item.choices)
                exprs.append(
                    pl.when(col.is_not_null() & ~col.is_in(list(item.choices))).then(
                        pl.lit(f"{item.name}: not one of {allowed} (got ") + col.cast(pl.String) + pl.lit(")")
                    )
                )
        return exprs

    def with_problems(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """Add ``_errors`` (list of messages, empty when the row is valid)."""
        exprs = self._problem_exprs(set(frame.collect_schema().names()))
        if not exprs:
            return frame.with_columns(pl.lit([], dtype=pl.List(pl.String)).alias(ERRORS_COLUMN))
        return frame.with_columns(pl.concat_list(exprs).list.drop_nulls().alias(ERRORS_COLUMN))

    # ----- scoring ----------------------------------------------------------------------
    def with_missing_inputs(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        """Null columns for the inputs the frame does not have."""
        names = set(frame.collect_schema().names())
        missing = [
            pl.lit(None, dtype=i.polars_dtype()).alias(i.name) for i in self.inputs if i.name not in names
        ]
        return frame.with_columns(missing) if missing else frame

    def score_frame(self, frame: pl.DataFrame | pl.LazyFrame) -> pl.LazyFrame:
        """Score every row. Invalid rows keep null scores and their ``_errors`` list."""
        lazy = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
        lazy = self.with_problems(self.with_missing_inputs(lazy))
        return self.with_outputs(lazy, valid=pl.col(ERRORS_COLUMN).list.len() == 0)

    def with_outputs(
        self, frame: pl.LazyFrame, *, valid: pl.Expr | None = None, components: bool = True
    ) -> pl.LazyFrame:
        """The component, total, extra and mortality columns (null where ``valid`` is false).

        ``components=False`` keeps component columns the frame already holds (the batch path
        puts the worst of two sides there).
        """

        def gated(expr: pl.Expr) -> pl.Expr:
            return expr if valid is None else pl.when(valid).then(expr)

        if components:
            frame = frame.with_columns([gated(c.points).alias(c.name) for c in self.components])
        total = self.total if self.total is not None else pl.sum_horizontal([c.name for c in self.components])
        frame = frame.with_columns(gated(total).alias(TOTAL_COLUMN))
        if self.extras:
            frame = frame.with_columns([gated(e).alias(n) for n, e in self.extras.items()])
        if self.mortality is not None:
            frame = frame.with_columns(gated(self.mortality).alias(MORTALITY_COLUMN))
        return frame

    def score_one(self, values: Mapping[str, Any]) -> ScoreResult:
        """Score one patient; raise ``ScoreInputError`` naming every refused input."""
        problems = self._coerce_problems(values)
        bad = {p.input for p in problems}
        row = {i.name: None if i.name in bad else _coerce(i, values.get(i.name)) for i in self.inputs}
        schema = {i.name: i.polars_dtype() for i in self.inputs}
        out = self.score_frame(pl.DataFrame([row], schema=schema)).collect().row(0, named=True)
        problems += [_problem_from_message(m) for m in out[ERRORS_COLUMN] if m.split(":", 1)[0] not in bad]
        if problems:
            raise ScoreInputError(problems)
        mortality = out.get(MORTALITY_COLUMN) if self.mortality is not None else None
        return ScoreResult(
            name=self.name,
            total=float(out[TOTAL_COLUMN]),
            components={c.name: float(out[c.name]) for c in self.components},
            predicted_mortality=None if mortality is None else float(mortality),
            extras={n: out[n] for n in self.extras},
        )

    def _coerce_problems(self, values: Mapping[str, Any]) -> list[InputProblem]:
        known = {i.name for i in self.inputs}
        problems = [
            InputProblem(name, "unknown", f"{name}: not an input of {self.name}")
            for name in values
            if name not in known
        ]
        for item in self.inputs:
            try:
                _coerce(item, values.get(item.name))
            except (TypeError, ValueError):
                problems.append(
                    InputProblem(
                        item.name, "type", f"{item.name}: expected {item.kind}, got {values[item.name]!r}"
                    )
                )
        return problems


_RULES = (("required", "required"), ("minimum", "minimum"), ("maximum", "maximum"), ("not one of", "choice"))


def _problem_from_message(message: str) -> InputProblem:
    """Rebuild a structured problem from a batch ``_errors`` message (``"input: text"``)."""
    name, _, text = message.partition(":")
    rule = next((r for key, r in _RULES if key in text), "invalid")
    return InputProblem(name, rule, message)


def _coerce(item: ScoreInput, value: Any) -> Any:
    if value is None or value == "":
        return None
    if item.kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in YES_TEXT:
            return True
        if text in NO_TEXT:
            return False
        raise ValueError(value)
    if item.kind == "choice":
        return str(value)
    if isinstance(value, bool):
        raise TypeError(value)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    if item.kind == "integer":
        if number != int(number):
            raise ValueError(value)
        return int(number)
    return number
