"""The data dictionary and the validation of one record: every field type and rule,
branching, soft against hard ranges, unknown fields and codes, future dates, the ELSO age
groups (clinical-scores.md §1.1) and the rules of a hospital's local extension."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from lifenet.lib.errors import InvalidInput
from lifenet.registry.dictionary import (
    FIELD_TYPES,
    FORM_FILES,
    Field,
    check_form,
    extend,
    load_dictionary,
    migrate_values,
    parse_form,
    translations,
)
from lifenet.registry.dictionary import expressions as ex
from lifenet.registry.validation import ValidationResult, validate_record

TODAY = dt.date(2025, 6, 1)
SHANGHAI = "Asia/Shanghai"

RUN: dict[str, Any] = {
    "run_number": "1",
    "support_type": "pulmonary",
    "mode": "vv",
    "vv_cannula": "double_lumen",
    "ecls_start": "2025-05-01 10:00",
    "ecls_end": "2025-05-03 12:30",
    "weight_at_cannulation_kg": "3.4",
    "cannulation_sites": "right_internal_jugular_vein",
    "cannulation_technique": "percutaneous",
    "pump_type": "centrifugal",
    "oxygenator_type": "pmp_hollow_fiber",
    "mobile_retrieval": "no",
}


def run(values: dict[str, Any] | None = None, **kwargs: Any) -> ValidationResult:
    kwargs.setdefault("tz", SHANGHAI)
    kwargs.setdefault("context", {"patient": {"birth_date": "2025-04-20"}})
    return validate_record("ecls_run", RUN | (values or {}), today=TODAY, **kwargs)


def rules(result: ValidationResult) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in result.errors}


# --- the dictionary itself ------------------------------------------------------------------


def test_the_dictionary_has_every_form_with_a_version() -> None:
    dictionary = load_dictionary()
    assert list(dictionary.forms) == list(FORM_FILES)
    assert dictionary.version >= 1
    assert load_dictionary() is dictionary  # cached


def test_every_core_field_has_both_labels_and_a_snake_case_name() -> None:
    for form in load_dictionary().forms.values():
        for field in form.fields:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", field.name)
            assert field.core and field.form == form.name
            assert field.label_en.strip() and field.label_zh.strip()
            assert re.search(r"[\u4e00-\u9fff]", field.label_zh) or field.label_zh == "pH"


def test_every_field_type_is_used() -> None:
    used = {f.type for form in load_dictionary().forms.values() for f in form.fields}
    assert used == set(FIELD_TYPES)


def test_every_code_has_a_chinese_label() -> None:
    for codelist in load_dictionary().codelists.values():
        assert len(set(codelist.codes)) == len(codelist.codes)
        assert all(c.zh.strip() and c.en.strip() for c in codelist.choices)


def test_elso_categories_and_support_types_are_the_references() -> None:
    codelists = load_dictionary().codelists
    assert codelists["support_type"].codes == ("pulmonary", "cardiac", "ecpr")
    assert codelists["ecls_mode"].codes == ("va", "vv", "vva", "other")
    assert set(codelists["complication_category"].codes) == {
        "mechanical", "hemorrhagic", "neurologic", "renal", "cardiovascular", "pulmonary",
        "infectious", "metabolic", "limb",
    }  # fmt: skip
    items = codelists["complication_item"].choices
    assert {c.group for c in items} == set(codelists["complication_category"].codes)


# --- the expression language ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ('support_type == "ecpr"', {"support_type": "ecpr"}, True),
        ('support_type == "ecpr"', {}, False),
        ('support_type != "ecpr"', {}, True),
        ('mode in ["va", "vva"]', {"mode": "vva"}, True),
        ('mode not in ["va", "vva"]', {"mode": "vv"}, True),
        ('mode not in ["va", "vva"]', {}, True),
        ('"epinephrine" in vasoactive_drugs', {"vasoactive_drugs": ["dopamine", "epinephrine"]}, True),
        ('"epinephrine" in vasoactive_drugs', {}, False),
        ('age <= 28 and (sex == "male" or x == true)', {"age": 3, "x": True}, True),
        ("age <= 28", {"age": 29}, False),
        (
            "end > start",
            {"start": dt.date(2025, 1, 2), "end": dt.datetime(2025, 1, 2, 3, tzinfo=dt.UTC)},
            False,
        ),
    ],
)
def test_conditions_evaluate_like_redcap_branching(text: str, values: dict[str, Any], expected: bool) -> None:
    assert ex.evaluate(ex.parse(text), values) is expected
    assert ex.parse(ex.unparse(ex.parse(text))) == ex.parse(text)


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "mode ==", "mode = 'va'", "a.b.c == 1", "mode in", "f(x)", "1 +", 'mode == "va'],
)
def test_anything_but_the_small_language_is_refused(text: str) -> None:
    with pytest.raises(ex.ExpressionError):
        ex.parse(text)


def test_calculations_are_only_the_known_ones() -> None:
    with pytest.raises(ex.ExpressionError):
        ex.parse_call("system(ecls_start, ecls_end)")


# --- types ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        ("run_number", "2", 2),
        ("run_number", 2, 2),
        ("run_number", "2.0", 2),
        ("weight_at_cannulation_kg", "3.45", 3.45),
        ("weight_at_cannulation_kg", 3, 3.0),
        ("ecls_start", "2025/5/1 10:00", "2025-05-01T02:00:00+00:00"),
        ("ecls_start", "2025-05-01T10:00:00+08:00", "2025-05-01T02:00:00+00:00"),
        ("ecls_start", "2025-05-01T02:00:00Z", "2025-05-01T02:00:00+00:00"),
        ("ecls_start", dt.datetime(2025, 5, 1, 2, tzinfo=dt.UTC), "2025-05-01T02:00:00+00:00"),
        ("mobile_retrieval", "否", False),
        ("mobile_retrieval", "Y", True),
        ("mobile_retrieval", 1, True),
        ("mobile_retrieval", False, False),
        ("support_type", " Cardiac ", "cardiac"),
        ("cannulation_sites", "femoral_vein; femoral_artery", ["femoral_vein", "femoral_artery"]),
        ("cannulation_sites", ["femoral_vein", "femoral_vein"], ["femoral_vein"]),
        ("pump_model", "  Rotaflow ", "Rotaflow"),
    ],
)
def test_values_are_read_from_strings_and_json(field: str, raw: Any, stored: Any) -> None:
    result = run(
        {field: raw, "mode": "va", "support_type": "cardiac", "retrieval_transport": "ground"}
        | ({"support_type": raw} if field == "support_type" else {})
    )
    assert not result.errors, result.errors
    assert result.values[field] == stored


@pytest.mark.parametrize(
    ("field", "raw", "rule"),
    [
        ("run_number", "two", "type"),
        ("run_number", "2.5", "type"),
        ("run_number", True, "type"),
        ("weight_at_cannulation_kg", "3,4", "type"),
        ("weight_at_cannulation_kg", "nan", "type"),
        ("ecls_start", "2025-02-30 10:00", "type"),
        ("ecls_start", "yesterday", "type"),
        ("mobile_retrieval", "maybe", "type"),
        ("support_type", "lung", "code"),
        ("cannulation_sites", "femoral_vein|neck", "code"),
        ("pump_model", "x" * 101, "max_length"),
        ("run_number", "0", "range"),
        ("weight_at_cannulation_kg", "300", "range"),
    ],
)
def test_wrong_values_are_refused_naming_field_and_rule(field: str, raw: Any, rule: str) -> None:
    result = run({field: raw})
    assert (field, rule) in rules(result)
    assert field not in result.values


def test_a_date_time_without_zone_is_refused_when_the_hospital_zone_is_unknown() -> None:
    result = run(tz=None)
    assert ("ecls_start", "timezone") in rules(result)
    assert not run({"ecls_start": "2025-05-01T10:00+08:00", "ecls_end": None}, tz=None).errors


def test_dates_in_the_future_are_refused() -> None:
    assert ("ecls_end", "future") in rules(run({"ecls_end": "2025-06-02 00:30"}))
    # the hospital's today: 1 June 23:00 in Shanghai is not in the future on 1 June
    assert not run({"ecls_end": "2025-06-01 23:00"}).errors
    patient = validate_record(
        "patient",
        {
            "network_id": "LN-0123456789",
            "sex": "female",
            "registration_date": "2025-06-02",
            "birth_date": "2025-01-01",
            "weight_kg": 7,
        },
        today=TODAY,
    )
    assert ("registration_date", "future") in {(e.field, e.rule) for e in patient.errors}


def test_icd10_codes_are_checked_by_format() -> None:
    base = {
        "primary_indication": "rsv",
        "cancer": "no",
        "acute_renal_failure": "no",
        "acute_liver_failure": "no",
    }
    good = validate_record(
        "diagnosis",
        base | {"primary_diagnosis_icd10": "j21.0", "secondary_diagnoses_icd10": "J18.900x001, B97.4"},
        today=TODAY,
    )
    assert not good.errors
    assert good.values["primary_diagnosis_icd10"] == "J21.0"
    assert good.values["secondary_diagnoses_icd10"] == ["J18.900X001", "B97.4"]
    bad = validate_record("diagnosis", base | {"primary_diagnosis_icd10": "pneumonia"}, today=TODAY)
    assert ("primary_diagnosis_icd10", "format") in {(e.field, e.rule) for e in bad.errors}


def test_unknown_fields_are_refused() -> None:
    result = run({"favourite_colour": "blue"})
    assert ("favourite_colour", "unknown_field") in rules(result)
    assert result.errors[0].english() == "favourite_colour is not a field of the form ecls_run."


def test_an_unknown_form_is_refused() -> None:
    with pytest.raises(InvalidInput):
        validate_record("lab_results", {}, today=TODAY)


# --- required, branching --------------------------------------------------------------------


def test_required_fields_are_named() -> None:
    result = validate_record("ecls_run", {}, today=TODAY)
    assert {"run_number", "support_type", "mode", "ecls_start", "pump_type"} <= {
        e.field for e in result.errors if e.rule == "required"
    }


def test_a_hidden_field_is_neither_required_nor_kept() -> None:
    result = run({"mobile_retrieval": "no", "retrieval_transport": "ground", "retrieval_distance_km": "abc"})
    assert not result.errors
    assert "retrieval_transport" not in result.values
    assert set(result.dropped) == {"retrieval_transport", "retrieval_distance_km"}


def test_the_result_lists_the_fields_shown() -> None:
    hidden = run({"mobile_retrieval": "no"})
    shown = run({"mobile_retrieval": "yes", "retrieval_transport": "ground"})
    assert "retrieval_transport" not in hidden.shown and "retrieval_transport" in shown.shown
    assert {"run_number", "mobile_retrieval"} <= set(hidden.shown)


def test_a_shown_field_is_required() -> None:
    result = run({"mobile_retrieval": "yes"})
    assert ("retrieval_transport", "required") in rules(result)
    assert not run({"mobile_retrieval": "yes", "retrieval_transport": "helicopter"}).errors


def test_branching_on_a_list_of_modes_and_an_or() -> None:
    assert "return_cannula_fr" in run({"mode": "va", "return_cannula_fr": "14"}).values
    assert run({"mode": "vv", "return_cannula_fr": "14"}).dropped == ["return_cannula_fr"]
    two = run({"mode": "vv", "vv_cannula": "two_cannulas", "return_cannula_fr": "14"})
    assert two.values["return_cannula_fr"] == 14


def test_branching_on_a_calculated_field_asks_neonates_for_gestational_age() -> None:
    neonate = {
        "network_id": "LN-0123456789",
        "sex": "male",
        "birth_date": "2025-05-20",
        "registration_date": "2025-05-21",
        "weight_kg": "3.1",
    }
    result = validate_record("patient", neonate, today=TODAY)
    assert {("gestational_age_weeks", "required"), ("birth_weight_kg", "required")} <= {
        (e.field, e.rule) for e in result.errors
    }
    older = validate_record("patient", neonate | {"birth_date": "2020-05-20", "weight_kg": "18"}, today=TODAY)
    assert not older.errors
    assert older.values["age_at_registration_days"] == 1827


# --- soft and hard ranges -------------------------------------------------------------------


def test_a_soft_range_value_needs_confirmation_then_is_accepted() -> None:
    warned = run({"weight_at_cannulation_kg": "0.45"})
    assert not warned.errors and not warned.ok
    assert [(w.field, w.rule) for w in warned.warnings] == [("weight_at_cannulation_kg", "soft_range")]
    assert "0.45 is unusual (expected 0.5 to 150)" in warned.warnings[0].english()
    confirmed = run({"weight_at_cannulation_kg": "0.45"}, confirmed_soft={"weight_at_cannulation_kg"})
    assert confirmed.ok and confirmed.values["weight_at_cannulation_kg"] == 0.45


def test_a_hard_range_value_is_refused_even_when_confirmed() -> None:
    result = run({"weight_at_cannulation_kg": "0.1"}, confirmed_soft={"weight_at_cannulation_kg"})
    assert ("weight_at_cannulation_kg", "range") in rules(result)
    assert "outside the allowed range 0.2 to 250" in result.errors[0].english()


# --- calculations and cross-field checks ----------------------------------------------------


def test_run_duration_and_age_are_calculated_not_typed() -> None:
    result = run({"run_duration_hours": 999, "age_group": "adult"})
    assert not result.errors
    assert result.values["run_duration_hours"] == 50.5
    assert result.values["age_at_cannulation_days"] == 11
    assert result.values["age_group"] == "neonate"


@pytest.mark.parametrize(
    ("birth_date", "start", "group", "days"),
    [
        ("2025-05-01", "2025-05-01 01:00", "neonate", 0),  # day of birth in Shanghai (still 30 April in UTC)
        ("2025-04-03", "2025-05-01 10:00", "neonate", 28),
        ("2025-04-02", "2025-05-01 10:00", "pediatric", 29),
        ("2007-05-02", "2025-05-01 10:00", "pediatric", 6574),  # one day before the 18th birthday
        ("2007-05-01", "2025-05-01 10:00", "adult", 6575),
        ("2004-02-29", "2022-02-28 10:00", "pediatric", 6574),  # leap-day births turn 18 on 1 March
    ],
)
def test_elso_age_groups(birth_date: str, start: str, group: str, days: int) -> None:
    """ELSO: neonatal 0–28 days, pediatric 29 days to < 18 years, adult (clinical-scores.md §1.1)."""
    result = run({"ecls_start": start, "ecls_end": None}, context={"patient": {"birth_date": birth_date}})
    assert result.values["age_group"] == group
    assert result.values["age_at_cannulation_days"] == days


def test_a_run_that_ends_before_it_starts_is_refused() -> None:
    result = run({"ecls_end": "2025-05-01 09:00"})
    assert ("ecls_end", "date_order") in rules(result)
    assert result.values["run_duration_hours"] == -1.0


def test_a_run_before_birth_is_refused() -> None:
    assert ("ecls_start", "date_order") in rules(run(context={"patient": {"birth_date": "2025-05-02"}}))


def test_check_messages_have_their_chinese_in_the_dictionary() -> None:
    error = next(e for e in run({"ecls_end": "2025-05-01 09:00"}).errors if e.rule == "date_order")
    assert translations(load_dictionary())[error.message] == "ECLS 结束时间早于开始时间。"


def test_ecpr_on_vv_is_inconsistent() -> None:
    assert ("mode", "consistency") in rules(run({"support_type": "ecpr", "mode": "vv"}))
    assert not run({"support_type": "ecpr", "mode": "va"}).errors


def test_a_complication_item_must_belong_to_its_category() -> None:
    base = {"complication_datetime": "2025-05-02T08:00+08:00"}
    ok = validate_record(
        "complication",
        base | {"complication_category": "neurologic", "complication_item": "cns_hemorrhage"},
        today=TODAY,
    )
    assert not ok.errors
    wrong = validate_record(
        "complication",
        base | {"complication_category": "renal", "complication_item": "cns_hemorrhage"},
        today=TODAY,
    )
    assert {(e.field, e.rule) for e in wrong.errors} == {("complication_item", "code_group")}


def test_outcome_death_and_discharge_follow_survival() -> None:
    died = validate_record(
        "outcome",
        {
            "weaned_off_ecls": "no",
            "discontinuation_reason": "died_on_ecls",
            "survived_to_discharge": "no",
            "death_date": "2025-05-03",
            "discharge_location": "home",
        },
        today=TODAY,
    )
    assert not died.errors and died.dropped == ["discharge_location"]
    impossible = validate_record(
        "outcome",
        {
            "weaned_off_ecls": "no",
            "discontinuation_reason": "recovered",
            "survived_to_discharge": "yes",
            "discharge_date": "2025-05-20",
            "discharge_location": "home",
        },
        today=TODAY,
    )
    assert ("survived_to_discharge", "consistency") in {(e.field, e.rule) for e in impossible.errors}


# --- local extensions -----------------------------------------------------------------------


def local(**kwargs: Any) -> Field:
    fields: dict[str, Any] = {
        "name": "local_ward_bed",
        "form": "ecls_run",
        "label_en": "Bed",
        "label_zh": "床号",
        "type": "text",
    }
    return Field(**(fields | kwargs))


def test_a_hospital_adds_local_fields_to_a_form() -> None:
    core = load_dictionary()
    extended = extend(
        core, [local(), local(name="local_ecmo_nurses", type="integer", min=1, max=6)], hospital="funan"
    )
    form = extended.form("ecls_run")
    assert form.field_names[-2:] == ("local_ward_bed", "local_ecmo_nurses")
    assert not form.field("local_ward_bed").core and extended.extension == "funan"
    assert core.form("ecls_run").get("local_ward_bed") is None  # the core is unchanged
    result = run({"local_ecmo_nurses": "9"}, dictionary=extended)
    assert ("local_ecmo_nurses", "range") in rules(result)


def test_a_core_field_cannot_be_retyped() -> None:
    with pytest.raises(InvalidInput) as caught:
        extend(load_dictionary(), [local(name="mode", type="text")])
    assert [(e.field, e.rule) for e in caught.value.errors] == [("mode", "core_retyped")]
    assert "mode" in str(caught.value)


def test_restating_a_core_field_unchanged_is_harmless() -> None:
    core = load_dictionary()
    same = core.form("ecls_run").field("mode")
    assert extend(core, [same]).form("ecls_run").fields == core.form("ecls_run").fields


def test_local_fields_are_checked_like_core_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        extend(
            load_dictionary(),
            [
                local(show_if='nonexistent == "x"'),
                local(name="local_pick", type="choice"),
                local(name="local_x", form="labs"),
            ],
        )
    assert {(e.field, e.rule) for e in caught.value.errors} == {
        ("local_ward_bed", "expression"),
        ("local_pick", "codelist"),
        ("local_x", "unknown_form"),
    }


# --- versions and migrations ----------------------------------------------------------------


def test_a_documented_change_migrates_values_of_older_records() -> None:
    core = load_dictionary()
    data = {
        "form": "ecls_run",
        "version": 3,
        "label_en": "Run",
        "label_zh": "运行",
        "fields": [
            {"name": "support_type", "label_en": "Support", "label_zh": "支持", "type": "choice", "codelist": "support_type"},
            {"name": "sites", "label_en": "Sites", "label_zh": "部位", "type": "multichoice", "codelist": "cannulation_site"},
        ],
        "changes": [
            {"version": 2, "field": "support", "rename_to": "support_type", "values": {"respiratory": "pulmonary"}, "note": "ELSO says pulmonary"},
            {"version": 3, "field": "sites", "values": {"neck": "right_internal_jugular_vein", "groin": None}, "note": "sites by vessel"},
        ],
    }  # fmt: skip
    form = parse_form(data, core=True)
    assert not check_form(core, form)
    old = {"support": "respiratory", "sites": ["neck", "groin"]}
    assert migrate_values(form, old, from_version=1) == {
        "support_type": "pulmonary",
        "sites": ["right_internal_jugular_vein"],
    }
    assert migrate_values(form, {"support_type": "cardiac", "sites": ["neck"]}, from_version=2) == {
        "support_type": "cardiac",
        "sites": ["right_internal_jugular_vein"],
    }
    assert migrate_values(form, {"support_type": "cardiac"}, from_version=3) == {"support_type": "cardiac"}
    broken = parse_form(
        data
        | {
            "changes": [
                {
                    "version": 2,
                    "field": "x",
                    "values": {"a": "lung"},
                    "rename_to": "support_type",
                    "note": "?",
                }
            ]
        },
        core=True,
    )
    assert [(p.field, p.rule) for p in check_form(core, broken)] == [("x", "change")]
