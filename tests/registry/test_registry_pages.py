"""Registry pages through the real app: forms built from the dictionary, errors beside the
field, the conflict rule, data-quality queries from raising to closing."""

from __future__ import annotations

import re

from tests.conftest import World
from tests.registry import factories
from tests.registry.test_registry_api import R, full_case


def version_of(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found is not None
    return found.group(1)


def test_the_new_patient_form_is_built_from_the_dictionary_in_both_languages(world: World) -> None:
    client, csrf = world.page_client("county_a_dm")
    client.post("/language", data={"csrf_token": csrf, "language": "zh_Hans", "next": "/"})
    page = client.get("/registry/patients/new")
    assert page.status_code == 200
    assert "出生日期" in page.text and 'name="birth_date"' in page.text and 'type="date"' in page.text
    # A neonate's fields show only for a neonate: hidden until the dates say so.
    assert re.search(r'data-field="gestational_age_weeks"\s+hidden', page.text)
    client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    assert "Date of birth" in client.get("/registry/patients/new").text


def test_a_hard_error_is_shown_beside_its_field_and_the_typed_values_stay(world: World) -> None:
    client, csrf = world.page_client("county_a_dm")
    client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    data = {"csrf_token": csrf, "org_unit_id": str(world.unit("funan"))} | factories.PATIENT
    page = client.post("/registry/patients/new", data=data | {"weight_kg": "900"})
    assert page.status_code == 422
    assert "900 is outside the allowed range 0.2 to 250." in page.text
    assert 'value="2023-06-15"' in page.text


def test_branching_is_answered_by_the_server_as_the_user_types(world: World) -> None:
    client, csrf = world.page_client("county_a_dm")
    shown = client.post(
        "/registry/forms/episode/shown", data={"csrf_token": csrf, "referral_source": "other_hospital"}
    ).json()["shown"]
    assert "referring_hospital" in shown
    hidden = client.post(
        "/registry/forms/episode/shown", data={"csrf_token": csrf, "referral_source": "emergency"}
    ).json()["shown"]
    assert "referring_hospital" not in hidden


def test_the_second_of_two_page_edits_is_refused_with_a_clear_message(world: World) -> None:
    case = full_case(world.api_client("county_a_dm"), world)
    alice, alice_csrf = world.page_client("county_a_dm")
    bob, bob_csrf = world.page_client("county_a_doctor")
    for client, csrf in ((alice, alice_csrf), (bob, bob_csrf)):
        client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    url = f"/registry/records/{case['run']}"
    alice_version, bob_version = version_of(alice.get(url).text), version_of(bob.get(url).text)
    values = factories.ECLS_RUN | {"run_number": "2"}
    first = alice.post(
        url, data={"csrf_token": alice_csrf, "version": alice_version, "reason": "typo"} | values
    )
    assert first.status_code == 303
    second = bob.post(url, data={"csrf_token": bob_csrf, "version": bob_version, "reason": "mine"} | values)
    assert second.status_code == 409
    assert "Someone else saved this record after you opened it" in second.text


def test_a_query_goes_from_the_officer_to_the_hospital_and_back(world: World) -> None:
    case = full_case(world.api_client("county_a_dm"), world)
    officer = world.api_client("quality_officer")
    raised = officer.post(
        f"{R}/records/{case['run']}/queries", json={"field": "run_number", "question": "First run?"}
    )
    assert raised.status_code == 201, raised.text
    query = raised.json()["id"]
    assert world.api_client("county_b_doctor").get(f"{R}/queries").json() == []
    assert officer.post(f"{R}/queries/{query}/close").status_code == 409  # not answered yet
    dm = world.api_client("county_a_dm")
    assert [q["id"] for q in dm.get(f"{R}/queries").json()] == [query]
    answered = dm.post(f"{R}/queries/{query}/answer", json={"answer": "Yes, checked the chart."})
    assert answered.json()["state"] == "answered"
    closed = officer.post(f"{R}/queries/{query}/close")
    assert closed.json()["state"] == "closed"
    client, _csrf = world.page_client("quality_officer")
    page = client.get(f"/registry/records/{case['run']}")
    assert "Yes, checked the chart." in page.text


def test_the_data_quality_page_counts_problems_per_hospital_and_form(world: World) -> None:
    dm = world.api_client("county_a_dm")
    heavy = {"org_unit_id": world.unit("funan"), "values": factories.PATIENT | {"weight_kg": "160"}}
    assert dm.post(f"{R}/patients", json=heavy | {"confirm": ["weight_kg"]}).status_code == 201
    client, csrf = world.page_client("quality_officer")
    client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    page = client.get("/registry/quality")
    assert page.status_code == 200
    link = f"/registry/quality/problems?hospital={world.unit('funan')}&form=patient&rule=soft_range"
    assert f'<a href="{link}">1</a>' in page.text
    listed = client.get(link)
    assert listed.text.count('<a href="/registry/records/') == 1 and "160" in listed.text
    assert "160.0 is unusual (expected" in listed.text
    client.post("/language", data={"csrf_token": csrf, "language": "zh_Hans", "next": "/"})
    chinese = client.get(link).text
    assert "160.0 不常见（通常为" in chinese and "is unusual" not in chinese
    # The query raised from the row asks in the officer's language.
    assert 'name="question" value="160.0 不常见（通常为' in chinese


def test_a_cross_field_check_is_worded_in_the_readers_language(world: World) -> None:
    case = full_case(world.api_client("county_a_dm"), world)
    client, csrf = world.page_client("county_a_dm")
    client.post("/language", data={"csrf_token": csrf, "language": "zh_Hans", "next": "/"})
    url = f"/registry/records/{case['run']}"
    values = factories.ECLS_RUN | {"ecls_end": "2025-03-01 10:00"}
    page = client.post(
        url, data={"csrf_token": csrf, "version": version_of(client.get(url).text), "reason": "更正"} | values
    )
    assert page.status_code == 422
    assert "ECLS 结束时间早于开始时间。" in page.text and "The run ends before it starts." not in page.text


def test_the_hub_admits_a_transferred_child_on_the_page(world: World) -> None:
    case = full_case(world.api_client("county_a_dm"), world)
    network_id = world.api_client("county_a_dm").get(f"{R}/patients/{case['patient']}").json()["network_id"]
    client, csrf = world.page_client("hub.doctor")
    form = client.get("/registry/transfers/new", params={"network_id": network_id})
    assert form.status_code == 200 and network_id in form.text
    values = factories.EPISODE | {"referral_source": "other_hospital", "referring_hospital": "Funan"}
    saved = client.post(
        "/registry/transfers/new",
        data={"csrf_token": csrf, "network_id": network_id, "org_unit_id": str(world.unit("hub"))} | values,
    )
    assert saved.status_code == 303, saved.text
    page = client.get(saved.headers["location"])
    assert network_id in page.text and page.text.count('data-testid="record-episode"') == 1


def test_a_shared_patient_form_shows_each_hospital_only_its_own_queries(world: World) -> None:
    funan = world.api_client("county_a_dm")
    case = full_case(funan, world)
    patient = funan.get(f"{R}/patients/{case['patient']}").json()
    form_id = patient["records"][0]["id"]
    officer = world.api_client("quality_officer")
    asked = officer.post(
        f"{R}/records/{form_id}/queries", json={"field": "weight_kg", "question": "Funan: weight?"}
    )
    assert asked.status_code == 201, asked.text
    values = factories.EPISODE | {"referral_source": "other_hospital", "referring_hospital": "Funan"}
    admitted = world.api_client("hub.doctor").post(
        f"{R}/transfers",
        json={"network_id": patient["network_id"], "org_unit_id": world.unit("hub"), "values": values},
    )
    assert admitted.status_code == 201, admitted.text
    hub, _csrf = world.page_client("hub.doctor")
    shared = hub.get(f"/registry/records/{form_id}")
    assert shared.status_code == 200 and "Funan: weight?" not in shared.text
    own, _csrf = world.page_client("county_a_dm")
    assert "Funan: weight?" in own.get(f"/registry/records/{form_id}").text
