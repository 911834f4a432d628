"""Validation of a whole file at once (imports, the data-quality pass), with Polars: the rules of
:mod:`lifenet.registry.validation` (same order, same messages), each evaluated on whole columns.

``validate_frame`` returns the cleaned, typed frame and one issue row per broken rule
(``ISSUE_SCHEMA``: row, field, value, rule, message, severity).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from lifenet.registry.dictionary import Dictionary, Field, Form, load_dictionary
from lifenet.registry.dictionary import expressions as ex
from lifenet.registry.validation import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    DECIMAL_PATTERN,
    INTEGER_PATTERN,
    MESSAGES,
    NO,
    SPLIT_PATTERN,
    YES,
    field_error,
)

ROW = "row"
ISSUE_SCHEMA = {
    "row": pl.Int64,
    "field": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "message": pl.String,
    "severity": pl.String,
}


def polars_dtype(field: Field) -> pl.DataType:
    """The column type of a field in a cleaned frame."""
    if field.calc is not None:
        return ex.CALCULATIONS[ex.parse_call(field.calc).function].dtype
    if field.is_list:
        return pl.List(pl.String)
    kinds: dict[str, pl.DataType] = {
        "integer": pl.Int64(),
        "decimal": pl.Float64(),
        "date": pl.Date(),
        "datetime": pl.Datetime("us", "UTC"),
        "yesno": pl.Boolean(),
    }
    return kinds.get(field.type, pl.String())


def _stripped(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text)


def _pl_number(column: str, dtype: pl.DataType, integer: bool) -> pl.Expr:
    if dtype.is_integer():
        return pl.col(column).cast(pl.Int64 if integer else pl.Float64)
    if dtype.is_float():
        value = pl.col(column).cast(pl.Float64)
        # Python writes a float from 1e16 up with an exponent, which no integer pattern reads.
        whole = (value.round(0) == value) & (value.abs() < 1e16)
        ok = value.is_finite() & (whole if integer else pl.lit(True))
        return pl.when(ok).then(value.cast(pl.Int64, strict=False) if integer else value)
    text = _stripped(column)
    if integer:
        return pl.when(text.str.contains(f"^{INTEGER_PATTERN}$")).then(
            text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)
        )
    value = pl.when(text.str.contains(f"^{DECIMAL_PATTERN}$")).then(text.cast(pl.Float64, strict=False))
    return pl.when(value.is_finite()).then(value)


def _pl_date(column: str, dtype: pl.DataType, plain: bool = False) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime):
        value = pl.col(column)
        ok = value.dt.time() == dt.time() if dtype.time_zone is None else pl.lit(False)
        return pl.when(ok).then(value.dt.date())
    if plain:
        return _stripped(column).str.to_date("%Y-%m-%d", strict=False)
    parts = pl.col(_parts_col(column))
    iso = pl.concat_str(
        [parts.struct[0], parts.struct[1].str.zfill(2), parts.struct[2].str.zfill(2)], separator="-"
    )
    return iso.str.to_date("%Y-%m-%d", strict=False)


def _localize_hours(naive: pl.Series, tz: str) -> pl.Series:
    """Wall-clock times of the zone as UTC (null in a gap; the earlier of an ambiguous hour).

    Polars resolves the zone for every value, which is slow; the offset is the same for a
    whole hour (zones change offset on the hour), so it is resolved once per distinct hour."""
    hours = naive.dt.truncate("1h")
    keys = hours.unique().drop_nulls()
    local = keys.dt.replace_time_zone(tz, non_existent="null", ambiguous="earliest")
    offsets = keys - local.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    table = pl.DataFrame({"key": keys, "offset": offsets})
    offset = pl.DataFrame({"key": hours}).join(table, on="key", how="left", maintain_order="left")["offset"]
    return (naive - offset).dt.replace_time_zone("UTC")


def _parts_col(column: str) -> str:
    return f"__parts__{column}"


# The shapes nearly every file uses (ISO dates, and date-times to the minute without an
# offset): a column whose every value has one is read by one fixed format, not in pieces.
PLAIN_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PLAIN_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ](?:[01][0-9]|2[0-3]):[0-5][0-9]$"


def _with_parts(form: Form, dictionary: Dictionary, frame: pl.DataFrame) -> tuple[pl.DataFrame, set[str]]:
    """The pieces of every date and date-time string, matched once (an expression that uses
    them seven times would otherwise match seven times), and the columns in the plain shape,
    which need no pieces."""
    parts, plain = [], set()
    for column, dtype in frame.schema.items():
        field = dictionary.resolve(column) if "." in column else form.get(column)
        if field is None or field.type not in ("date", "datetime") or dtype != pl.String:
            continue
        text = _stripped(column)
        shape = PLAIN_DATE if field.type == "date" else PLAIN_DATETIME
        if frame.select((text.is_null() | text.str.contains(shape)).all()).item():
            plain.add(column)
            continue
        pattern = DATE_PATTERN if field.type == "date" else DATETIME_PATTERN
        parts.append(text.str.extract_groups(f"^{pattern}$").alias(_parts_col(column)))
    return frame.with_columns(parts), plain


def _pl_datetime(column: str, dtype: pl.DataType, plain: bool = False) -> tuple[pl.Expr, pl.Expr]:
    """(wall-clock time given without offset, UTC time of one given with an offset)."""
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return pl.lit(None, pl.Datetime("us")), pl.col(column).dt.convert_time_zone("UTC")
        return pl.col(column).cast(pl.Datetime("us")), pl.lit(None, pl.Datetime("us", "UTC"))
    if plain:
        text = _stripped(column).str.replace("T", " ", literal=True)
        naive = text.str.to_datetime("%Y-%m-%d %H:%M", time_unit="us", strict=False)
        return naive, pl.lit(None, pl.Datetime("us", "UTC"))
    parts = pl.col(_parts_col(column))
    naive = pl.concat_str(
        [
            parts.struct[0],
            pl.lit("-"),
            parts.struct[1].str.zfill(2),
            pl.lit("-"),
            parts.struct[2].str.zfill(2),
            pl.lit("T"),
            parts.struct[3].str.zfill(2),
            pl.lit(":"),
            parts.struct[4],
            pl.lit(":"),
            parts.struct[5].fill_null("00"),
            pl.lit("."),
            parts.struct[6].fill_null("0").str.pad_end(6, "0"),
        ]
    ).str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", strict=False)
    offset = parts.struct[7]
    digits = offset.str.replace(":", "")
    minutes = (digits.str.slice(1, 2).cast(pl.Int64, strict=False) * 60) + digits.str.slice(3, 2).cast(
        pl.Int64, strict=False
    )
    signed = (
        pl.when(offset == "Z").then(0).when(offset.str.starts_with("-")).then(-minutes).otherwise(minutes)
    )
    utc = (naive - pl.duration(minutes=signed)).dt.replace_time_zone("UTC")
    return pl.when(offset.is_null()).then(naive), utc


def _read_datetimes(frame: pl.DataFrame, columns: list[str], tz: str | None) -> pl.DataFrame:
    """Turn the (wall-clock, UTC) parts of date-time columns into one value in the hospital's
    zone, and a flag for wall-clock times that need a zone (none given, or a DST gap)."""
    zone = tz or "UTC"
    updates = []
    for column in columns:
        naive = frame[f"__naive__{column}"]
        local = (
            _localize_hours(naive, tz)
            if tz
            else pl.Series(naive.name, [None] * len(naive), pl.Datetime("us", "UTC"))
        )
        value = frame[f"__utc__{column}"].fill_null(local).dt.convert_time_zone(zone)
        updates += [value.alias(column), (naive.is_not_null() & local.is_null()).alias(f"__zone__{column}")]
    return frame.with_columns(updates).drop([f"__{p}__{c}" for c in columns for p in ("naive", "utc")])


def _pl_yesno(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return pl.col(column)
    text = _stripped(column).str.to_lowercase()
    mapping = dict.fromkeys(YES, True) | dict.fromkeys(NO, False)
    return text.replace_strict(mapping, default=None, return_dtype=pl.Boolean)


def _pl_codes(column: str, dtype: pl.DataType, upper: bool) -> pl.Expr:
    if isinstance(dtype, pl.List):
        parts = pl.col(column).cast(pl.List(pl.String))
    else:
        parts = _stripped(column).str.replace_all(SPLIT_PATTERN, "|").str.split("|")
    part = pl.element().str.strip_chars()
    cased = part.str.to_uppercase() if upper else part.str.to_lowercase()
    unique = parts.list.eval(cased.filter(part != "")).list.unique(maintain_order=True)
    return pl.when(unique.list.len() > 0).then(unique)


def _pl_coerce(field: Field, dtype: pl.DataType, tz: str | None, plain: bool = False) -> pl.Expr:
    """The typed value of a raw column (date-times: see ``_pl_datetime``)."""
    name, kind = field.name, field.type
    if dtype == pl.Null:
        return pl.lit(None, _working_dtype(field, tz))
    if kind in ("integer", "decimal"):
        return _pl_number(name, dtype, kind == "integer")
    if kind == "date":
        return _pl_date(name, dtype, plain)
    if kind == "yesno":
        return _pl_yesno(name, dtype)
    if field.is_list:
        return _pl_codes(name, dtype, upper=kind == "code")
    text = _stripped(name)
    if kind == "choice":
        return text.str.to_lowercase()
    return text.str.to_uppercase() if kind == "code" else text


def _pl_read(
    field: Field, column: str, dtype: pl.DataType, tz: str | None, plain: bool
) -> tuple[list[pl.Expr], bool]:
    """Expressions reading a column as the field's type (``plain``: a date or date-time column
    in the plain shape); True when it is a date-time read in two steps (``_read_datetimes``)."""
    if field.type == "datetime" and dtype != pl.Null:
        naive, utc = _pl_datetime(column, dtype, plain)
        return [naive.alias(f"__naive__{column}"), utc.alias(f"__utc__{column}")], True
    typed = _pl_coerce(field.model_copy(update={"name": column}), dtype, tz, plain)
    return [typed.alias(column), pl.lit(False).alias(f"__zone__{column}")], False


def _working_dtype(field: Field, tz: str | None) -> pl.DataType:
    if field.type == "datetime":
        return pl.Datetime("us", tz or "UTC")
    return polars_dtype(field)


def _present(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.String:
        return _stripped(column).is_not_null()
    if isinstance(dtype, pl.List):
        return pl.col(column).list.len() > 0
    return pl.col(column).is_not_null()


def _pl_value_rule(field: Field, dictionary: Dictionary, today: dt.date) -> pl.Expr:
    """The first rule the typed column breaks (format … future), or null."""
    col = pl.col(field.name)
    rules: list[tuple[str, pl.Expr]] = []
    if field.pattern:
        pattern = f"^(?:{field.pattern.removeprefix('^').removesuffix('$')})$"
        ok = (
            col.list.eval(pl.element().str.contains(pattern)).list.all()
            if field.is_list
            else col.str.contains(pattern)
        )
        rules.append(("format", ~ok))
    if field.max_length is not None:
        rules.append(("max_length", col.str.len_chars() > field.max_length))
    codelist = dictionary.codelist_of(field)
    if codelist is not None:
        codes = list(codelist.codes)
        ok = col.list.eval(pl.element().is_in(codes)).list.all() if field.is_list else col.is_in(codes)
        rules.append(("code", ~ok))
    if field.min is not None or field.max is not None:
        low = col < field.min if field.min is not None else pl.lit(False)
        high = col > field.max if field.max is not None else pl.lit(False)
        rules.append(("range", low | high))
    if field.type in ("date", "datetime") and not field.allow_future:
        day = col.dt.date() if field.type == "datetime" else col
        rules.append(("future", day > pl.lit(today)))
    result: pl.Expr = pl.lit(None, pl.String)
    for rule, broken in reversed(rules):
        result = pl.when(col.is_not_null() & broken.fill_null(False)).then(pl.lit(rule)).otherwise(result)
    return result


def _rule_col(name: str) -> str:
    return f"__rule__{name}"


def _raw_col(name: str) -> str:
    return f"__raw__{name}"


def _read_frame(
    form: Form, dictionary: Dictionary, frame: pl.DataFrame, tz: str | None, today: dt.date
) -> pl.DataFrame:
    """Typed columns, the first broken rule of each field and the raw text, for every field."""
    # Each parse is a column of its own, read once, before the rules look at it.
    frame, plain = _with_parts(form, dictionary, frame)
    reads: list[pl.Expr] = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)]
    rules: list[pl.Expr] = []
    datetimes: list[str] = []
    for field in form.fields:
        if field.calc is not None:
            continue
        name = field.name
        if name in frame.columns:
            dtype = frame.schema[name]
            exprs, two_steps = _pl_read(field, name, dtype, tz, name in plain)
            datetimes += [name] if two_steps else []
            raw = (
                pl.col(name).cast(pl.List(pl.String)).list.join("|")
                if isinstance(dtype, pl.List)
                else pl.col(name).cast(pl.String)
            )
            reads += [*exprs, _present(name, dtype).alias(f"__present__{name}"), raw.alias(_raw_col(name))]
            broken = (
                pl.when(pl.col(f"__zone__{name}"))
                .then(pl.lit("timezone"))
                .when(pl.col(f"__present__{name}") & pl.col(name).is_null())
                .then(pl.lit("type"))
                .otherwise(None)
            )
        else:
            reads += [
                pl.lit(None, _working_dtype(field, tz)).alias(name),
                pl.lit(None, pl.String).alias(_raw_col(name)),
            ]
            broken = pl.lit(None, pl.String)
        rules.append(pl.coalesce(broken, _pl_value_rule(field, dictionary, today)).alias(_rule_col(name)))
    context, context_datetimes = _pl_context(form, dictionary, frame, tz, plain)
    typed = _read_datetimes(frame.select(reads + context), datetimes + context_datetimes, tz)
    typed = typed.with_columns(rules)
    helpers = [c for c in typed.columns if c.startswith(("__zone__", "__present__"))]
    # A value that breaks a rule takes no further part (as in a record).
    return typed.drop(helpers).with_columns(
        pl.when(pl.col(_rule_col(f.name)).is_null()).then(pl.col(f.name)).alias(f.name)
        for f in form.fields
        if f.calc is None
    )


def _pl_context(
    form: Form, dictionary: Dictionary, frame: pl.DataFrame, tz: str | None, plain: set[str]
) -> tuple[list[pl.Expr], list[str]]:
    """Related records' fields given as ``form.field`` columns (the patient's birth date);
    null columns for those the form reads but the file does not give."""
    exprs: list[pl.Expr] = []
    datetimes: list[str] = []
    for column in dict.fromkeys([c for c in frame.columns if "." in c] + form.related_names()):
        field = dictionary.resolve(column)
        if field is None:
            continue
        if column in frame.columns:
            found, two_steps = _pl_read(field, column, frame.schema[column], tz, column in plain)
            exprs += found
            datetimes += [column] if two_steps else []
        else:
            exprs.append(pl.lit(None, _working_dtype(field, tz)).alias(column))
    return exprs, datetimes


def _walk_frame(
    form: Form, dictionary: Dictionary, frame: pl.DataFrame, confirmed_soft: set[str] | frozenset[str]
) -> tuple[pl.DataFrame, list[tuple[str, str, str]]]:
    """The ordered pass on columns; returns the frame and (field, rule-column, severity) issues."""
    issues: list[tuple[str, str, str]] = []
    # One lazy plan, collected once; the column types are known as it grows.
    dtypes = dict(frame.schema)
    lazy = frame.lazy()
    for field in form.fields:
        name = field.name
        if field.calc is not None:
            call = ex.parse_call(field.calc)
            lazy = lazy.with_columns(ex.calculate_polars(call, dtypes).alias(name))
            dtypes[name] = ex.CALCULATIONS[call.function].dtype
            continue
        shown = ex.to_polars(ex.parse(field.show_if), dtypes) if field.show_if else pl.lit(True)
        value = pl.col(name)
        rule = pl.col(_rule_col(name))
        group = _pl_group_broken(field, dictionary)
        required = pl.lit(field.required) & value.is_null() & rule.is_null()
        outcome = (
            pl.when(~shown)
            .then(pl.lit(None, pl.String))
            .when(rule.is_not_null())
            .then(rule)
            .when(group)
            .then(pl.lit("code_group"))
            .when(required)
            .then(pl.lit("required"))
        )
        soft = shown & _pl_outside_soft(field) & pl.lit(name not in confirmed_soft)
        lazy = lazy.with_columns(
            outcome.alias(_rule_col(name)),
            pl.when(soft & outcome.is_null()).then(pl.lit("soft_range")).alias(f"__soft__{name}"),
            pl.when(shown & ~group).then(value).alias(name),
        )
        dtypes[_rule_col(name)] = dtypes[f"__soft__{name}"] = pl.String()
        issues += [(name, _rule_col(name), "error"), (name, f"__soft__{name}", "warning")]
    return lazy.collect(), issues


def _pl_group_broken(field: Field, dictionary: Dictionary) -> pl.Expr:
    codelist = dictionary.codelist_of(field)
    if field.group_field is None or codelist is None:
        return pl.lit(False)
    groups = {c.code: c.group for c in codelist.choices if c.group is not None}
    group = pl.col(field.name).replace_strict(groups, default=None, return_dtype=pl.String)
    return (
        group.is_not_null() & pl.col(field.group_field).is_not_null() & (group != pl.col(field.group_field))
    ).fill_null(False)


def _pl_outside_soft(field: Field) -> pl.Expr:
    if field.type not in ("integer", "decimal"):
        return pl.lit(False)
    col = pl.col(field.name)
    low = col < field.soft_min if field.soft_min is not None else pl.lit(False)
    high = col > field.soft_max if field.soft_max is not None else pl.lit(False)
    return (low | high).fill_null(False)


def _pl_checks(form: Form, frame: pl.DataFrame) -> pl.DataFrame:
    dtypes = dict(frame.schema)
    results = []
    for index, check in enumerate(form.checks):
        node = ex.parse(check.expr)
        complete = pl.all_horizontal([pl.col(n).is_not_null() for n in ex.names(node)])
        failed = complete & ~ex.to_polars(node, dtypes)
        results.append(pl.when(failed).then(pl.lit(check.rule)).alias(f"__check__{index}"))
    return frame.with_columns(results) if results else frame


def _messages(field: Field, rows: pl.DataFrame) -> pl.Series:
    """``field_error(...).english()`` for each row, built once per rule, not once per row."""
    sentinel = "\x00"
    message = pl.lit(None, pl.String)
    for rule in rows["rule"].unique().to_list():
        before, found, after = field_error(field, rule, sentinel).english().partition(sentinel)
        value = pl.col("value").fill_null("")
        text = pl.concat_str([pl.lit(before), value, pl.lit(after)]) if found else pl.lit(before)
        message = pl.when(pl.col("rule") == rule).then(text).otherwise(message)
    return rows.select(message.alias("message"))["message"]


def _issue_frames(
    form: Form, frame: pl.DataFrame, issues: list[tuple[str, str, str]], dictionary: Dictionary
) -> pl.DataFrame:
    parts = []
    columns = [c for _, c, _ in issues] + [f"__check__{i}" for i in range(len(form.checks))]
    # Most rule columns are empty: one pass counts them, and only those with hits are filtered.
    counts = frame.select(pl.col(c).is_not_null().sum() for c in columns).row(0) if columns else ()
    hit = {c for c, n in zip(columns, counts, strict=True) if n}
    for name, column, severity in issues:
        if column not in hit:
            continue
        hits = frame.filter(pl.col(column).is_not_null())
        field = form.field(name)
        rows = hits.select(ROW, pl.col(_raw_col(name)).alias("value"), pl.col(column).alias("rule"))
        messages = _messages(field, rows)
        parts.append(
            rows.with_columns(
                pl.lit(name).alias("field"),
                messages.alias("message"),
                pl.lit(severity).alias("severity"),
            )
        )
    for index, check in enumerate(form.checks):
        column = f"__check__{index}"
        if column in hit:
            hits = frame.filter(pl.col(column).is_not_null())
            parts.append(
                hits.select(
                    ROW,
                    pl.col(_raw_col(check.field)).alias("value"),
                    pl.lit(check.rule).alias("rule"),
                    pl.lit(check.field).alias("field"),
                    pl.lit(check.message_en).alias("message"),
                    pl.lit("error").alias("severity"),
                )
            )
    if not parts:
        return pl.DataFrame(schema=ISSUE_SCHEMA)
    return pl.concat([p.select(list(ISSUE_SCHEMA)) for p in parts]).sort(ROW, maintain_order=True)


def _unknown_columns(form: Form, frame: pl.DataFrame, dictionary: Dictionary) -> pl.DataFrame:
    unknown = [
        c
        for c in frame.columns
        if form.get(c) is None and not ("." in c and dictionary.resolve(c) is not None)
    ]
    return pl.DataFrame(
        {
            "row": [None] * len(unknown),
            "field": unknown,
            "value": [None] * len(unknown),
            "rule": ["unknown_field"] * len(unknown),
            "message": [MESSAGES["unknown_field"] % {"field": c, "form": form.name} for c in unknown],
            "severity": ["error"] * len(unknown),
        },
        schema=ISSUE_SCHEMA,
    )


def validate_frame(
    form: Form | str,
    frame: pl.DataFrame,
    *,
    confirmed_soft: set[str] | frozenset[str] = frozenset(),
    today: dt.date,
    tz: str | None = None,
    dictionary: Dictionary | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Validate a whole file at once, with the rules of ``validate_record``.

    Columns are field names (any type: strings from CSV, typed from Excel or Parquet); related
    records' fields may be joined in as ``form.field`` columns (``patient.birth_date``).
    Returns the cleaned frame (one typed column per field of the form, calculated ones
    included; date-times in UTC; refused and hidden values null) and the issues: one row per
    problem with ``row`` (1 = the first data row; null for a whole column), ``field``,
    ``value`` (as given), ``rule``, ``message`` and ``severity`` ("error", or "warning" for an
    unconfirmed soft range). An unknown column is one issue, not one per row.
    """
    dictionary = dictionary or load_dictionary()
    form = dictionary.form(form) if isinstance(form, str) else form
    typed = _read_frame(form, dictionary, frame, tz, today)
    walked, issues = _walk_frame(form, dictionary, typed, confirmed_soft)
    walked = _pl_checks(form, walked)
    problems = pl.concat(
        [_unknown_columns(form, frame, dictionary), _issue_frames(form, walked, issues, dictionary)]
    )
    cleaned = walked.select(
        pl.col(f.name).dt.convert_time_zone("UTC")
        if f.type == "datetime"
        else pl.col(f.name).cast(polars_dtype(f))
        for f in form.fields
    )
    return cleaned, problems
