"""The dictionary as a REDCap data dictionary CSV, and a hospital's REDCap dictionary read
back as its local extension: export, import, the same fields."""

from __future__ import annotations

import csv
import io
import re

import pytest

from lifenet.lib.errors import InvalidInput
from lifenet.registry import redcap
from lifenet.registry.dictionary import Choice, Codelist, Field, extend, load_dictionary
from lifenet.registry.dictionary import expressions as ex

LOCAL = [
    Field(name="local_bed", form="ecls_run", label_en="Bed", label_zh="床号", type="text", max_length=10),
    Field(
        name="local_team_size", form="ecls_run", label_en="Team size", label_zh="团队人数", type="integer",
        min=1, max=12, soft_max=8, required=True, show_if='mode in ["va", "vva"] and mobile_retrieval == true',
    ),
    Field(name="local_lactate_clearance", form="daily_observation", label_en="Lactate clearance", label_zh="乳酸清除率",
          type="decimal", unit="%", min=-100, max=100, show_if='"epinephrine" in vasoactive_drugs'),
    Field(name="local_consent_date", form="patient", label_en="Consent date", label_zh="知情同意日期", type="date"),
    Field(name="local_visit", form="outcome", label_en="Follow-up at", label_zh="随访时间", type="datetime",
          show_if="survived_to_discharge == true"),
    Field(name="local_followup", form="outcome", label_en="Follow-up done", label_zh="已随访", type="yesno"),
    Field(name="local_grade", form="complication", label_en="Grade", label_zh="分级", type="choice",
          codelist="local_grade", required=True, show_if='complication_category != "mechanical"'),
    Field(name="local_tests", form="complication", label_en="Tests", label_zh="检查", type="multichoice",
          codelist="local_tests"),
]  # fmt: skip
CODELISTS = {
    "local_grade": Codelist(
        name="local_grade",
        choices=(Choice(code="g1", en="Mild", zh="轻度"), Choice(code="g2", en="Severe", zh="重度")),
    ),
    "local_tests": Codelist(
        name="local_tests",
        choices=(Choice(code="ct", en="CT", zh="CT"), Choice(code="us", en="Ultrasound", zh="超声")),
    ),
}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_has_redcaps_18_columns_and_every_field() -> None:
    text = redcap.export_redcap()
    header = next(csv.reader(io.StringIO(text)))
    assert header == list(redcap.HEADER) and len(header) == 18
    assert header[0] == "Variable / Field Name" and header[-1] == "Field Annotation"
    exported = [(r["Form Name"], r["Variable / Field Name"]) for r in rows(text)]
    core = load_dictionary()
    variables = redcap.variable_names(core)
    assert exported == [
        (form.name, variables[(form.name, f.name)]) for form in core.forms.values() for f in form.fields
    ]


def test_variable_names_are_unique_and_valid_in_redcap() -> None:
    names = [r["Variable / Field Name"] for r in rows(redcap.export_redcap())]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{0,99}", n) for n in names)
    # the daily observation's pH is not the pre-ECLS pH
    by_name = {r["Variable / Field Name"]: r for r in rows(redcap.export_redcap())}
    assert by_name["ph"]["Form Name"] == "pre_ecls"
    daily = by_name["daily_observation__fio2"]
    assert (
        daily["Branching Logic (Show field only if...)"] == "[daily_observation__ventilator_mode] <> 'none'"
    )


def test_fields_map_to_redcap_types_validations_and_branching() -> None:
    by_name = {(r["Form Name"], r["Variable / Field Name"]): r for r in rows(redcap.export_redcap())}
    rate = by_name[("pre_ecls", "ventilator_rate")]
    assert (rate["Field Type"], rate["Text Validation Type OR Show Slider Number"]) == ("text", "integer")
    assert (rate["Text Validation Min"], rate["Text Validation Max"]) == ("0", "150")
    assert rate["Branching Logic (Show field only if...)"] == (
        "([ventilator_mode] = 'pressure_control' or [ventilator_mode] = 'volume_control' "
        "or [ventilator_mode] = 'prvc' or [ventilator_mode] = 'simv')"
    )
    assert by_name[("ecls_run", "mode")]["Choices, Calculations, OR Slider Labels"].startswith(
        "va, Veno-arterial (VA) | vv,"
    )
    assert by_name[("ecls_run", "mode")]["Field Type"] == "radio"
    assert by_name[("ecls_run", "cannulation_sites")]["Field Type"] == "checkbox"
    assert by_name[("ecls_run", "mobile_retrieval")]["Field Type"] == "yesno"
    assert (
        by_name[("ecls_run", "retrieval_transport")]["Branching Logic (Show field only if...)"]
        == "[mobile_retrieval] = '1'"
    )
    assert by_name[("ecls_run", "ecls_start")]["Text Validation Type OR Show Slider Number"] == "datetime_ymd"
    duration = by_name[("ecls_run", "run_duration_hours")]
    assert (duration["Field Type"], duration["Choices, Calculations, OR Slider Labels"]) == (
        "calc",
        'datediff([ecls_start],[ecls_end],"h",true)',
    )
    assert "@CALCTEXT(" in by_name[("ecls_run", "age_group")]["Field Annotation"]
    assert by_name[("patient", "birth_date")]["Identifier?"] == "y"
    assert by_name[("patient", "sex")]["Required Field?"] == "y"
    assert by_name[("patient", "network_id")]["Section Header"] == "Identity"


