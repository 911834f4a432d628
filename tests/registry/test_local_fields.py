"""A hospital's local fields: kept as its REDCap dictionary, used by its forms and validation
only, and never allowed to remove or retype a core field."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.registry import factories
from tests.registry.test_import import csv_bytes
from tests.registry.test_registry_api import R, full_case

LOCAL_ROW = {
    "Variable / Field Name": "local_team_size",
    "Form Name": "ecls_run",
    "Field Type": "text",
    "Field Label": "ECMO team members at cannulation",
    "Text Validation Type OR Show Slider Number": "integer",
    "Text Validation Min": "1",
    "Text Validation Max": "20",
}


def with_rows(core_csv: str, extra: list[dict[str, str]], retype: str | None = None) -> str:
    rows = list(csv.DictReader(io.StringIO(core_csv.lstrip("\ufeff"))))
    assert rows, "the core dictionary has rows"
    header = list(rows[0])
    if retype is not None:
        for row in rows:
            if row["Variable / Field Name"] == retype:
                # Made free text, as someone editing the file in Excel might.
                row["Text Validation Type OR Show Slider Number"] = ""
                row["Field Annotation"] = ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    writer.writerows(rows)
    writer.writerows({name: row.get(name, "") for name in header} for row in extra)
    return out.getvalue()


def test_a_hospital_adds_a_local_field_that_only_its_forms_use(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    kept = dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [LOCAL_ROW]))
    assert kept.status_code == 200, kept.text
    assert kept.json()["local_fields"] == ["ecls_run.local_team_size"]
    exported = dm.get(f"{R}/hospitals/{world.unit('funan')}/dictionary.csv").text
    assert "local_team_size" in exported

    case = full_case(dm, world)
    episode = case["episode"]
    run = factories.ECLS_RUN | {"run_number": "2", "local_team_size": "6"}
    saved = dm.post(f"{R}/records", json={"form": "ecls_run", "parent_id": episode, "values": run})
    assert saved.status_code == 201, saved.text
    assert saved.json()["values"]["local_team_size"] == 6
    too_many = run | {"run_number": "3", "local_team_size": "40"}
    refused = dm.post(f"{R}/records", json={"form": "ecls_run", "parent_id": episode, "values": too_many})
    assert refused.status_code == 422
    assert [(d["field"], d["rule"]) for d in refused.json()["detail"]] == [("local_team_size", "range")]

    client, _csrf = world.page_client("county_a_dm")
    page = client.get(f"/registry/records/{saved.json()['id']}")
    assert 'name="local_team_size"' in page.text

    # Another hospital's forms do not have it.
    linquan = world.api_client("county_b_doctor")
    other = full_case(world.api_client("linquan.dm"), world, "linquan")
    unknown = linquan.post(
        f"{R}/records", json={"form": "ecls_run", "parent_id": other["episode"], "values": run}
    )
    assert unknown.status_code == 422
    assert ("local_team_size", "unknown_field") in {(d["field"], d["rule"]) for d in unknown.json()["detail"]}


def test_a_core_field_cannot_be_retyped_and_nothing_is_kept(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    broken = with_rows(core, [LOCAL_ROW], retype="run_number")
    refused = dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=broken)
    assert refused.status_code == 422
    assert "run_number" in {d["field"] for d in refused.json()["detail"]}
    assert "local_team_size" not in dm.get(f"{R}/hospitals/{world.unit('funan')}/dictionary.csv").text


def test_only_the_hospitals_data_manager_may_set_its_local_fields(world: World) -> None:
    core = world.api_client("county_a_dm").get(f"{R}/dictionary/redcap.csv").text
    answer = world.api_client("county_a_doctor").put(
        f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [LOCAL_ROW])
    )
    assert answer.status_code == 403


def test_the_local_fields_page_takes_the_file_and_lists_the_fields(world: World) -> None:
    core = world.api_client("county_a_dm").get(f"{R}/dictionary/redcap.csv").text
    client, csrf = world.page_client("county_a_dm")
    uploaded = client.post(
        "/registry/dictionary",
        data={"csrf_token": csrf, "org_unit_id": str(world.unit("funan"))},
        files={"file": ("funan.csv", with_rows(core, [LOCAL_ROW]).encode("utf-8"), "text/csv")},
    )
    assert uploaded.status_code == 303, uploaded.text
    assert "ecls_run.local_team_size" in client.get("/registry/dictionary").text
    broken = client.post(
        "/registry/dictionary",
        data={"csrf_token": csrf, "org_unit_id": str(world.unit("funan"))},
        files={"file": ("funan.csv", with_rows(core, [], retype="run_number").encode("utf-8"), "text/csv")},
    )
    assert broken.status_code == 422 and "run_number" in broken.text


def import_run(dm: TestClient, world: World, network_id: str, run: dict[str, Any]) -> Any:
    """One ECLS run imported as a CSV file at Funan, under the factory's admission."""
    cells = [network_id, factories.EPISODE["admission_datetime"]]
    cells += ["|".join(v) if isinstance(v, list) else v for v in run.values()]
    body = csv_bytes(["network_id", "admission_datetime", *run], [cells])
    return dm.post(
        f"{R}/imports",
        params={"form": "ecls_run", "org_unit_id": world.unit("funan")},
        files={"file": ("runs.csv", body, "text/csv")},
    )


