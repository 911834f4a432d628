"""The registry data dictionary: the single source of truth for every registry field.

One versioned YAML file per form in this directory (``patient.yaml``, ``episode.yaml``…) and
``codelists.yaml`` for the choice lists. Forms, validation (``registry/validation.py``),
imports, the REDCap data dictionary (``registry/redcap.py``) and ``docs/data-dictionary.md``
are all derived from it: add a field by adding its definition.

Versions: each file carries the dictionary version in which it last changed; the
dictionary's version is the highest of them, and a record keeps the version it was entered
under (``RegistryRecord.dictionary_version``).

Every field of the shipped files is a core field (``core: true``): it follows the ELSO
Registry's definitions (``../shared/references/clinical-scores.md`` §1) and a hospital's local
extension (``extend``) can add fields but can neither remove nor retype one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator
from pydantic import Field as PydanticField

from lifenet.lib.errors import N_, FieldError, InvalidInput
from lifenet.registry.dictionary import expressions as ex

FieldType = Literal[
    "text", "integer", "decimal", "date", "datetime", "yesno", "choice", "multichoice", "code", "calculated"
]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]
NUMERIC = ("integer", "decimal")
FORM_FILES = (
    "patient",
    "episode",
    "diagnosis",
    "pre_ecls",
    "ecls_run",
    "complication",
    "outcome",
    "daily_observation",
)
_SNAKE = r"^[a-z][a-z0-9_]*$"


class DictionaryError(ValueError):
    """A dictionary file contradicts itself (unknown code list, bad expression…)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Frozen):
    code: str = PydanticField(pattern=r"^[A-Za-z0-9_]+$")
    en: str
    zh: str
    # The parent code (a complication item's category, an indication's support type).
    group: str | None = None


class Codelist(_Frozen):
    name: str
    choices: tuple[Choice, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)


class Section(_Frozen):
    en: str
    zh: str


class Field(_Frozen):
    name: str = PydanticField(pattern=_SNAKE)
    form: str = ""
    label_en: str
    label_zh: str
    type: FieldType
    unit: str | None = None
    codelist: str | None = None
    # Hard range: refused outside. Soft range: accepted once the user confirms.
    min: float | None = None
    max: float | None = None
    soft_min: float | None = None
    soft_max: float | None = None
    required: bool = False
    show_if: str | None = None
    help_en: str | None = None
    help_zh: str | None = None
    core: bool = False
    section: str | None = None
    pattern: str | None = None
    max_length: int | None = None
    # A code field may hold several codes (secondary diagnoses).
    multiple: bool = False
    calc: str | None = None
    # A direct or quasi identifier (birth date): de-identified extracts shift or drop it.
    identifier: bool = False
    # For a choice whose codes have groups: the field holding the group (complication category).
    group_field: str | None = None
    allow_future: bool = False

    @property
    def is_list(self) -> bool:
        return self.type == "multichoice" or (self.type == "code" and self.multiple)

    def label(self, lang: str = "en") -> str:
        return self.label_zh if lang.startswith("zh") else self.label_en

    def help(self, lang: str = "en") -> str | None:
        return self.help_zh if lang.startswith("zh") else self.help_en

    def shape(self) -> tuple[Any, ...]:
        """What a local extension may not change in a core field."""
        return (self.type, self.codelist, self.unit, self.multiple, self.calc)


class Check(_Frozen):
    """A cross-field rule: ``expr`` must hold whenever every field it reads has a value."""

    field: str
    rule: str = PydanticField(pattern=_SNAKE)
    expr: str
    message_en: str
    message_zh: str


class Change(_Frozen):
    """A documented migration: how values stored under an older dictionary version become
    values of the version ``version`` (a renamed field, recoded choices)."""

    version: int = PydanticField(ge=2)
    field: str
    rename_to: str | None = None
    # Old code -> new code; a code mapped to null is dropped (the new list has no equivalent).
    values: dict[str, str | None] = PydanticField(default_factory=dict)
    note: str


