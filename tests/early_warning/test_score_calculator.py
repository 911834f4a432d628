"""The score calculator: the API scores one patient's values; the page explains each component.

Both run through the real app and database; the expected totals are worked by hand from the
Bedside PEWS table (Parshuram 2009) and the PIM3 equation (Straney 2013).
"""

from __future__ import annotations

import re

from lifenet.early_warning.scores import all_scores, get_score
from tests.conftest import World

EW = "/api/v1/early-warning"


def test_every_score_is_listed_with_its_source(world: World) -> None:
    client = world.api_client("county_a_doctor")
    listed = client.get(f"{EW}/scores").json()
    assert {s["name"] for s in listed} == set(all_scores())
    assert all(s["source"] for s in listed)


def test_describe_gives_inputs_with_units_and_ranges(world: World) -> None:
    described = world.api_client("county_a_doctor").get(f"{EW}/scores/pim3").json()
    assert described["predicts_mortality"] is True
    sbp = next(i for i in described["inputs"] if i["name"] == "systolic_bp")
    assert sbp["unit"] == "mmHg" and sbp["range"][1] is not None


def test_api_scores_one_patient_as_the_definition_does(world: World) -> None:
    values = {"age_months": 24, "heart_rate": 180, "respiratory_rate": 60}
    answer = world.api_client("county_a_doctor").post(f"{EW}/scores/pews_bedside", json=values)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # Table 1, age 1-4 years: heart rate 180 >= 170 scores 4; respiratory rate 60 >= 41 scores 1.
    assert body["total"] == 5
    points = {c["name"]: c["points"] for c in body["components"]}
    assert points == dict.fromkeys(points, 0.0) | {"heart_rate_points": 4.0, "respiratory_rate_points": 1.0}


def test_api_refuses_an_impossible_value_naming_the_input_and_rule(world: World) -> None:
    answer = world.api_client("county_a_doctor").post(
        f"{EW}/scores/pews_bedside", json={"age_months": 24, "spo2": 140}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == [
        {"field": "spo2", "rule": "maximum", "message": "spo2: above the plausible maximum 100 % (got 140.0)"}
    ]


def test_api_refuses_unknown_inputs_and_text_where_a_number_belongs(world: World) -> None:
    answer = world.api_client("county_a_doctor").post(
        f"{EW}/scores/pews_bedside", json={"age_months": 24, "pulse": 100, "heart_rate": "fast"}
    )
    assert answer.status_code == 422
    rules = {(d["field"], d["rule"]) for d in answer.json()["detail"]}
    assert rules == {("pulse", "unknown"), ("heart_rate", "type")}


def test_api_refuses_a_missing_required_descriptor(world: World) -> None:
    answer = world.api_client("county_a_doctor").post(f"{EW}/scores/pews_bedside", json={"heart_rate": 100})
    assert answer.status_code == 422
    assert ("age_months", "required") in {(d["field"], d["rule"]) for d in answer.json()["detail"]}


def test_unknown_score_is_404(world: World) -> None:
    assert world.api_client("county_a_doctor").get(f"{EW}/scores/apache9").status_code == 404


def test_page_shows_total_mortality_and_components_in_chinese(world: World) -> None:
    client, csrf = world.page_client("county_a_doctor")
    client.post("/language", data={"csrf_token": csrf, "language": "zh_Hans", "next": "/"})
    page = client.post(
        "/early-warning/scores/pim3",
        data={"csrf_token": csrf, "systolic_bp": "60", "mechanical_ventilation": "yes"},
    )
    assert page.status_code == 200, page.text
    # logit = -0.0431*60 + 0.1716*60²/1000 + 0.9763 + 0.4214*0.23 (unknown FiO2/PaO2) - 1.7928
    #       = -2.687818; p = 1/(1+e^2.687818) = 0.0637 -> 6.4 %
    shown = re.search(r'data-testid="score-mortality">([\d.]+)%', page.text)
    assert shown is not None and shown.group(1) == "6.4"
    for component in get_score("pim3").components:
        assert component.label_zh in page.text


def test_page_explains_every_line_by_the_values_it_was_scored_from(world: World) -> None:
    client, csrf = world.page_client("county_a_doctor")
    client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    page = client.post(
        "/early-warning/scores/sofa",
        data={"csrf_token": csrf, "platelets": "46", "pao2_fio2": "180", "ventilated": "yes", "gcs": "15"},
    )
    assert page.status_code == 200, page.text
    used = dict(re.findall(r'data-testid="used-(\w+)">([^<]*)</span>', page.text))
    # SOFA's coagulation line has no written explanation: the value it came from explains it
    assert used["coagulation"] == "Platelet count 46 ×10³/µL"
    assert used["respiration"] == "PaO2/FiO2 ratio 180 mmHg; Respiratory support (mechanical ventilation) yes"
    assert used["cns"] == "Glasgow Coma Scale 15"
    assert "liver" not in used  # nothing typed for it: nothing to show
    assert [c.name for c in get_score("sofa").components if get_score("sofa").reads(c)] == [
        "respiration",
        "coagulation",
        "liver",
        "cardiovascular",
        "cns",
        "renal",
    ]


def test_page_marks_the_refused_field_and_keeps_what_was_typed(world: World) -> None:
    client, csrf = world.page_client("county_a_doctor")
    client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    page = client.post(
        "/early-warning/scores/pews_bedside",
        data={"csrf_token": csrf, "age_months": "24", "heart_rate": "0", "respiratory_rate": "40"},
    )
    assert page.status_code == 422
    assert 'value="40"' in page.text
    assert "plausible minimum" in page.text


def test_page_refuses_a_post_without_csrf(world: World) -> None:
    client, _csrf = world.page_client("county_a_doctor")
    assert client.post("/early-warning/scores/pews_bedside", data={"age_months": "24"}).status_code == 403


def test_every_choice_of_every_score_has_both_labels() -> None:
    from lifenet.early_warning.scores.choices import CHOICE_LABELS

    codes = {c for d in all_scores().values() for i in d.inputs for c in i.choices}
    assert not codes - set(CHOICE_LABELS), f"label these choice codes: {sorted(codes - set(CHOICE_LABELS))}"