def test_an_import_reads_the_hospitals_local_fields(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [LOCAL_ROW]))
    patient = dm.post(
        f"{R}/patients", json={"org_unit_id": world.unit("funan"), "values": factories.PATIENT}
    ).json()
    episode = dm.post(
        f"{R}/records",
        json={"form": "episode", "parent_id": patient["records"][0]["id"], "values": factories.EPISODE},
    )
    assert episode.status_code == 201, episode.text
    imported = import_run(dm, world, patient["network_id"], factories.ECLS_RUN | {"local_team_size": "5"})
    assert imported.status_code == 201, imported.text
    assert imported.json()["created"] == 1


def test_an_import_applies_a_local_fields_check(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    assert dm.put(
        f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [XRAY_ROW])
    ).is_success
    case = full_case(dm, world)
    network_id = dm.get(f"{R}/patients/{case['patient']}").json()["network_id"]
    run = factories.ECLS_RUN | {"run_number": "2", "local_xray_at": "2025-03-05 09:00"}
    refused = import_run(dm, world, network_id, run)
    assert refused.status_code == 422
    assert [(d["field"], d["rule"]) for d in refused.json()["detail"]] == [("local_xray_at", "date_order")]


LOCAL_CHOICE = {
    "Variable / Field Name": "local_circuit_brand",
    "Form Name": "ecls_run",
    "Field Type": "radio",
    "Field Label": "Circuit brand",
    "Choices, Calculations, OR Slider Labels": "maquet, Maquet Cardiohelp | medos, Medos Deltastream",
}


