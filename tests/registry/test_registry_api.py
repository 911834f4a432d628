"""The registry API as a hospital's data system uses it: register, fill forms, correct, lock.

Through the real app and database (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lifenet.registry.models import RegistryRecord
from tests.conftest import World
from tests.registry import factories

R = "/api/v1/registry"


def register(client: TestClient, world: World, hospital: str = "funan", **changes: Any) -> dict[str, Any]:
    body = {"org_unit_id": world.unit(hospital), "values": factories.PATIENT | changes}
    answer = client.post(f"{R}/patients", json=body)
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def add(client: TestClient, parent_id: int, form: str, values: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(f"{R}/records", json={"form": form, "parent_id": parent_id, "values": values})
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def full_case(client: TestClient, world: World, hospital: str = "funan") -> dict[str, int]:
    patient = register(client, world, hospital)
    top = patient["records"][0]["id"]
    episode = add(client, top, "episode", factories.EPISODE)["id"]
    add(client, episode, "diagnosis", factories.DIAGNOSIS)
    add(client, episode, "pre_ecls", factories.PRE_ECLS)
    run = add(client, episode, "ecls_run", factories.ECLS_RUN)["id"]
    outcome = add(client, run, "outcome", factories.OUTCOME)["id"]
    return {"patient": patient["id"], "episode": episode, "run": run, "outcome": outcome}


def test_a_data_manager_enters_a_whole_ecls_case(world: World) -> None:
    client = world.api_client("county_a_dm")
    case = full_case(client, world)
    patient = client.get(f"{R}/patients/{case['patient']}").json()
    assert patient["network_id"].startswith("LN-")
    forms = [r["form"] for r in patient["records"]]
    assert forms == ["patient", "episode", "diagnosis", "pre_ecls", "ecls_run", "outcome"]
    stored = {r["form"]: r["values"] for r in patient["records"]}
    assert stored["patient"]["network_id"] == patient["network_id"]
    # Typed as 14:10 in the hospital's zone (Shanghai), kept in UTC.
    assert stored["ecls_run"]["ecls_start"] == "2025-03-05T06:10:00+00:00"
    # Calculated, not typed: the age at registration.
    assert stored["patient"]["age_at_registration_days"] == 626
    listed = client.get(f"{R}/patients", params={"search": patient["network_id"][:6]}).json()
    assert case["patient"] in [p["id"] for p in listed]


def test_a_hard_error_names_the_field_and_rule_and_saves_nothing(world: World) -> None:
    client = world.api_client("county_a_dm")
    with world.session() as session:
        before = session.scalar(select(func.count()).select_from(RegistryRecord))
    answer = client.post(
        f"{R}/patients",
        json={"org_unit_id": world.unit("funan"), "values": factories.PATIENT | {"weight_kg": "900"}},
    )
    assert answer.status_code == 422
    assert {(d["field"], d["rule"]) for d in answer.json()["detail"]} == {("weight_kg", "range")}
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(RegistryRecord)) == before


def test_a_soft_range_value_needs_confirmation(world: World) -> None:
    client = world.api_client("county_a_dm")
    body = {"org_unit_id": world.unit("funan"), "values": factories.PATIENT | {"weight_kg": "160"}}
    refused = client.post(f"{R}/patients", json=body)
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["field"] == "weight_kg"
    assert refused.json()["detail"][0]["rule"] == "soft_range"
    accepted = client.post(f"{R}/patients", json=body | {"confirm": ["weight_kg"]})
    assert accepted.status_code == 201, accepted.text


def test_a_branching_field_is_required_only_when_shown(world: World) -> None:
    client = world.api_client("county_a_dm")
    top = register(client, world)["records"][0]["id"]
    referred = factories.EPISODE | {"referral_source": "other_hospital"}
    answer = client.post(f"{R}/records", json={"form": "episode", "parent_id": top, "values": referred})
    assert answer.status_code == 422
    assert "referring_hospital" in {d["field"] for d in answer.json()["detail"]}
    assert add(client, top, "episode", factories.EPISODE)["values"]["referral_source"] == "emergency"


def test_a_second_form_of_a_kind_that_does_not_repeat_is_refused(world: World) -> None:
    client = world.api_client("county_a_dm")
    case = full_case(client, world)
    again = client.post(
        f"{R}/records", json={"form": "outcome", "parent_id": case["run"], "values": factories.OUTCOME}
    )
    assert again.status_code == 409
    assert again.json()["detail"][0]["rule"] == "single"


def test_a_form_under_the_wrong_parent_is_refused(world: World) -> None:
    client = world.api_client("county_a_dm")
    case = full_case(client, world)
    answer = client.post(
        f"{R}/records", json={"form": "outcome", "parent_id": case["episode"], "values": factories.OUTCOME}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "parent_id"


def test_a_correction_needs_the_version_read_and_a_reason(world: World) -> None:
    client = world.api_client("county_a_dm")
    case = full_case(client, world)
    url = f"{R}/records/{case['run']}"
    changed = client.patch(url, json={"values": {"run_number": 2}, "version": 1, "reason": "typo"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["values"]["run_number"] == 2
    stale = client.patch(url, json={"values": {"run_number": 3}, "version": 1, "reason": "mine"})
    assert stale.status_code == 409
    assert stale.json()["detail"][0]["rule"] == "stale"
    no_reason = client.patch(url, json={"values": {"run_number": 3}, "version": 2, "reason": ""})
    assert no_reason.status_code == 422


def test_a_locked_record_cannot_change_until_unlocked_with_a_reason(world: World) -> None:
    client = world.api_client("county_a_dm")
    case = full_case(client, world)
    assert client.post(f"{R}/records/{case['outcome']}/lock").status_code == 200
    refused = client.patch(
        f"{R}/records/{case['outcome']}", json={"values": {}, "version": 1, "reason": "late data"}
    )
    assert refused.status_code == 409
    assert client.post(f"{R}/records/{case['outcome']}/unlock", json={}).status_code == 422
    unlocked = client.post(f"{R}/records/{case['outcome']}/unlock", json={"reason": "late lab result"})
    assert unlocked.status_code == 200 and unlocked.json()["locked_at"] is None


def test_another_county_sees_nothing_of_the_case(world: World) -> None:
    case = full_case(world.api_client("county_a_dm"), world)
    other = world.api_client("county_b_doctor")
    assert other.get(f"{R}/patients/{case['patient']}").status_code == 404
    assert other.get(f"{R}/records/{case['run']}").status_code == 404
    assert case["patient"] not in [p["id"] for p in other.get(f"{R}/patients").json()]


def test_the_dictionary_is_served_as_json_and_as_a_redcap_csv(world: World) -> None:
    client = world.api_client("county_a_doctor")
    dictionary = client.get(f"{R}/dictionary").json()
    assert "ecls_run" in dictionary["forms"]
    csv = client.get(f"{R}/dictionary/redcap.csv")
    assert csv.status_code == 200
    assert csv.text.startswith('"Variable / Field Name"') or csv.text.startswith("Variable / Field Name")


def test_a_transferred_child_keeps_one_id_and_the_hospitals_share_only_the_transfer(world: World) -> None:
    funan = world.api_client("county_a_dm")
    case = full_case(funan, world)
    network_id = funan.get(f"{R}/patients/{case['patient']}").json()["network_id"]
    hub = world.api_client("hub.doctor")
    admitted = hub.post(
        f"{R}/transfers",
        json={
            "network_id": network_id,
            "org_unit_id": world.unit("hub"),
            "values": factories.EPISODE
            | {
                "admission_datetime": "2025-03-06 10:00",
                "referral_source": "other_hospital",
                "referring_hospital": "Funan County People's Hospital",
                "transferred_on_ecls": "yes",
            },
        },
    )
    assert admitted.status_code == 201, admitted.text
    seen_by_hub = {r["form"] for r in hub.get(f"{R}/patients/{case['patient']}").json()["records"]}
    assert seen_by_hub == {"patient", "episode"}  # the shared patient form and its own episode
    assert hub.get(f"{R}/records/{case['run']}").status_code == 404  # Funan's run stays Funan's
    seen_by_funan = [r for r in funan.get(f"{R}/patients/{case['patient']}").json()["records"]]
    assert admitted.json()["id"] in [r["id"] for r in seen_by_funan]  # the transfer episode
    assert len({r["patient_id"] for r in seen_by_funan}) == 1
    other = world.api_client("county_b_doctor")
    assert other.get(f"{R}/patients/{case['patient']}").status_code == 404


def test_admitting_an_unknown_network_id_names_the_field(world: World) -> None:
    answer = world.api_client("hub.doctor").post(
        f"{R}/transfers",
        json={"network_id": "LN-0000000000", "org_unit_id": world.unit("hub"), "values": factories.EPISODE},
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "network_id"


def test_a_record_cannot_be_hung_under_another_hospitals_record(world: World) -> None:
    funan = world.api_client("county_a_dm")
    case = full_case(funan, world)
    # The hub expert writes at the hub and at Funan: a run at the hub under Funan's episode
    # would move Funan's child to the hub without a transfer; it is refused, nothing saved.
    expert = world.api_client("expert")
    run = factories.ECLS_RUN | {"run_number": "2"}
    body = {"form": "ecls_run", "parent_id": case["episode"], "org_unit_id": world.unit("hub"), "values": run}
    refused = expert.post(f"{R}/records", json=body)
    assert refused.status_code == 422, refused.text
    assert [(d["field"], d["rule"]) for d in refused.json()["detail"]] == [("org_unit_id", "hospital")]
    runs = [
        r for r in funan.get(f"{R}/patients/{case['patient']}").json()["records"] if r["form"] == "ecls_run"
    ]
    assert len(runs) == 1
    at_funan = expert.post(f"{R}/records", json=body | {"org_unit_id": world.unit("funan-picu")})
    assert at_funan.status_code == 201, at_funan.text  # a ward of the same hospital is fine


def test_an_import_cannot_hang_runs_under_another_hospitals_admission(world: World) -> None:
    from lifenet.registry.imports import ImportRefused, do_import_file
    from tests.registry.test_import import csv_bytes

    funan = world.api_client("county_a_dm")
    case = full_case(funan, world)
    network_id = funan.get(f"{R}/patients/{case['patient']}").json()["network_id"]
    run = factories.ECLS_RUN | {"run_number": "2"}
    cells = [network_id, factories.EPISODE["admission_datetime"]]
    cells += ["|".join(v) if isinstance(v, list) else v for v in run.values()]
    body = csv_bytes(["network_id", "admission_datetime", *run], [cells])
    # Even the system (no user scope at all) imports Funan's runs only at Funan.
    with world.session() as session, pytest.raises(ImportRefused) as refused:
        do_import_file(session, None, body, form="ecls_run", org_unit_id=world.unit("hub"))
    issues = refused.value.report.issues
    assert issues.select("field", "rule").rows() == [("admission_datetime", "parent")]
    assert "at this hospital" in issues["message"][0]
    with world.session() as session:
        report = do_import_file(session, None, body, form="ecls_run", org_unit_id=world.unit("funan-picu"))
    assert report.created == 1