class Form(_Frozen):
    name: str = PydanticField(pattern=_SNAKE)
    version: int = PydanticField(ge=1)
    label_en: str
    label_zh: str
    parent: str | None = None
    repeating: bool = False
    sections: dict[str, Section] = PydanticField(default_factory=dict)
    fields: tuple[Field, ...]
    checks: tuple[Check, ...] = ()
    changes: tuple[Change, ...] = ()
    _index: dict[str, Field] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _form_key(cls, data: Any) -> Any:
        # The YAML files say ``form: patient``; the model calls it ``name``.
        if isinstance(data, dict) and "form" in data:
            data = dict(data)
            data["name"] = data.pop("form")
        return data

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get(self, name: str) -> Field | None:
        if self._index is None:
            self._index = {f.name: f for f in self.fields}
        return self._index.get(name)

    def with_fields(self, fields: tuple[Field, ...]) -> Form:
        copy = self.model_copy(update={"fields": fields})
        copy._index = None  # the copy's own fields are indexed on first use
        return copy

    def field(self, name: str) -> Field:
        found = self.get(name)
        if found is None:
            raise KeyError(f"{self.name} has no field {name}")
        return found

    def related_names(self) -> list[str]:
        """``form.field`` of related records that the form's calculations, checks and branching
        read (``patient.birth_date``), each once, in the order they first appear."""
        names = [n for f in self.fields if f.calc for n in ex.names(ex.parse_call(f.calc))]
        names += [n for c in self.checks for n in ex.names(ex.parse(c.expr))]
        names += [n for f in self.fields if f.show_if for n in ex.names(ex.parse(f.show_if))]
        return list(dict.fromkeys(n for n in names if "." in n))


class Dictionary(_Frozen):
    version: int
    forms: dict[str, Form]
    codelists: dict[str, Codelist]
    # The hospital whose local extension this is (None for the network's core dictionary).
    extension: str | None = None

    def form(self, name: str) -> Form:
        if name not in self.forms:
            raise InvalidInput.one("form", "unknown_form", N_("There is no form %(form)s."), form=name)
        return self.forms[name]

    def codelist_of(self, field: Field) -> Codelist | None:
        return self.codelists.get(field.codelist) if field.codelist else None

    def resolve(self, dotted: str) -> Field | None:
        """A field named ``form.field`` (a related record's field)."""
        form_name, _, name = dotted.partition(".")
        form = self.forms.get(form_name)
        return form.get(name) if form else None

    def __hash__(self) -> int:
        return id(self)


# --- loading --------------------------------------------------------------------------------


