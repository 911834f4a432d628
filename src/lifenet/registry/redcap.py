"""The data dictionary as a REDCap data dictionary (the 18-column CSV REDCap uploads and
downloads), a hospital's REDCap dictionary read back as its local extension, and the field
reference in ``docs/data-dictionary.md``.

REDCap has a column for most of what a field is; what it has none for (Chinese labels and
help, the soft range, the LifeNet type of a code or a calculation, code-list names, Chinese
choice labels) travels in the Field Annotation as ``@LIFENET={json}``, which REDCap keeps and
ignores. Branching logic is translated both ways: ``mode in ["va", "vva"]`` is
``([mode] = 'va' or [mode] = 'vva')`` in REDCap.

Regenerate the docs page with ``python -m lifenet.registry.redcap docs/data-dictionary.md``.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any

from lifenet.lib.errors import N_, FieldError, InvalidInput
from lifenet.registry.dictionary import (
    Check,
    Choice,
    Codelist,
    Dictionary,
    Field,
    Form,
    extend,
    load_dictionary,
)
from lifenet.registry.dictionary import expressions as ex

HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
TAG = "@LIFENET="
_VALIDATION = {"integer": "integer", "decimal": "number", "date": "date_ymd", "datetime": "datetime_ymd"}


# --- branching logic ------------------------------------------------------------------------


Names = Mapping[str, str]


def variable_names(dictionary: Dictionary) -> dict[tuple[str, str], str]:
    """The REDCap variable of each (form, field). REDCap wants one name per project, so a
    field whose name an earlier form already uses (``ph`` in pre-ECLS and daily observation)
    becomes ``<form>__<name>``; the annotation keeps the LifeNet name for the way back."""
    taken: set[str] = set()
    names = {}
    for form in dictionary.forms.values():
        for field in form.fields:
            variable = field.name if field.name not in taken else f"{form.name}__{field.name}"
            taken.add(variable)
            names[(form.name, field.name)] = variable
    return names


def _names_for(form: Form, variables: Mapping[tuple[str, str], str]) -> dict[str, str]:
    """Expression names seen from a form (``ph``, ``patient.birth_date``) -> REDCap variables."""
    names = {f"{f}.{n}": v for (f, n), v in variables.items()}
    return names | {n: v for (f, n), v in variables.items() if f == form.name}


def _redcap_name(name: str, names: Names | None) -> str:
    # REDCap names a field of another instrument of the same event by its bare name.
    return (names or {}).get(name, name.rpartition(".")[2])


def _redcap_literal(value: ex.Scalar) -> str:
    if isinstance(value, bool):
        return "'1'" if value else "'0'"
    if isinstance(value, str):
        return f"'{value}'"
    return repr(value)


def _redcap_operand(operand: ex.Name | ex.Literal, names: Names | None) -> str:
    if isinstance(operand, ex.Name):
        return f"[{_redcap_name(operand.name, names)}]"
    return _redcap_literal(operand.value)


def to_redcap(node: ex.Node, *, names: Names | None = None, nested: bool = False) -> str:
    """A condition in REDCap's branching-logic syntax (``names``: expression name -> variable)."""
    if isinstance(node, ex.BoolOp):
        text = f" {node.op} ".join(to_redcap(item, names=names, nested=True) for item in node.items)
        return f"({text})" if nested else text
    if isinstance(node, ex.Member):
        if isinstance(node.right, ex.Name) and isinstance(node.left, ex.Literal):
            checked = "'0'" if node.negated else "'1'"
            return f"[{_redcap_name(node.right.name, names)}({node.left.value})] = {checked}"
        assert isinstance(node.right, ex.ListOf)  # noqa: S101 - the parser builds only these two
        op, joiner = ("<>", " and ") if node.negated else ("=", " or ")
        left = _redcap_operand(node.left, names)
        parts = [f"{left} {op} {_redcap_literal(v)}" for v in node.right.values]
        text = joiner.join(parts)
        return f"({text})" if len(parts) > 1 else text
    op = {"==": "=", "!=": "<>"}.get(node.op, node.op)
    return f"{_redcap_operand(node.left, names)} {op} {_redcap_operand(node.right, names)}"


_REDCAP_TOKEN = re.compile(
    r"""\s*(?:
      (?P<field>\[[A-Za-z0-9_]+(?:\([A-Za-z0-9_]+\))?\])
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<number>-?[0-9]+(?:\.[0-9]+)?)
    | (?P<op><>|!=|==|<=|>=|=|<|>|\(|\))
    | (?P<word>and|or|AND|OR|And|Or)
    )""",
    re.VERBOSE,
)


