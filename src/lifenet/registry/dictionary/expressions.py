"""The dictionary's small expression language: branching (`show_if`), cross-field checks and
calculations. Parsed here, never handed to Python's ``eval``.

Grammar::

    expr    := and ("or" and)*
    and     := atom ("and" atom)*
    atom    := "(" expr ")" | compare
    compare := operand (("==" | "!=" | "<" | "<=" | ">" | ">=") operand
                        | ["not"] "in" (list | name))
    operand := name | string | number | "true" | "false"
    list    := "[" literal ("," literal)* "]"
    call    := function "(" name ("," name)* ")"        (calculations only)

A name is a field of the same form, or ``form.field`` for a field of a related record (the
patient's birth date seen from a run). ``"code" in field`` tests a multiple-choice field.

Missing values follow REDCap's branching logic: a comparison with an empty field is false,
except ``!=`` and ``not in``, which are true. The same tree evaluates on one record (Python
values), on a whole import at once (a Polars expression) and translates to REDCap syntax.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import polars as pl

Scalar: TypeAlias = str | int | float | bool


class ExpressionError(ValueError):
    """The text is not an expression of the dictionary language."""


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Literal:
    value: Scalar


@dataclass(frozen=True)
class ListOf:
    values: tuple[Scalar, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Name | Literal
    right: Name | Literal


@dataclass(frozen=True)
class Member:
    """``left in right``: right is a list of literals or a multiple-choice field."""

    left: Name | Literal
    right: ListOf | Name
    negated: bool = False


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Name, ...]


Node: TypeAlias = Compare | Member | BoolOp
COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>-?[0-9]+(?:\.[0-9]+)?)
    | (?P<string>"[^"\\]*"|'[^'\\]*')
    | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
        kind = match.lastgroup
        assert kind is not None  # noqa: S101 - every alternative is a named group
        found.append((kind, match.group(kind)))
        pos = match.end()
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.pos += 1
        return token

    def at(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token[1] == value

    def done(self) -> None:
        token = self.peek()
        if token is not None:
            raise ExpressionError(f"unexpected {token[1]!r} in {self.text!r}")

    def expr(self) -> Node:
        items = [self.conjunction()]
        while self.at("or"):
            self.take()
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def conjunction(self) -> Node:
        items = [self.atom()]
        while self.at("and"):
            self.take()
            items.append(self.atom())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def atom(self) -> Node:
        if self.at("("):
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        left = self.operand()
        if self.at("not") or self.at("in"):
            negated = self.at("not")
            if negated:
                self.take()
            self.take("in")
            right: ListOf | Name = self.list_of() if self.at("[") else self.name()
            return Member(left, right, negated)
        token = self.take()
        if token[1] not in COMPARISONS:
            raise ExpressionError(f"expected a comparison, not {token[1]!r}, in {self.text!r}")
        return Compare(token[1], left, self.operand())

    def operand(self) -> Name | Literal:
        kind, value = self.peek() or ("", "")
        if kind == "word" and value not in ("true", "false", "and", "or", "not", "in"):
            return self.name()
        return Literal(self.literal())

    def name(self) -> Name:
        kind, value = self.take()
        if kind != "word" or value in ("true", "false", "and", "or", "not", "in"):
            raise ExpressionError(f"expected a field name, not {value!r}, in {self.text!r}")
        return Name(value)

    def literal(self) -> Scalar:
        kind, value = self.take()
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "string":
            return value[1:-1]
        if value in ("true", "false"):
            return value == "true"
        raise ExpressionError(f"expected a value, not {value!r}, in {self.text!r}")

    def list_of(self) -> ListOf:
        self.take("[")
        values = [self.literal()]
        while self.at(","):
            self.take()
            values.append(self.literal())
        self.take("]")
        return ListOf(tuple(values))

    def call(self) -> Call:
        kind, function = self.take()
        if kind != "word":
            raise ExpressionError(f"expected a function in {self.text!r}")
        self.take("(")
        args = [self.name()]
        while self.at(","):
            self.take()
            args.append(self.name())
        self.take(")")
        return Call(function, tuple(args))


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse a condition (``show_if`` or a check)."""
    parser = _Parser(text)
    node = parser.expr()
    parser.done()
    return node


@functools.lru_cache(maxsize=1024)
def parse_call(text: str) -> Call:
    """Parse a calculation: ``function(field, field…)``."""
    parser = _Parser(text)
    node = parser.call()
    parser.done()
    if node.function not in CALCULATIONS:
        raise ExpressionError(f"unknown calculation {node.function!r}; known: {sorted(CALCULATIONS)}")
    if len(node.args) != CALCULATIONS[node.function].arity:
        raise ExpressionError(f"{node.function} takes {CALCULATIONS[node.function].arity} fields")
    return node