def test_a_local_choice_keeps_to_its_own_code_list_and_counts_as_a_field(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    kept = dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [LOCAL_CHOICE]))
    assert kept.status_code == 200, kept.text
    episode = full_case(dm, world)["episode"]
    run = factories.ECLS_RUN | {"run_number": "2"}
    wrong = dm.post(
        f"{R}/records",
        json={"form": "ecls_run", "parent_id": episode, "values": run | {"local_circuit_brand": "zzz"}},
    )
    assert wrong.status_code == 422
    assert [(d["field"], d["rule"]) for d in wrong.json()["detail"]] == [("local_circuit_brand", "code")]
    saved = dm.post(
        f"{R}/records",
        json={"form": "ecls_run", "parent_id": episode, "values": run | {"local_circuit_brand": "medos"}},
    )
    assert saved.status_code == 201, saved.text
    # A file may give the local choice by its label, as REDCap's label export does.
    patient = dm.get(f"{R}/patients/{dm.get(f'{R}/records/{episode}').json()['patient_id']}").json()
    labelled = import_run(
        dm,
        world,
        patient["network_id"],
        run | {"run_number": "3", "local_circuit_brand": "Medos Deltastream"},
    )
    assert labelled.status_code == 201, labelled.text
    runs = [
        r["values"]
        for r in dm.get(f"{R}/patients/{patient['id']}").json()["records"]
        if r["form"] == "ecls_run"
    ]
    assert [r.get("local_circuit_brand") for r in runs if r["run_number"] == 3] == ["medos"]

    # Data quality reads the hospital's own dictionary: the local value is no "unknown field".
    officer = world.api_client("quality_officer")
    asked = officer.post(
        f"{R}/records/{saved.json()['id']}/queries",
        json={"field": "local_circuit_brand", "question": "Which oxygenator came with it?"},
    )
    assert asked.status_code == 201, asked.text
    client, _csrf = world.page_client("quality_officer")
    invalid = client.get(
        "/registry/quality/problems",
        params={"hospital": world.unit("funan"), "form": "ecls_run", "rule": "invalid_values"},
    )
    assert invalid.status_code == 200
    assert "local_circuit_brand" not in invalid.text


def test_the_new_patient_and_transfer_forms_carry_the_chosen_hospitals_local_fields(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    local = LOCAL_ROW | {"Variable / Field Name": "local_referral_code", "Form Name": "patient"}
    local |= {"Field Label": "County referral code", "Text Validation Type OR Show Slider Number": ""}
    local |= {"Text Validation Min": "", "Text Validation Max": "", "Required Field?": "y"}
    episode = LOCAL_ROW | {
        "Variable / Field Name": "local_ward_bed",
        "Form Name": "episode",
        "Field Label": "Bed",
    }
    kept = dm.put(
        f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [local, episode])
    )
    assert kept.status_code == 200, kept.text

    client, csrf = world.page_client("county_a_dm")
    client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    # The county data manager writes for one hospital: it is chosen, and its fields are there.
    page = client.get("/registry/patients/new").text
    assert 'name="local_referral_code"' in page and 'name="_unit_id" value="' in page
    data = {"csrf_token": csrf, "org_unit_id": str(world.unit("funan"))} | factories.PATIENT
    missing = client.post("/registry/patients/new", data=data)
    assert missing.status_code == 422 and 'name="local_referral_code"' in missing.text
    assert 'value="2023-06-15"' in missing.text  # what was typed stays
    saved = client.post("/registry/patients/new", data=data | {"local_referral_code": "FN-2025-17"})
    assert saved.status_code == 303, saved.text
    patient = dm.get(f"{R}/patients/{saved.headers['location'].split('/')[-1].split('?')[0]}").json()
    assert patient["records"][0]["values"]["local_referral_code"] == "FN-2025-17"

    # The hub's doctor admits a child from elsewhere: the hub has no local fields, Funan does.
    hub, _hub_csrf = world.page_client("hub.doctor")
    assert (
        'name="local_ward_bed"' not in hub.get("/registry/transfers/new", params={"network_id": "LN-X"}).text
    )
    transfer = client.get("/registry/transfers/new", params={"network_id": patient["network_id"]}).text
    assert 'name="local_ward_bed"' in transfer


def test_a_user_of_several_hospitals_chooses_one_before_its_fields_show(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    local = LOCAL_ROW | {"Variable / Field Name": "local_referral_code", "Form Name": "patient"}
    local |= {
        "Text Validation Type OR Show Slider Number": "",
        "Text Validation Min": "",
        "Text Validation Max": "",
    }
    assert (
        dm.put(
            f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [local])
        ).status_code
        == 200
    )
    client, _csrf = world.page_client("hub_expert")  # writes at the hub and at Funan
    first = client.get("/registry/patients/new").text
    assert 'name="local_referral_code"' not in first and 'value="" selected disabled' in first
    chosen = client.get("/registry/patients/new", params={"hospital": world.unit("funan")}).text
    assert 'name="local_referral_code"' in chosen
    assert f'<option value="{world.unit("funan")}" selected>' in chosen


