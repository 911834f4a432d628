"""Users and role grants: uniqueness, scope, validity windows, disabling."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from lifenet.access import Permission
from lifenet.db import utcnow
from lifenet.network import actions, queries
from lifenet.network.models import RoleGrant, User
from lifenet.network.schemas import GrantCreate
from tests.conftest import World


def _principal_at(world: World, username: str, at: dt.datetime):  # type: ignore[no-untyped-def]
    with world.session() as session:
        user = queries.user_by_username(session, username)
        assert user is not None
        return queries.load_principal(session, user, at)


def test_a_duplicate_username_is_refused_and_nothing_is_added(world: World) -> None:
    with world.session() as session:
        users_before = session.scalar(select(func.count()).select_from(User))
    response = world.api_client("admin").post(
        "/api/v1/network/users",
        json={
            "username": "funan.doctor",
            "display_name": "重名",
            "password": "long-enough-pw",
            "home_org_unit_id": world.unit("funan"),
        },
    )
    assert response.status_code == 409
    assert response.json()["detail"] == [
        {"field": "username", "rule": "unique", "message": "The username funan.doctor is taken."}
    ]
    with world.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == users_before


def test_a_short_password_is_refused_naming_the_rule(world: World) -> None:
    response = world.api_client("admin").post(
        "/api/v1/network/users",
        json={
            "username": "short.pw",
            "display_name": "短",
            "password": "short",
            "home_org_unit_id": world.unit("funan"),
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "password"
    assert response.json()["detail"][0]["rule"] == "string_too_short"


def test_a_grant_outside_the_granters_scope_is_refused(world: World) -> None:
    api = world.api_client("hub_admin")
    response = api.post(
        "/api/v1/network/grants",
        json={
            "user_id": world.user_id("county_a_dm"),
            "role": "clinician",
            "org_unit_id": world.unit("linquan"),
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "org_unit_id"
    assert response.json()["detail"][0]["rule"] == "scope"
    with world.session() as session:
        assert not session.scalars(
            select(RoleGrant).where(
                RoleGrant.org_unit_id == world.unit("linquan"),
                RoleGrant.user_id == world.user_id("county_a_dm"),
            )
        ).all()


def test_a_hospital_admin_grants_a_role_inside_the_hospital(world: World) -> None:
    response = world.api_client("hub_admin").post(
        "/api/v1/network/grants",
        json={
            "user_id": world.user_id("county_a_doctor"),
            "role": "clinician",
            "org_unit_id": world.unit("hub-picu"),
        },
    )
    assert response.status_code == 201
    principal = _principal_at(world, "funan.doctor", utcnow())
    with world.session() as session:
        picu = queries.get_org_unit(session, world.unit("hub-picu"))
        nicu = queries.get_org_unit(session, world.unit("hub-nicu"))
    assert principal.can(Permission.READ_PATIENTS, picu.path)
    assert not principal.can(Permission.READ_PATIENTS, nicu.path)


def test_only_a_network_administrator_grants_the_network_administrator_role(world: World) -> None:
    response = world.api_client("hub_admin").post(
        "/api/v1/network/grants",
        json={
            "user_id": world.user_id("county_a_doctor"),
            "role": "network_admin",
            "org_unit_id": world.unit("hub"),
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "role"


def test_a_stationed_expert_has_the_county_scope_only_within_the_window(world: World) -> None:
    with world.session() as session:
        funan = queries.get_org_unit(session, world.unit("funan"))
        linquan = queries.get_org_unit(session, world.unit("linquan"))
    now = utcnow()
    assert _principal_at(world, "expert", now).can(Permission.READ_PATIENTS, funan.path)
    assert not _principal_at(world, "expert", now - dt.timedelta(days=60)).can(
        Permission.READ_PATIENTS, funan.path
    )
    assert not _principal_at(world, "expert", now + dt.timedelta(days=200)).can(
        Permission.READ_PATIENTS, funan.path
    )
    assert not _principal_at(world, "expert", now).can(Permission.READ_PATIENTS, linquan.path)


def test_a_grant_that_ends_before_it_starts_is_refused(world: World) -> None:
    now = utcnow()
    with world.session() as session:
        try:
            actions.do_grant_role(
                session,
                None,
                GrantCreate(
                    user_id=world.user_id("county_a_dm"),
                    role="clinician",
                    org_unit_id=world.unit("funan"),
                    valid_from=now,
                    valid_until=now - dt.timedelta(days=1),
                ),
            )
        except actions.InvalidInput as exc:
            assert exc.errors[0].field == "valid_until"
        else:
            raise AssertionError("an inverted validity window was accepted")


def test_a_revoked_grant_stops_giving_access_at_once(world: World) -> None:
    api = world.api_client("admin")
    grants = api.get(f"/api/v1/network/users/{world.user_id('county_a_doctor')}/grants").json()
    assert (
        api.post(f"/api/v1/network/grants/{grants[0]['id']}/revoke", json={"reason": "left"}).status_code
        == 200
    )
    doctor, _ = world.page_client("county_a_doctor")
    assert doctor.get(f"/network/units/{world.unit('funan')}").status_code == 403
    again = api.post(f"/api/v1/network/grants/{grants[0]['id']}/revoke", json={})
    assert again.status_code == 409


def test_disabling_a_user_ends_their_sessions_and_tokens(world: World) -> None:
    doctor_page, _ = world.page_client("county_a_doctor")
    doctor_api = world.api_client("county_a_doctor")
    assert doctor_page.get("/").status_code == 200
    response = world.api_client("admin").post(
        f"/api/v1/network/users/{world.user_id('county_a_doctor')}/disable",
        json={"reason": "left the hospital"},
    )
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert doctor_page.get("/").status_code == 303
    assert doctor_api.get("/api/v1/network/me").status_code == 401


def test_an_administrator_cannot_disable_their_own_account(world: World) -> None:
    response = world.api_client("admin").post(
        f"/api/v1/network/users/{world.user_id('admin')}/disable", json={}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["rule"] == "self"


def test_the_user_page_adds_a_user_and_keeps_typed_values_on_error(world: World) -> None:
    client, csrf = world.page_client("admin")
    form = {"csrf_token": csrf, "username": "Bad Name!", "display_name": "新人", "password": "long-enough-pw"}
    form["home_org_unit_id"] = str(world.unit("funan"))
    response = client.post("/network/users", data=form)
    assert response.status_code == 422
    assert 'value="Bad Name!"' in response.text
    assert "格式不正确。" in response.text
    form["username"] = "new.nurse"
    response = client.post("/network/users", data=form)
    assert response.status_code == 303