def _redcap_tokens(text: str) -> list[tuple[str, str]]:
    tokens, pos, text = [], 0, text.strip()
    while pos < len(text):
        match = _REDCAP_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ex.ExpressionError(f"cannot read {text[pos:]!r} in the branching logic {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _translate(tokens: list[tuple[str, str]], names: Names) -> str:
    """REDCap tokens rewritten in the dictionary language (types are fixed afterwards)."""
    out = []
    for kind, value in tokens:
        if kind == "field":
            inner = value[1:-1]
            if "(" in inner:
                variable, code = inner[:-1].split("(")
                out.append(f"__checkbox__{names.get(variable, variable)}__{code}")
            else:
                out.append(names.get(inner, inner))
        elif kind == "string":
            out.append(json.dumps(value[1:-1]))
        elif kind == "op":
            out.append({"=": "==", "<>": "!="}.get(value, value))
        elif kind == "word":
            out.append(value.lower())
        else:
            out.append(value)
    return " ".join(out)


def _typed_literal(field: Field | None, value: ex.Scalar) -> ex.Scalar:
    if field is None or not isinstance(value, str):
        return value
    if field.type == "yesno" and value in ("0", "1"):
        return value == "1"
    if field.type in ("integer", "decimal") or (field.type == "calculated" and field.codelist is None):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in value else number
    return value


def _retype(node: ex.Node, fields: Mapping[str, Field]) -> ex.Node:
    if isinstance(node, ex.BoolOp):
        return _merge_members(ex.BoolOp(node.op, tuple(_retype(i, fields) for i in node.items)))
    if isinstance(node, ex.Compare) and isinstance(node.left, ex.Name) and isinstance(node.right, ex.Literal):
        name = node.left.name
        if name.startswith("__checkbox__"):
            field_name, _, code = name.removeprefix("__checkbox__").partition("__")
            negated = (node.right.value in ("0", 0)) != (node.op == "!=")
            return ex.Member(ex.Literal(code), ex.Name(field_name), negated)
        return ex.Compare(node.op, node.left, ex.Literal(_typed_literal(fields.get(name), node.right.value)))
    return node


def _merge_members(node: ex.BoolOp) -> ex.Node:
    """``a == x or a == y`` is ``a in [x, y]``; ``a != x and a != y`` is ``a not in [x, y]``."""
    wanted = "==" if node.op == "or" else "!="
    items = node.items
    same = all(
        isinstance(i, ex.Compare)
        and i.op == wanted
        and isinstance(i.left, ex.Name)
        and isinstance(i.right, ex.Literal)
        for i in items
    )
    names = {i.left.name for i in items if isinstance(i, ex.Compare) and isinstance(i.left, ex.Name)}
    if not same or len(names) != 1 or len(items) < 2:
        return node
    values = tuple(
        i.right.value for i in items if isinstance(i, ex.Compare) and isinstance(i.right, ex.Literal)
    )
    left = items[0].left if isinstance(items[0], ex.Compare) else ex.Name("")
    return ex.Member(left, ex.ListOf(values), negated=node.op == "and")


def from_redcap(text: str, fields: Mapping[str, Field], names: Names | None = None) -> str | None:
    """REDCap branching logic as a ``show_if`` expression (None when empty); ``fields`` gives
    the types of the names it reads, ``names`` the LifeNet name of a renamed variable."""
    if not text.strip():
        return None
    node = ex.parse(_translate(_redcap_tokens(text), names or {}))
    return ex.unparse(_retype(node, fields))


# --- export ---------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _redcap_type(field: Field, dictionary: Dictionary) -> tuple[str, str]:
    """(Field Type, Text Validation Type)."""
    if field.type == "calculated":
        return ("calc", "") if _redcap_calc(field) else ("text", "")
    if field.type == "choice":
        codelist = dictionary.codelist_of(field)
        many = codelist is not None and len(codelist.choices) > 10
        return ("dropdown" if many else "radio"), ""
    if field.type == "multichoice":
        return "checkbox", ""
    if field.type == "yesno":
        return "yesno", ""
    return "text", _VALIDATION.get(field.type, "")


def _redcap_calc(field: Field, names: Names | None = None) -> str:
    call = ex.parse_call(field.calc or "")
    a, b = (f"[{_redcap_name(arg.name, names)}]" for arg in call.args)
    return {
        "hours_between": f'datediff({a},{b},"h",true)',
        "days_between": f'datediff({a},{b},"d",true)',
        "ratio": f"round({a}/{b},1)",
    }.get(call.function, "")


def _calctext(field: Field, names: Names) -> str:
    if field.calc is None:
        return ""
    call = ex.parse_call(field.calc)
    if call.function != "elso_age_group":
        return ""
    a, b = (f"[{_redcap_name(arg.name, names)}]" for arg in call.args)
    return (
        f'@CALCTEXT(if(datediff({a},{b},"d",true)<=28,"neonate",'
        f'if(datediff({a},{b},"y",true)<18,"pediatric","adult")))'
    )


def _choices(field: Field, dictionary: Dictionary, names: Names) -> str:
    codelist = dictionary.codelist_of(field)
    if field.type == "calculated":
        return _redcap_calc(field, names)
    if codelist is None or field.type not in ("choice", "multichoice"):
        return ""
    return " | ".join(f"{c.code}, {c.en}" for c in codelist.choices)


def _annotation(field: Field, dictionary: Dictionary, names: Names, form: Form) -> str:
    meta: dict[str, Any] = {
        "name": field.name if names.get(field.name) != field.name else None,
        "type": field.type,
        "label_zh": field.label_zh,
        "help_en": field.help_en,
        "help_zh": field.help_zh,
        "unit": field.unit,
        "soft_min": field.soft_min,
        "soft_max": field.soft_max,
        "codelist": field.codelist,
        "pattern": field.pattern,
        "max_length": field.max_length,
        "multiple": field.multiple or None,
        "calc": field.calc,
        "group_field": field.group_field,
        "section": field.section,
        "allow_future": field.allow_future or None,
        "core": field.core,
    }
    codelist = dictionary.codelist_of(field)
    if codelist is not None:
        meta["choices"] = [c.model_dump(exclude_none=True) for c in codelist.choices]
    if not field.core:
        # A local field's own cross-field checks (the core ones live in the core files).
        local = [c.model_dump(exclude={"field"}) for c in form.checks if c.field == field.name]
        meta["checks"] = local or None
    meta = {k: v for k, v in meta.items() if v is not None}
    parts = [
        _calctext(field, names),
        "@READONLY" if field.type == "calculated" else "",
        TAG + json.dumps(meta, ensure_ascii=False),
    ]
    return " ".join(p for p in parts if p)


def _row(form: Form, field: Field, section_header: str, dictionary: Dictionary, names: Names) -> list[str]:
    field_type, validation = _redcap_type(field, dictionary)
    return [
        names[field.name],
        form.name,
        section_header,
        field_type,
        field.label_en,
        _choices(field, dictionary, names),
        field.unit or "",
        validation,
        _number(field.min),
        _number(field.max),
        "y" if field.identifier else "",
        to_redcap(ex.parse(field.show_if), names=names) if field.show_if else "",
        "y" if field.required else "",
        "",
        "",
        "",
        "",
        _annotation(field, dictionary, names, form),
    ]


def redcap_rows(dictionary: Dictionary | None = None) -> list[list[str]]:
    dictionary = dictionary or load_dictionary()
    variables = variable_names(dictionary)
    rows = []
    for form in dictionary.forms.values():
        names = _names_for(form, variables)
        previous = None
        for field in form.fields:
            header = ""
            if field.section != previous and field.section is not None:
                header = form.sections[field.section].en
            previous = field.section
            rows.append(_row(form, field, header, dictionary, names))
    return rows


def export_redcap(dictionary: Dictionary | None = None) -> str:
    """The dictionary as a REDCap data dictionary CSV (UTF-8, with REDCap's 18 columns)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(redcap_rows(dictionary))
    return out.getvalue()


# --- import ---------------------------------------------------------------------------------


def _meta(annotation: str) -> dict[str, Any]:
    index = annotation.find(TAG)
    if index < 0:
        return {}
    decoded, _ = json.JSONDecoder().raw_decode(annotation[index + len(TAG) :])
    return decoded if isinstance(decoded, dict) else {}


def _type_of(row: Mapping[str, str], meta: Mapping[str, Any]) -> str | None:
    if "type" in meta:
        return str(meta["type"])
    field_type = row["Field Type"].strip().lower()
    validation = row["Text Validation Type OR Show Slider Number"].strip().lower()
    if field_type == "text":
        if validation == "integer":
            return "integer"
        if validation.startswith("number"):
            return "decimal"
        if validation.startswith("datetime"):
            return "datetime"
        if validation.startswith("date"):
            return "date"
        return "text"
    simple = {"notes": "text", "radio": "choice", "dropdown": "choice", "checkbox": "multichoice"}
    simple |= {"yesno": "yesno", "truefalse": "yesno", "slider": "integer"}
    return simple.get(field_type)


def _parse_choices(text: str, meta: Mapping[str, Any]) -> tuple[Choice, ...]:
    if "choices" in meta:
        return tuple(Choice(**c) for c in meta["choices"])
    found = []
    for part in text.split("|"):
        code, _, label = part.strip().partition(",")
        if code.strip():
            found.append(Choice(code=code.strip(), en=label.strip(), zh=label.strip()))
    return tuple(found)


def _float(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def _field_from_row(
    row: Mapping[str, str], meta: Mapping[str, Any], dictionary: Dictionary, codelists: dict[str, Codelist]
) -> Field | FieldError | None:
    name, form_name = meta.get("name") or row["Variable / Field Name"].strip(), row["Form Name"].strip()
    kind = _type_of(row, meta)
    if row["Field Type"].strip().lower() == "descriptive":
        return None
    if kind is None or (kind == "calculated" and "calc" not in meta):
        return FieldError(
            name,
            "unsupported",
            N_("%(field)s: REDCap fields of type %(type)s cannot be imported."),
            {"field": name, "type": row["Field Type"]},
        )
    codelist_name = meta.get("codelist")
    if kind in ("choice", "multichoice") or (kind == "calculated" and codelist_name):
        codelist_name = codelist_name or name
        choices = _parse_choices(row["Choices, Calculations, OR Slider Labels"], meta)
        codelists.setdefault(codelist_name, Codelist(name=codelist_name, choices=choices))
    core_form = dictionary.forms.get(form_name)
    sections = core_form.sections if core_form else {}
    section = meta.get("section") if meta.get("section") in sections else None
    is_numeric = kind in ("integer", "decimal")
    return Field(
        name=name,
        form=form_name,
        label_en=row["Field Label"].strip(),
        label_zh=meta.get("label_zh") or row["Field Label"].strip(),
        type=kind,
        unit=meta.get("unit") or (row["Field Note"].strip() or None),
        codelist=codelist_name,
        min=_float(row["Text Validation Min"]) if is_numeric else None,
        max=_float(row["Text Validation Max"]) if is_numeric else None,
        soft_min=meta.get("soft_min"),
        soft_max=meta.get("soft_max"),
        required=row["Required Field?"].strip().lower() == "y",
        show_if=row["Branching Logic (Show field only if...)"].strip() or None,
        help_en=meta.get("help_en"),
        help_zh=meta.get("help_zh"),
        section=section,
        pattern=meta.get("pattern"),
        max_length=meta.get("max_length"),
        multiple=bool(meta.get("multiple", False)),
        calc=meta.get("calc"),
        identifier=row["Identifier?"].strip().lower() == "y",
        group_field=meta.get("group_field"),
        allow_future=bool(meta.get("allow_future", False)),
    )


def _read_rows(text: str) -> list[dict[str, str]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != HEADER:
        raise InvalidInput.one(
            "file",
            "header",
            N_("This is not a REDCap data dictionary: the first row must be REDCap's 18 column names."),
        )
    return [dict(zip(HEADER, r + [""] * (len(HEADER) - len(r)), strict=True)) for r in reader if any(r)]


def _translate_branching(
    fields: list[Field], dictionary: Dictionary, renamed: Mapping[str, Names]
) -> tuple[list[Field], list[FieldError]]:
    """Each field's REDCap branching logic as a ``show_if`` read with its own form's types."""
    done, errors = [], []
    for field in fields:
        core = dictionary.forms.get(field.form)
        by_name = {f.name: f for f in core.fields} if core else {}
        by_name |= {f.name: f for f in fields if f.form == field.form}
        try:
            show_if = from_redcap(field.show_if or "", by_name, renamed.get(field.form, {}))
        except ex.ExpressionError as error:
            errors.append(FieldError(field.name, "branching", N_("%(error)s"), {"error": str(error)}))
            continue
        done.append(field.model_copy(update={"show_if": show_if}))
    return done, errors


def _removed(dictionary: Dictionary, fields: Iterable[Field]) -> list[FieldError]:
    given = {(f.form, f.name) for f in fields}
    return [
        FieldError(
            f.name,
            "core_removed",
            N_("The core field %(field)s of the form %(form)s is missing; core fields cannot be removed."),
            {"field": f.name, "form": form.name},
        )
        for form in dictionary.forms.values()
        for f in form.fields
        if f.core and (form.name, f.name) not in given
    ]


def _checks_of(meta: Mapping[str, Any], field: Field) -> list[Check]:
    """A local field's cross-field checks, from ``"checks"`` in its ``@LIFENET`` annotation
    (``rule``, ``expr`` in the dictionary's expression language, ``message_en``,
    ``message_zh``). On a core field's row they are refused later (``extend``): the core's
    checks live in the core files."""
    given = meta.get("checks") or []
    if not isinstance(given, list) or not all(isinstance(c, dict) for c in given):
        raise ValueError("checks must be a list of {rule, expr, message_en, message_zh}")
    return [Check(field=field.name, **c) for c in given]


def import_extension(
    text: str, dictionary: Dictionary | None = None, *, hospital: str | None = None
) -> Dictionary:
    """A hospital's REDCap data dictionary read as its extension of the core dictionary.

    Like a REDCap upload, the file is the whole dictionary: every core field must be in it,
    unchanged in type; the other rows become the hospital's local fields, with the checks
    their annotations give. Raises ``InvalidInput`` naming each field that breaks a rule.
    """
    dictionary = dictionary or load_dictionary()
    codelists: dict[str, Codelist] = {}
    fields: list[Field] = []
    checks: list[Check] = []
    errors: list[FieldError] = []
    renamed: dict[str, dict[str, str]] = {}
    for row in _read_rows(text):
        try:
            meta = _meta(row["Field Annotation"])
            made = _field_from_row(row, meta, dictionary, codelists)
            if isinstance(made, Field):
                checks += _checks_of(meta, made)
        except (ValueError, TypeError) as error:
            name = row["Variable / Field Name"]
            made = FieldError(
                name, "invalid", N_("%(field)s: %(error)s"), {"field": name, "error": str(error)}
            )
        if isinstance(made, FieldError):
            errors.append(made)
        elif made is not None:
            fields.append(made)
            renamed.setdefault(made.form, {})[row["Variable / Field Name"].strip()] = made.name
    fields, branching_errors = _translate_branching(fields, dictionary, renamed)
    errors += branching_errors + _removed(dictionary, fields)
    if errors:
        raise InvalidInput(*errors)
    return extend(dictionary, fields, codelists=codelists, hospital=hospital, checks=checks)


# --- docs -----------------------------------------------------------------------------------


def _range(field: Field) -> str:
    parts = []
    if field.min is not None or field.max is not None:
        parts.append(f"{_number(field.min) or '…'}–{_number(field.max) or '…'}")
    if field.soft_min is not None or field.soft_max is not None:
        parts.append(f"soft {_number(field.soft_min) or '…'}–{_number(field.soft_max) or '…'}")
    return "; ".join(parts)


def _kind(field: Field) -> str:
    if field.calc:
        return f"calculated: `{field.calc}`"
    if field.codelist:
        return f"{field.type} ([{field.codelist}](#{field.codelist}))"
    if field.pattern:
        return f"{field.type}{' (several)' if field.multiple else ''}: `{field.pattern}`"
    return field.type


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _form_section(form: Form) -> list[str]:
    lines = [
        f"## {form.label_en} · {form.label_zh} (`{form.name}`, version {form.version})",
        "",
        f"Parent record: `{form.parent}`." if form.parent else "The root record of a child.",
        "One record per occurrence." if form.repeating else "",
        "",
        "| Field | Label | 标签 | Type | Unit | Range | Required | Shown if | Help |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in form.fields:
        lines.append(
            f"| `{f.name}` | {_cell(f.label_en)} | {_cell(f.label_zh)} | {_cell(_kind(f))} | {_cell(f.unit)} "
            f"| {_range(f)} | {'yes' if f.required else ''} | {_cell(f'`{f.show_if}`' if f.show_if else '')} "
            f"| {_cell(f.help_en)} |"
        )
    if form.changes:
        lines += ["", "Changes (migrations of stored values):", ""]
        lines += [
            f"- version {c.version}: `{c.field}`"
            + (f" renamed `{c.rename_to}`" if c.rename_to else "")
            + (f", codes {', '.join(f'`{k}` → `{v}`' for k, v in c.values.items())}" if c.values else "")
            + f" — {c.note}"
            for c in form.changes
        ]
    if form.checks:
        lines += ["", "Checks:", ""]
        lines += [f"- `{c.field}` ({c.rule}): `{_cell(c.expr)}` — {c.message_en}" for c in form.checks]
    return _paragraphs(lines)


def _paragraphs(lines: list[str]) -> list[str]:
    cleaned: list[str] = []
    for line in lines:
        if line == "" and cleaned and cleaned[-1] == "":
            continue
        cleaned.append(line)
    return cleaned + [""]


def _codelist_section(codelist: Codelist) -> list[str]:
    lines = [f"### {codelist.name}", "", "| Code | English | 中文 | Group |", "| --- | --- | --- | --- |"]
    lines += [f"| `{c.code}` | {_cell(c.en)} | {_cell(c.zh)} | {c.group or ''} |" for c in codelist.choices]
    return lines + [""]


INTRO = """# Data dictionary reference

Generated from `src/lifenet/registry/dictionary/*.yaml` (dictionary version {version}); do not
edit by hand: run `python -m lifenet.registry.redcap docs/data-dictionary.md`. A test fails when
this page and the dictionary differ.

The dictionary is the single source of truth of the registry: forms, validation, imports,
exports and the REDCap data dictionary are derived from it. Core fields follow the ELSO
Registry's definitions (see `../shared/references/clinical-scores.md` §1): age groups
neonatal 0–28 days, pediatric 29 days to < 18 years, adult ≥ 18 years; support types
pulmonary, cardiac and ECPR; complications in the ELSO categories, each with its date and time.

## Rules

- **Types**: text, integer, decimal, date (`2024-03-05`, also `2024/3/5`), datetime
  (`2024-03-05 14:30` with an offset such as `+08:00`, or in the hospital's time zone; stored
  in UTC), yesno (true/false, 1/0, yes/no, 是/否), choice and multichoice (codes of a code
  list; several codes separated by `|`, `,` or `;`), code (a code checked by its format, such
  as ICD-10), calculated (computed, never typed: values given for it are ignored).
- **Hard range** (refused) and **soft range** (accepted once the user confirms the value).
- **Required** applies only when the field is shown.
- **Shown if**: `field == "code"`, `!=`, `<`, `<=`, `>`, `>=`, `field in ["a", "b"]`,
  `field not in [...]`, `"code" in multichoice_field`, joined by `and`/`or` and parentheses.
  A comparison with an empty field is false, except `!=` and `not in` (as in REDCap). A value
  given for a hidden field is dropped, not refused.
- **Unknown fields and codes** are refused; **dates in the future** are refused.
- **Checks** compare fields (end after start, …) whenever every field they read has a value;
  `form.field` names a field of a related record (the patient's birth date).
- **REDCap**: the dictionary exports as a REDCap data dictionary (18 columns). REDCap wants
  one name per project, so a field whose name an earlier form already uses is exported as
  `<form>__<name>` (`daily_observation__ph`); Chinese labels, soft ranges, code-list names and
  calculations travel in the Field Annotation as `@LIFENET={...}`.

## Versions and migrations

Each file carries the dictionary version in which it last changed; the dictionary's version is
the highest. A record keeps the version it was entered under. Labels and help may change
freely; a renamed field or recoded choices get a new version and a `changes:` entry in the
form's file (`version`, `field`, `rename_to`, `values: {old: new}`, `note`), listed under the
form below; `migrate_values(form, values, from_version)` applies them to stored values.
`lifenet migrate` (and `lifenet serve`, which migrates first) rewrites, after the schema
upgrade, every record stored under an older version that a change touches: the record gets the
current dictionary version and a new row version, and the audit log a `migrate` entry by the
system with the old and new values and the change's note. Records no change touches keep the
version they were entered under. Codes are never reused. A hospital may add local fields (REDCap import of its dictionary); core fields
cannot be removed or retyped.

"""


def render_reference(dictionary: Dictionary | None = None) -> str:
    """``docs/data-dictionary.md``: every form, field and code list of the dictionary."""
    dictionary = dictionary or load_dictionary()
    lines = [INTRO.replace("{version}", str(dictionary.version))]
    for form in dictionary.forms.values():
        lines += _form_section(form)
    lines += ["## Code lists", ""]
    for codelist in dictionary.codelists.values():
        lines += _codelist_section(codelist)
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - the docs generator
    target = sys.argv[1] if len(sys.argv) > 1 else "docs/data-dictionary.md"
    page = render_reference()
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(page)
