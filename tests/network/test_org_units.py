"""Org units: the tree, moves without cycles, deletion only of empty units."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lifenet.access import Forbidden
from lifenet.audit import AuditEntry
from lifenet.lib.errors import InvalidInput
from lifenet.network import actions, queries
from lifenet.network.models import OrgUnit
from lifenet.network.schemas import OrgUnitCreate
from tests.conftest import World


def _count(world: World, model: type) -> int:
    with world.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_move_that_would_make_a_cycle_is_refused_and_changes_nothing(world: World) -> None:
    api = world.api_client("admin")
    before = {u.id: u.path for u in queries.org_tree(world.session())}
    response = api.post(
        f"/api/v1/network/org-units/{world.unit('AH')}/move", json={"parent_id": world.unit("AH-FY")}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "field": "parent_id",
            "rule": "cycle",
            "message": "AH cannot move under itself or one of its own sub-units.",
        }
    ]
    assert {u.id: u.path for u in queries.org_tree(world.session())} == before


def test_moving_a_city_moves_its_whole_subtree(world: World) -> None:
    with world.session() as session:
        actions.do_move_org_unit(session, None, world.unit("AH-FY"), world.unit("SH"), reason="test")
    with world.session() as session:
        funan = queries.get_org_unit(session, world.unit("funan"))
        assert funan.path.startswith(f"/{world.unit('CN')}/{world.unit('SH')}/{world.unit('AH-FY')}/")
        picu = queries.get_org_unit(session, world.unit("funan-picu"))
        assert picu.path.startswith(funan.path)


def test_a_unit_cannot_hang_under_a_province(world: World) -> None:
    with world.session() as session, pytest.raises(InvalidInput) as caught:
        actions.do_create_org_unit(
            session,
            None,
            OrgUnitCreate(
                parent_id=world.unit("AH"), kind="unit", code="x", name_en="X", name_zh="X", unit_type="ward"
            ),
        )
    assert caught.value.errors[0].field == "parent_id"
    assert caught.value.errors[0].rule == "kind"


def test_deleting_a_hospital_that_has_users_is_refused_with_what_it_holds(world: World) -> None:
    api = world.api_client("admin")
    units_before, audit_before = _count(world, OrgUnit), _count(world, AuditEntry)
    response = api.delete(f"/api/v1/network/org-units/{world.unit('funan')}")
    assert response.status_code == 409
    detail = response.json()["detail"][0]
    assert detail["field"] == "org_unit" and detail["rule"] == "in_use"
    assert "sub-units" in detail["message"] and "users" in detail["message"]
    assert (_count(world, OrgUnit), _count(world, AuditEntry)) == (units_before, audit_before)


def test_deleting_an_empty_unit_works_and_is_audited(world: World) -> None:
    api = world.api_client("admin")
    created = api.post(
        "/api/v1/network/org-units",
        json={
            "parent_id": world.unit("funan"),
            "kind": "unit",
            "code": "funan-ed",
            "name_en": "ED",
            "name_zh": "急诊",
            "unit_type": "ED",
        },
    )
    assert created.status_code == 201
    unit_id = created.json()["id"]
    assert api.delete(f"/api/v1/network/org-units/{unit_id}").status_code == 204
    with world.session() as session:
        actions_logged = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_type == "org_unit", AuditEntry.entity_id == str(unit_id)
            )
        ).all()
    assert actions_logged == ["create", "delete"]


def test_a_duplicate_code_is_a_conflict_naming_the_field(world: World) -> None:
    response = world.api_client("admin").post(
        "/api/v1/network/org-units",
        json={
            "parent_id": world.unit("AH"),
            "kind": "city",
            "code": "AH-FY",
            "name_en": "Again",
            "name_zh": "重复",
        },
    )
    assert response.status_code == 409
    assert response.json()["detail"][0]["field"] == "code"


def test_a_hospital_without_its_attributes_is_refused(world: World) -> None:
    response = world.api_client("admin").post(
        "/api/v1/network/org-units",
        json={
            "parent_id": world.unit("AH-HF"),
            "kind": "hospital",
            "code": "new-h",
            "name_en": "H",
            "name_zh": "医院",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "field": "hospital",
        "rule": "required",
        "message": "A hospital needs its level and network role.",
    }


def test_an_unknown_kind_names_the_field_and_the_allowed_values(world: World) -> None:
    response = world.api_client("admin").post(
        "/api/v1/network/org-units",
        json={"parent_id": world.unit("AH"), "kind": "village", "code": "v", "name_en": "V", "name_zh": "村"},
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == "kind" and detail["rule"] == "literal_error"


def test_a_clinician_cannot_create_org_units_even_in_own_hospital(world: World) -> None:
    with world.session() as session:
        principal = queries.load_principal(session, queries.user_by_username(session, "funan.doctor"))  # type: ignore[arg-type]
        with pytest.raises(Forbidden):
            actions.do_create_org_unit(
                session,
                principal,
                OrgUnitCreate(
                    parent_id=world.unit("funan"),
                    kind="unit",
                    code="y",
                    name_en="Y",
                    name_zh="Y",
                    unit_type="ward",
                ),
            )


def test_the_tree_page_shows_only_the_viewers_subtree(world: World) -> None:
    client, _ = world.page_client("county_a_doctor")
    page = client.get("/network")
    assert page.status_code == 200
    assert "阜南县人民医院" in page.text
    assert "临泉县人民医院" not in page.text
    commission, _ = world.page_client("commission_viewer")
    text = commission.get("/network").text
    assert "临泉县人民医院" in text and "上海儿科转诊医院" not in text


def test_an_admin_adds_a_unit_through_the_page_and_sees_errors_beside_the_field(world: World) -> None:
    client, csrf = world.page_client("admin")
    form = {"csrf_token": csrf, "parent_id": str(world.unit("funan")), "kind": "unit", "code": "funan-picu"}
    form |= {"name_en": "Second PICU", "name_zh": "第二PICU", "unit_type": "PICU"}
    response = client.post("/network/units", data=form)
    assert response.status_code == 409
    assert "编码 funan-picu 已被使用。" in response.text
    form["code"] = "funan-picu2"
    response = client.post("/network/units", data=form)
    assert response.status_code == 303
    assert client.get(response.headers["location"]).status_code == 200