def _read(name: str) -> Any:
    text = resources.files(__name__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def parse_codelists(data: Mapping[str, Any]) -> dict[str, Codelist]:
    return {
        name: Codelist(name=name, choices=tuple(Choice(**c) for c in choices))
        for name, choices in data["codelists"].items()
    }


def parse_form(data: Mapping[str, Any], *, core: bool) -> Form:
    form_name = data.get("form", data.get("name"))
    fields = [dict(f, form=form_name, core=core) for f in data.get("fields", [])]
    try:
        return Form.model_validate(dict(data, fields=fields))
    except ValidationError as error:
        raise DictionaryError(f"form {form_name}: {error}") from error


@functools.cache
def load_dictionary() -> Dictionary:
    """The network's core dictionary shipped with LifeNet (cached: it is read once)."""
    raw_codelists = _read("codelists")
    codelists = parse_codelists(raw_codelists)
    forms = {name: parse_form(_read(name), core=True) for name in FORM_FILES}
    version = max([raw_codelists["version"], *(f.version for f in forms.values())])
    dictionary = Dictionary(version=version, forms=forms, codelists=codelists)
    problems = check_dictionary(dictionary)
    if problems:
        raise DictionaryError("; ".join(e.english() for e in problems))
    return dictionary


# --- consistency ----------------------------------------------------------------------------


def _problem(owner: str, rule: str, message: str, **params: Any) -> FieldError:
    return FieldError(owner, rule, message, params)


def _check_ranges(field: Field) -> list[FieldError]:
    bounds = [field.min, field.soft_min, field.soft_max, field.max]
    if any(b is not None for b in bounds) and field.type not in NUMERIC:
        return [_problem(field.name, "range", N_("Only numbers have ranges (%(field)s)."), field=field.name)]
    given = [b for b in bounds if b is not None]
    if given != sorted(given):
        return [
            _problem(field.name, "range", N_("%(field)s: min ≤ soft min ≤ soft max ≤ max."), field=field.name)
        ]
    return []


def _check_shape(dictionary: Dictionary, form: Form, field: Field) -> list[FieldError]:
    problems: list[FieldError] = []
    needs_list = field.type in ("choice", "multichoice")
    if needs_list and not field.codelist:
        problems.append(
            _problem(field.name, "codelist", N_("%(field)s needs a code list."), field=field.name)
        )
    if field.codelist and field.codelist not in dictionary.codelists:
        problems.append(
            _problem(field.name, "codelist", N_("Unknown code list %(codelist)s."), codelist=field.codelist)
        )
    if field.pattern:
        try:
            re.compile(field.pattern)
        except re.error:
            problems.append(_problem(field.name, "pattern", N_("%(field)s: bad pattern."), field=field.name))
    if (field.type == "calculated") != (field.calc is not None):
        problems.append(
            _problem(
                field.name,
                "calc",
                N_("%(field)s: calculated fields, and only they, have calc."),
                field=field.name,
            )
        )
    if field.section and field.section not in form.sections:
        problems.append(
            _problem(field.name, "section", N_("Unknown section %(section)s."), section=field.section)
        )
    if field.group_field and (form.get(field.group_field) is None or field.type != "choice"):
        problems.append(
            _problem(field.name, "group_field", N_("%(field)s: bad group field."), field=field.name)
        )
    return problems + _check_ranges(field)


def _literal_fits(dictionary: Dictionary, field: Field, value: ex.Scalar) -> bool:
    if field.type == "yesno":
        return isinstance(value, bool)
    if field.type in NUMERIC or (field.type == "calculated" and field.codelist is None):
        return isinstance(value, int | float) and not isinstance(value, bool)
    codelist = dictionary.codelist_of(field)
    if codelist is not None:
        return isinstance(value, str) and value in codelist.codes
    return isinstance(value, str)


def _check_expression(
    dictionary: Dictionary, form: Form, owner: str, text: str, *, earlier: set[str] | None
) -> list[FieldError]:
    """Names exist (earlier fields only, for branching), literals fit their field."""
    try:
        node = ex.parse(text)
    except ex.ExpressionError as error:
        return [_problem(owner, "expression", N_("%(error)s"), error=str(error))]
    problems = []
    for name in ex.names(node):
        allowed = earlier if earlier is not None else set(form.field_names)
        if "." in name and earlier is None:
            if dictionary.resolve(name) is None:
                problems.append(_problem(owner, "expression", N_("Unknown field %(name)s."), name=name))
        elif name not in allowed:
            problems.append(
                _problem(owner, "expression", N_("%(name)s is not an earlier field of this form."), name=name)
            )
    for name, value in ex.comparisons(node):
        target = dictionary.resolve(name) if "." in name else form.get(name)
        if target is not None and not _literal_fits(dictionary, target, value):
            problems.append(
                _problem(owner, "expression", N_("%(value)s does not fit %(name)s."), value=value, name=name)
            )
    return problems


def _check_calc(dictionary: Dictionary, form: Form, field: Field, earlier: set[str]) -> list[FieldError]:
    try:
        call = ex.parse_call(field.calc or "")
    except ex.ExpressionError as error:
        return [_problem(field.name, "calc", N_("%(error)s"), error=str(error))]
    bad = [
        n for n in ex.names(call) if (dictionary.resolve(n) if "." in n else n in earlier) in (None, False)
    ]
    return [_problem(field.name, "calc", N_("Unknown field %(name)s."), name=n) for n in bad]


def check_form(dictionary: Dictionary, form: Form) -> list[FieldError]:
    """Everything that must hold for a form to drive validation; [] when it does."""
    problems: list[FieldError] = []
    seen: set[str] = set()
    for field in form.fields:
        if field.name in seen:
            problems.append(_problem(field.name, "duplicate", N_("%(field)s twice."), field=field.name))
        problems += _check_shape(dictionary, form, field)
        if field.show_if:
            problems += _check_expression(dictionary, form, field.name, field.show_if, earlier=set(seen))
        if field.calc:
            problems += _check_calc(dictionary, form, field, seen)
        seen.add(field.name)
    for check in form.checks:
        if form.get(check.field) is None:
            problems.append(_problem(check.field, "check", N_("Unknown field %(name)s."), name=check.field))
        problems += _check_expression(dictionary, form, check.field, check.expr, earlier=None)
    return problems + _check_changes(dictionary, form)


def _check_changes(dictionary: Dictionary, form: Form) -> list[FieldError]:
    problems = []
    for change in form.changes:
        target = form.get(change.rename_to or change.field)
        codelist = dictionary.codelist_of(target) if target else None
        if target is None or change.version > form.version:
            problems.append(
                _problem(change.field, "change", "The change of %(name)s leads nowhere.", name=change.field)
            )
        elif codelist is not None and any(
            v is not None and v not in codelist.codes for v in change.values.values()
        ):
            problems.append(
                _problem(
                    change.field,
                    "change",
                    "The change of %(name)s maps to unknown codes.",
                    name=change.field,
                )
            )
    return problems


def migrate_values(form: Form, values: Mapping[str, Any], from_version: int) -> dict[str, Any]:
    """Values stored under dictionary version ``from_version`` as values of the current form,
    applying the form's documented changes in order (renames, recoded choices)."""
    migrated = dict(values)
    for change in sorted(form.changes, key=lambda c: c.version):
        if change.version <= from_version or change.field not in migrated:
            continue
        value = migrated.pop(change.field)
        if change.values and isinstance(value, list):
            value = [change.values.get(v, v) for v in value if change.values.get(v, v) is not None] or None
        elif change.values and isinstance(value, str):
            value = change.values.get(value, value)
        if value is not None:
            migrated[change.rename_to or change.field] = value
    return migrated


def translations(dictionary: Dictionary) -> dict[str, str]:
    """English -> Chinese of the dictionary's own messages (the checks' messages live in the
    YAML files, not in the Babel catalog): what a page needs to translate a check's error."""
    return {c.message_en: c.message_zh for form in dictionary.forms.values() for c in form.checks}


def check_dictionary(dictionary: Dictionary) -> list[FieldError]:
    return [p for form in dictionary.forms.values() for p in check_form(dictionary, form)]


# --- local extensions -----------------------------------------------------------------------


def _merge_codelists(
    dictionary: Dictionary, local: Mapping[str, Codelist]
) -> tuple[dict[str, Codelist], list[FieldError]]:
    merged = dict(dictionary.codelists)
    errors = []
    for name, codelist in local.items():
        core = merged.get(name)
        if core is not None and set(core.codes) - set(codelist.codes):
            errors.append(
                FieldError(
                    name,
                    "core_codelist",
                    N_("The local list %(codelist)s would remove codes of the core list."),
                    {"codelist": name},
                )
            )
            continue
        merged[name] = codelist if core is None else core
    return merged, errors


def _local_field(dictionary: Dictionary, field: Field) -> tuple[Field | None, FieldError | None]:
    """The field to append, or None when it restates a core field; or the error."""
    form = dictionary.forms.get(field.form)
    if form is None:
        return None, FieldError(
            field.name, "unknown_form", N_("There is no form %(form)s."), {"form": field.form}
        )
    core = form.get(field.name)
    if core is None:
        return field.model_copy(update={"core": False}), None
    if core.shape() != field.shape():
        return None, FieldError(
            field.name,
            "core_retyped",
            N_("The core field %(field)s cannot be changed (%(core)s, not %(local)s)."),
            {"field": field.name, "core": core.type, "local": field.type},
        )
    return None, None


def extend(
    dictionary: Dictionary,
    local_fields: Iterable[Field],
    *,
    codelists: Mapping[str, Codelist] | None = None,
    hospital: str | None = None,
    checks: Iterable[Check] = (),
) -> Dictionary:
    """The dictionary with a hospital's local fields (and their cross-field ``checks``)
    appended to their forms.

    A local field that restates a core field unchanged is ignored; one that changes a core
    field's type, code list, unit or calculation is refused with an error naming it. Core
    fields are always kept, so an extension cannot remove one (``redcap.import_extension``
    refuses a file that leaves one out). A check belongs to one local field, and may read
    any field of its form and of related records, like a core check. Raises ``InvalidInput``
    listing every problem.
    """
    merged_codelists, errors = _merge_codelists(dictionary, codelists or {})
    added: dict[str, list[Field]] = {name: [] for name in dictionary.forms}
    for field in local_fields:
        local, error = _local_field(dictionary, field)
        if error is not None:
            errors.append(error)
        elif local is not None:
            added[local.form].append(local)
    forms = {
        name: form.with_fields(form.fields + tuple(added[name])) if added[name] else form
        for name, form in dictionary.forms.items()
    }
    owners = {f.name: f.form for fields in added.values() for f in fields}
    for check in checks:
        owner = owners.get(check.field)
        if owner is None:
            errors.append(
                _problem(
                    check.field,
                    "check",
                    N_("Only a hospital's own fields may carry its checks (%(name)s)."),
                    name=check.field,
                )
            )
            continue
        forms[owner] = forms[owner].model_copy(update={"checks": (*forms[owner].checks, check)})
    result = Dictionary(
        version=dictionary.version,
        forms=forms,
        codelists=merged_codelists,
        extension=hospital or dictionary.extension,
    )
    errors += [p for form in forms.values() for p in check_form(result, form) if not _is_core(result, p)]
    if errors:
        raise InvalidInput(*errors)
    return result


def _is_core(dictionary: Dictionary, problem: FieldError) -> bool:
    # Problems of core fields were caught when the core loaded; report only the local ones.
    return any((f := form.get(problem.field)) is not None and f.core for form in dictionary.forms.values())


__all__ = [
    "FIELD_TYPES",
    "FORM_FILES",
    "Change",
    "Check",
    "Choice",
    "Codelist",
    "Dictionary",
    "DictionaryError",
    "Field",
    "Form",
    "Section",
    "check_dictionary",
    "check_form",
    "extend",
    "load_dictionary",
    "local_fields",
    "migrate_values",
    "parse_codelists",
    "parse_form",
    "translations",
]


def local_fields(dictionary: Dictionary) -> list[str]:
    """``form.field`` of every field a hospital added to the core dictionary."""
    return [
        f"{form.name}.{field.name}"
        for form in dictionary.forms.values()
        for field in form.fields
        if not field.core
    ]