XRAY_CHECK = {
    "rule": "date_order",
    "expr": "local_xray_at >= ecls_start",
    "message_en": "The chest X-ray is before the run started.",
    "message_zh": "胸片时间早于 ECLS 开始时间。",
}
XRAY_ROW = LOCAL_ROW | {
    "Variable / Field Name": "local_xray_at",
    "Field Label": "First chest X-ray on ECLS",
    "Text Validation Type OR Show Slider Number": "datetime_ymd",
    "Text Validation Min": "",
    "Text Validation Max": "",
    "Field Annotation": '@LIFENET={"label_zh": "ECLS 后首次胸片", "checks": ['
    + json.dumps(XRAY_CHECK)
    + "]}",
}


def test_a_local_field_brings_its_own_cross_field_check(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    kept = dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [XRAY_ROW]))
    assert kept.status_code == 200, kept.text
    # The check travels with the field in the hospital's REDCap dictionary.
    exported = dm.get(f"{R}/hospitals/{world.unit('funan')}/dictionary.csv").text
    assert "local_xray_at >= ecls_start" in exported

    case = full_case(dm, world)
    early = factories.ECLS_RUN | {"run_number": "2", "local_xray_at": "2025-03-05 09:00"}
    refused = dm.post(
        f"{R}/records", json={"form": "ecls_run", "parent_id": case["episode"], "values": early}
    )
    assert refused.status_code == 422
    assert [(d["field"], d["rule"]) for d in refused.json()["detail"]] == [("local_xray_at", "date_order")]
    assert refused.json()["detail"][0]["message"] == XRAY_CHECK["message_en"]
    later = early | {"local_xray_at": "2025-03-05 16:00"}
    saved = dm.post(f"{R}/records", json={"form": "ecls_run", "parent_id": case["episode"], "values": later})
    assert saved.status_code == 201, saved.text

    # On the form, in Chinese.
    client, csrf = world.page_client("county_a_dm")
    client.post("/language", data={"csrf_token": csrf, "language": "zh_Hans", "next": "/"})
    url = f"/registry/records/{saved.json()['id']}"
    version = re.search(r'name="version" value="(\d+)"', client.get(url).text)
    assert version is not None
    page = client.post(url, data={"csrf_token": csrf, "version": version.group(1), "reason": "更正"} | early)
    assert page.status_code == 422 and XRAY_CHECK["message_zh"] in page.text


def test_a_local_check_must_belong_to_a_local_field_and_read_known_fields(world: World) -> None:
    dm = world.api_client("county_a_dm")
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    unknown = dict(XRAY_CHECK, expr="local_xray_at >= no_such_field")
    bad = XRAY_ROW | {"Field Annotation": '@LIFENET={"checks": [' + json.dumps(unknown) + "]}"}
    refused = dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [bad]))
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["detail"]] == ["local_xray_at"]
    assert "no_such_field" in refused.json()["detail"][0]["message"]
    shapeless = XRAY_ROW | {"Field Annotation": '@LIFENET={"checks": "x >= y"}'}
    refused = dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [shapeless]))
    assert refused.status_code == 422 and refused.json()["detail"][0]["rule"] == "invalid"
    on_core = [
        r | {"Field Annotation": '@LIFENET={"checks": [' + json.dumps(XRAY_CHECK) + "]}"}
        for r in csv.DictReader(io.StringIO(core.lstrip("\ufeff")))
        if r["Variable / Field Name"] == "ecls_end"
    ]
    refused = dm.put(f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, on_core))
    assert refused.status_code == 422
    assert "Only a hospital's own fields may carry its checks" in refused.text
    # Nothing was kept: the hospital still has no local fields.
    assert "local_xray_at" not in dm.get(f"{R}/hospitals/{world.unit('funan')}/dictionary.csv").text