def names(node: Node | Call) -> list[str]:
    """The field names a condition or calculation reads, in order of appearance."""
    if isinstance(node, Call):
        return [a.name for a in node.args]
    if isinstance(node, BoolOp):
        return [n for item in node.items for n in names(item)]
    parts: Sequence[Any] = (node.left, node.right)
    return [p.name for p in parts if isinstance(p, Name)]


def comparisons(node: Node) -> list[tuple[str, Scalar]]:
    """(field, literal) pairs the condition compares, to check literals against the field's type."""
    if isinstance(node, BoolOp):
        return [pair for item in node.items for pair in comparisons(item)]
    if isinstance(node, Member):
        if isinstance(node.right, Name) and isinstance(node.left, Literal):
            return [(node.right.name, node.left.value)]
        if isinstance(node.left, Name) and isinstance(node.right, ListOf):
            return [(node.left.name, v) for v in node.right.values]
        return []
    if isinstance(node.left, Name) and isinstance(node.right, Literal):
        return [(node.left.name, node.right.value)]
    if isinstance(node.right, Name) and isinstance(node.left, Literal):
        return [(node.right.name, node.left.value)]
    return []


# --- canonical text -------------------------------------------------------------------------


def _literal_text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _operand_text(operand: Name | Literal) -> str:
    return operand.name if isinstance(operand, Name) else _literal_text(operand.value)


def unparse(node: Node, *, nested: bool = False) -> str:
    """The canonical text of a condition (what ``parse`` reads back to the same tree)."""
    if isinstance(node, BoolOp):
        text = f" {node.op} ".join(unparse(item, nested=True) for item in node.items)
        return f"({text})" if nested else text
    if isinstance(node, Member):
        right = (
            node.right.name
            if isinstance(node.right, Name)
            else "[" + ", ".join(_literal_text(v) for v in node.right.values) + "]"
        )
        return f"{_operand_text(node.left)} {'not in' if node.negated else 'in'} {right}"
    return f"{_operand_text(node.left)} {node.op} {_operand_text(node.right)}"


# --- evaluation on one record ---------------------------------------------------------------


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    # A date compared with a date-time compares calendar days (the date-time's UTC day: the
    # validator passes date-times already moved to the hospital's day when it knows the zone).
    if isinstance(a, dt.datetime) and not isinstance(b, dt.datetime) and isinstance(b, dt.date):
        return a.date(), b
    if isinstance(b, dt.datetime) and not isinstance(a, dt.datetime) and isinstance(a, dt.date):
        return a, b.date()
    return a, b


def _value(operand: Name | Literal, values: Mapping[str, Any]) -> Any:
    return values.get(operand.name) if isinstance(operand, Name) else operand.value


def _compare(op: str, a: Any, b: Any) -> bool:
    a, b = _comparable(a, b)
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    try:
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    except TypeError:
        return False


def evaluate(node: Node, values: Mapping[str, Any]) -> bool:
    """Evaluate a condition on one record's typed values (missing fields absent or None)."""
    if isinstance(node, BoolOp):
        results = (evaluate(item, values) for item in node.items)
        return all(results) if node.op == "and" else any(results)
    if isinstance(node, Member):
        left = _value(node.left, values)
        if isinstance(node.right, ListOf):
            hit = left is not None and left in node.right.values
        else:
            collection = values.get(node.right.name)
            hit = left is not None and collection is not None and left in collection
        return not hit if node.negated else hit
    left, right = _value(node.left, values), _value(node.right, values)
    if left is None or right is None:
        return node.op == "!="
    return _compare(node.op, left, right)


# --- the same on a whole frame --------------------------------------------------------------