@pytest.mark.parametrize(
    "condition",
    [
        'support_type == "ecpr"',
        'mode in ["va", "vva"]',
        'mode not in ["va", "vva"]',
        '"epinephrine" in vasoactive_drugs',
        '"epinephrine" not in vasoactive_drugs',
        "cardiac_arrest == true and (age <= 28 or weight > 2.5)",
        'mode != "vv" or vv_cannula == "two_cannulas"',
    ],
)
def test_branching_translates_to_redcap_and_back(condition: str) -> None:
    fields = {
        "cardiac_arrest": Field(name="cardiac_arrest", label_en="x", label_zh="x", type="yesno"),
        "age": Field(name="age", label_en="x", label_zh="x", type="integer"),
        "weight": Field(name="weight", label_en="x", label_zh="x", type="decimal"),
    }
    text = redcap.to_redcap(ex.parse(condition))
    assert redcap.from_redcap(text, fields) == ex.unparse(ex.parse(condition))


def test_round_trip_export_import_gives_the_same_fields() -> None:
    core = load_dictionary()
    extended = extend(core, LOCAL, codelists=CODELISTS, hospital="funan")
    imported = redcap.import_extension(redcap.export_redcap(extended), core, hospital="funan")
    for name, form in extended.forms.items():
        assert imported.forms[name].fields == form.fields, name
    assert imported.codelists["local_grade"] == CODELISTS["local_grade"]
    assert imported.extension == "funan"


def test_a_plain_redcap_dictionary_row_becomes_a_local_field() -> None:
    text = redcap.export_redcap()
    extra = (
        "local_room,ecls_run,,dropdown,Room,\"1, Room one | 2, Room two\",,,,,,[mode] = 'va',y,,,,,\n"
        "local_note,ecls_run,,notes,Note,,,,,,,,,,,,,\n"
        "local_intro,ecls_run,,descriptive,Read this,,,,,,,,,,,,,\n"
    )
    imported = redcap.import_extension(text + extra)
    room = imported.form("ecls_run").field("local_room")
    assert (room.type, room.show_if, room.required, room.core) == ("choice", 'mode == "va"', True, False)
    assert imported.codelists["local_room"].codes == ("1", "2")
    assert imported.form("ecls_run").field("local_note").type == "text"
    assert imported.form("ecls_run").get("local_intro") is None


def test_a_retyped_core_field_is_refused_naming_it() -> None:
    text = redcap.export_redcap().replace(
        '{""type"": ""integer"", ""label_zh"": ""运行序号""',
        '{""type"": ""text"", ""label_zh"": ""运行序号""',
    )
    with pytest.raises(InvalidInput) as caught:
        redcap.import_extension(text)
    assert [(e.field, e.rule) for e in caught.value.errors] == [("run_number", "core_retyped")]


def test_a_removed_core_field_is_refused_naming_it() -> None:
    lines = redcap.export_redcap().splitlines(keepends=True)
    text = "".join(line for line in lines if not line.startswith("pump_type,"))
    with pytest.raises(InvalidInput) as caught:
        redcap.import_extension(text)
    assert [(e.field, e.rule) for e in caught.value.errors] == [("pump_type", "core_removed")]


def test_a_file_that_is_not_a_redcap_dictionary_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        redcap.import_extension("name,label\nx,y\n")
    assert caught.value.errors[0].rule == "header"


def test_unsupported_redcap_fields_are_refused_naming_them() -> None:
    extra = "local_scan,ecls_run,,file,Scan,,,,,,,,,,,,,\nlocal_bad,ecls_run,,text,Bad,,,,,,,[mode] = = 'va',,,,,,\n"
    with pytest.raises(InvalidInput) as caught:
        redcap.import_extension(redcap.export_redcap() + extra)
    assert {(e.field, e.rule) for e in caught.value.errors} == {
        ("local_scan", "unsupported"),
        ("local_bad", "branching"),
    }
