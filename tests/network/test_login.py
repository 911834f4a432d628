"""Logging in and out: passwords, throttling, expired sessions, CSRF, language, API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from lifenet.audit import AuditEntry
from lifenet.db import utcnow
from lifenet.network.demo import DEMO_PASSWORD
from lifenet.network.models import User, WebSession
from tests.conftest import World


def _login(world: World, username: str, password: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    client, csrf = world.anonymous()
    response = client.post(
        "/login",
        data={"csrf_token": csrf, "username": username, "password": password, "next": "/network"},
        headers=headers,
    )
    return client, response


def test_a_right_password_opens_a_session_and_goes_where_the_user_was_headed(world: World) -> None:
    client, response = _login(world, "funan.doctor", DEMO_PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/network"
    cookie = response.headers["set-cookie"]
    assert "lifenet_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/").status_code == 200


def test_a_wrong_password_says_so_in_the_users_language_and_is_audited(world: World) -> None:
    _client, response = _login(
        world, "funan.doctor", "not-the-password", headers={"Accept-Language": "zh-CN"}
    )
    assert response.status_code == 401
    assert "用户名或密码错误。" in response.text
    with world.session() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry is not None and entry.action == "login_failed" and entry.actor_name == "funan.doctor"


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(world: World) -> None:
    _client, response = _login(world, "nobody", "whatever-password", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "Wrong username or password." in response.text


def test_repeated_failures_lock_the_account_even_against_the_right_password(world: World) -> None:
    for _ in range(world.settings.login_max_failures):
        _login(world, "linquan.doctor", "wrong-password")
    _client, response = _login(world, "linquan.doctor", DEMO_PASSWORD, headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "locked until" in response.text
    with world.session() as session:
        actions_logged = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_type == "user", AuditEntry.actor_name == "linquan.doctor"
            )
        ).all()
        assert "account_locked" in actions_logged and "login_refused_locked" in actions_logged
        session.execute(update(User).where(User.username == "linquan.doctor").values(locked_until=utcnow()))
        session.commit()
    _client, response = _login(world, "linquan.doctor", DEMO_PASSWORD)
    assert response.status_code == 303


def test_a_disabled_account_cannot_log_in(world: World) -> None:
    world.api_client("admin").post(
        f"/api/v1/network/users/{world.user_id('county_b_doctor')}/disable", json={}
    )
    _client, response = _login(world, "linquan.doctor", DEMO_PASSWORD, headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert "disabled" in response.text


def test_an_expired_session_sends_the_user_to_log_in_again_with_a_notice(world: World) -> None:
    client, _ = world.page_client("county_a_doctor")
    with world.session() as session:
        session.execute(update(WebSession).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
        session.commit()
    response = client.get("/network")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/network&expired=1"
    page = client.get(response.headers["location"], headers={"Accept-Language": "en"})
    assert "Your session has expired" in page.text


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(world: World) -> None:
    client, csrf = world.page_client("admin")
    form = {
        "kind": "unit",
        "code": "csrf-test",
        "name_en": "X",
        "name_zh": "X",
        "parent_id": str(world.unit("funan")),
    }
    assert client.post("/network/units", data=form).status_code == 403
    assert client.post("/network/units", data=form | {"csrf_token": "forged"}).status_code == 403
    other, other_csrf = world.page_client("hub_admin")
    assert client.post("/network/units", data=form | {"csrf_token": other_csrf}).status_code == 403
    assert "Form expired" in client.post("/network/units", data=form, headers={"Accept-Language": "en"}).text
    response = world.api_client("admin").get(f"/api/v1/network/org-units/{world.unit('funan')}")
    assert response.status_code == 200
    with world.session() as session:
        from lifenet.network.models import OrgUnit

        assert session.scalars(select(OrgUnit).where(OrgUnit.code == "csrf-test")).first() is None
    assert client.post("/network/units", data=form | {"csrf_token": csrf}).status_code == 303


def test_the_login_form_needs_its_csrf_cookie(world: World) -> None:
    client = world.client()
    response = client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": "x"})
    assert response.status_code == 403


def test_logging_out_ends_the_session(world: World) -> None:
    client, csrf = world.page_client("county_a_doctor")
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/").status_code == 303


def test_the_browser_language_is_the_default_and_the_users_choice_wins(world: World) -> None:
    client, csrf = world.page_client("county_a_doctor")
    assert "首页" in client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).text
    assert ">Home<" in client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).text
    assert (
        client.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"}).status_code == 303
    )
    assert ">Home<" in client.get("/", headers={"Accept-Language": "zh-CN"}).text
    with world.session() as session:
        user = session.scalars(select(User).where(User.username == "funan.doctor")).one()
        assert user.language == "en"


def test_an_unknown_language_is_refused_with_a_message(world: World) -> None:
    client, csrf = world.page_client("county_a_doctor")
    response = client.post(
        "/language",
        data={"csrf_token": csrf, "language": "xx-YY", "next": "/"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "Unsupported language xx-YY" in response.text


def test_the_api_refuses_missing_and_wrong_tokens_with_a_clear_error(world: World) -> None:
    client = world.client()
    response = client.get("/api/v1/network/me")
    assert response.status_code == 401
    assert response.json()["detail"][0]["field"] == "Authorization"
    assert client.get("/api/v1/network/me", headers={"Authorization": "Bearer lnt_wrong"}).status_code == 401


def test_a_token_made_on_the_account_page_works_until_revoked(world: World) -> None:
    client, csrf = world.page_client("county_a_dm")
    page = client.post("/account/tokens", data={"csrf_token": csrf, "name": "nightly import"})
    marker = 'data-testid="new-token">'
    token = page.text[page.text.index(marker) + len(marker) :].split("<", 1)[0]
    api = world.client()
    me = api.get("/api/v1/network/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["user"]["username"] == "funan.dm"
    listed = api.get("/api/v1/network/tokens", headers={"Authorization": f"Bearer {token}"}).json()
    token_id = next(t["id"] for t in listed if t["name"] == "nightly import")
    assert token not in str(listed)
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert api.get("/api/v1/network/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_changing_the_password_needs_the_current_one(world: World) -> None:
    client, csrf = world.page_client("county_a_doctor")
    wrong = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": "nope", "new_password": "a-new-long-password"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.status_code == 422 and "The current password is wrong." in wrong.text
    right = client.post(
        "/account/password",
        data={"csrf_token": csrf, "current_password": DEMO_PASSWORD, "new_password": "a-new-long-password"},
    )
    assert right.status_code == 303
    assert _login(world, "funan.doctor", "a-new-long-password")[1].status_code == 303


def test_pages_send_security_headers_and_load_nothing_from_elsewhere(world: World) -> None:
    client, _ = world.anonymous()
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    docs = client.get("/api/docs").text
    assert "/static/vendor/swagger-ui-bundle-5.35.0.js" in docs
    assert "http://" not in docs and "https://" not in docs
    assert client.get("/static/vendor/swagger-ui-bundle-5.35.0.js").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