def _expr(operand: Name | Literal, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    return pl.col(operand.name) if isinstance(operand, Name) else pl.lit(operand.value)


def _aligned(node: Compare, dtypes: Mapping[str, pl.DataType]) -> tuple[pl.Expr, pl.Expr]:
    left, right = _expr(node.left, dtypes), _expr(node.right, dtypes)
    kinds = [dtypes.get(o.name) if isinstance(o, Name) else None for o in (node.left, node.right)]
    if isinstance(kinds[0], pl.Datetime) and kinds[1] == pl.Date:
        left = left.dt.date()
    if isinstance(kinds[1], pl.Datetime) and kinds[0] == pl.Date:
        right = right.dt.date()
    return left, right


def to_polars(node: Node, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    """The condition as a Polars expression over typed columns; never null."""
    if isinstance(node, BoolOp):
        parts = [to_polars(item, dtypes) for item in node.items]
        return pl.all_horizontal(parts) if node.op == "and" else pl.any_horizontal(parts)
    if isinstance(node, Member):
        if isinstance(node.right, ListOf):
            hit = _expr(node.left, dtypes).is_in(list(node.right.values))
        else:
            hit = pl.col(node.right.name).list.contains(_expr(node.left, dtypes))
        hit = hit.fill_null(False)
        return ~hit if node.negated else hit
    left, right = _aligned(node, dtypes)
    ops: dict[str, Callable[[pl.Expr, pl.Expr], pl.Expr]] = {
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
    }
    return ops[node.op](left, right).fill_null(node.op == "!=")


# --- calculations ---------------------------------------------------------------------------


def _round1(value: float) -> float:
    # Exactly what Polars' round(1) computes (half to even on value × 10), so a record and an
    # import agree to the last bit.
    return round(value * 10) / 10


_TENTH_HOUR_US = 360_000_000


def _hours_between(start: dt.datetime, end: dt.datetime) -> float:
    """Hours to 0.1 h, rounded half to even in whole microseconds (no float until the end)."""
    tenths, rest = divmod((end - start) // dt.timedelta(microseconds=1), _TENTH_HOUR_US)
    if 2 * rest > _TENTH_HOUR_US or (2 * rest == _TENTH_HOUR_US and tenths % 2 == 1):
        tenths += 1
    return tenths / 10


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _days_between(start: Any, end: Any) -> int:
    return (_as_date(end) - _as_date(start)).days


def _age_years(birth: dt.date, at: dt.date) -> int:
    return at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))


def _elso_age_group(birth: Any, at: Any) -> str | None:
    """ELSO age groups (clinical-scores.md §1.1, Barbaro 2015 PMC4435456): neonatal 0–28 days,
    pediatric 29 days to < 18 years, adult ≥ 18 years."""
    days = _days_between(birth, at)
    if days < 0:
        return None
    if days <= 28:
        return "neonate"
    return "pediatric" if _age_years(_as_date(birth), _as_date(at)) < 18 else "adult"


def _date_expr(column: str, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    return pl.col(column).dt.date() if isinstance(dtypes.get(column), pl.Datetime) else pl.col(column)


def _pl_days(a: str, b: str, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    return (_date_expr(b, dtypes) - _date_expr(a, dtypes)).dt.total_days()


def _pl_age_group(a: str, b: str, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    birth, at = _date_expr(a, dtypes), _date_expr(b, dtypes)
    days = _pl_days(a, b, dtypes)
    before_birthday = (at.dt.month().cast(pl.Int32) * 100 + at.dt.day().cast(pl.Int32)) < (
        birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)
    )
    years = at.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)
    return (
        pl.when(days.is_null() | (days < 0))
        .then(pl.lit(None, pl.String))
        .when(days <= 28)
        .then(pl.lit("neonate"))
        .when(years < 18)
        .then(pl.lit("pediatric"))
        .otherwise(pl.lit("adult"))
    )


def _pl_hours(a: str, b: str, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    micro = (pl.col(b) - pl.col(a)).dt.total_microseconds()
    tenths = micro.floordiv(_TENTH_HOUR_US)
    rest = micro - tenths * _TENTH_HOUR_US
    up = (2 * rest > _TENTH_HOUR_US) | ((2 * rest == _TENTH_HOUR_US) & ((tenths % 2).abs() == 1))
    rounded = (tenths + up.cast(pl.Int64)).cast(pl.Float64)
    # Polars divides by a scalar through its reciprocal (x × 0.1 is not x / 10 to the last
    # bit); dividing by a column of tens divides exactly, as Python does.
    return rounded / (tenths * 0 + 10).cast(pl.Float64)


def _pl_ratio(a: str, b: str, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    return pl.when(pl.col(b) != 0).then(pl.col(a) / pl.col(b)).round(1)


@dataclass(frozen=True)
class Calculation:
    arity: int
    python: Callable[..., Any]
    polars: Callable[[str, str, Mapping[str, pl.DataType]], pl.Expr]
    dtype: pl.DataType
    json_type: type
    doc: str


CALCULATIONS: dict[str, Calculation] = {
    "hours_between": Calculation(
        2,
        _hours_between,
        _pl_hours,
        pl.Float64(),
        float,
        "hours from the first date-time to the second, to 0.1 h",
    ),
    "days_between": Calculation(
        2, _days_between, _pl_days, pl.Int64(), int, "whole calendar days from the first date to the second"
    ),
    "elso_age_group": Calculation(
        2,
        _elso_age_group,
        _pl_age_group,
        pl.String(),
        str,
        "ELSO age group at the second date for a birth on the first",
    ),
    "ratio": Calculation(
        2,
        lambda a, b: _round1(a / b) if b else None,
        _pl_ratio,
        pl.Float64(),
        float,
        "the first value divided by the second, to 0.1",
    ),
}


def calculate(call: Call, values: Mapping[str, Any]) -> Any:
    """Compute a calculated field from one record's typed values; None when an input is missing."""
    args = [values.get(a.name) for a in call.args]
    if any(a is None for a in args):
        return None
    return CALCULATIONS[call.function].python(*args)


def calculate_polars(call: Call, dtypes: Mapping[str, pl.DataType]) -> pl.Expr:
    a, b = (arg.name for arg in call.args)
    return CALCULATIONS[call.function].polars(a, b, dtypes).cast(CALCULATIONS[call.function].dtype)
