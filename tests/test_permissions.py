"""The permission matrix: every route, every persona (and the signed-out visitor), the
expected status. A route without an entry here fails the test, so a new route must say who
may use it.

Targets sit at county hospital A (Funan): the county B doctor is "a user of another hospital".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from lifenet.app import route_table
from lifenet.network import actions
from lifenet.network.schemas import ApiTokenCreate, GrantCreate, OrgUnitCreate, UserCreate
from lifenet.registry import actions as registry_actions
from tests.conftest import PERSONAS, TEST_SECRET, World
from tests.registry import factories

ANON = "anonymous"
ALL = [ANON, *PERSONAS]
Params = Callable[[World, str], dict[str, Any]]


def _none(world: World, persona: str) -> dict[str, Any]:
    return {}


def _funan(world: World, persona: str) -> dict[str, Any]:
    return {"unit_id": world.unit("funan")}


def _funan_dm(world: World, persona: str) -> dict[str, Any]:
    return {"user_id": world.user_id("county_a_dm")}


def _fresh_unit(world: World, persona: str) -> dict[str, Any]:
    """An empty ward at Funan, made for this one request (moved or deleted by it)."""
    with world.session() as session:
        unit = actions.do_create_org_unit(
            session,
            None,
            OrgUnitCreate(
                parent_id=world.unit("funan"),
                kind="unit",
                code=f"funan-tmp-{persona}",
                name_en="Temporary ward",
                name_zh="临时病房",
                unit_type="ward",
            ),
        )
    return {"unit_id": unit.id, "parent_id": world.unit("funan")}


def _fresh_user(world: World, persona: str) -> dict[str, Any]:
    with world.session() as session:
        user = actions.do_create_user(
            session,
            None,
            UserCreate(
                username=f"tmp.{persona.replace('_', '.')}",
                display_name="临时",
                password="temporary-password",
                home_org_unit_id=world.unit("funan"),
            ),
        )
    return {"user_id": user.id}


def _fresh_grant(world: World, persona: str) -> dict[str, Any]:
    user_id = world.user_id("county_a_dm")
    with world.session() as session:
        grant = actions.do_grant_role(
            session, None, GrantCreate(user_id=user_id, role="clinician", org_unit_id=world.unit("funan"))
        )
    return {"grant_id": grant.id}


def _admin_token(world: World, persona: str) -> dict[str, Any]:
    with world.session() as session:
        from lifenet.network import queries

        admin = queries.user_by_username(session, "admin")
        assert admin is not None
        token, _secret = actions.do_create_api_token(session, TEST_SECRET, admin, ApiTokenCreate(name="x"))
    return {"token_id": token.id}


def _funan_case(world: World, persona: str) -> dict[str, Any]:
    """A patient at Funan with an episode and an ECLS run, entered by the system."""
    with world.session() as session:
        top = registry_actions.do_register_with_form(
            session, None, org_unit_id=world.unit("funan"), values=factories.PATIENT
        )
        episode = registry_actions.do_save_form(
            session,
            None,
            patient_id=top.patient_id,
            form="episode",
            org_unit_id=top.org_unit_id,
            values=factories.EPISODE,
            parent_id=top.id,
        )
        run = registry_actions.do_save_form(
            session,
            None,
            patient_id=top.patient_id,
            form="ecls_run",
            org_unit_id=top.org_unit_id,
            values=factories.ECLS_RUN,
            parent_id=episode.id,
        )
    return {
        "patient_id": top.patient_id,
        "record_id": run.id,
        "episode_id": episode.id,
        "form_name": "outcome",
    }


def _funan_query(world: World, persona: str, state: str = "open") -> dict[str, Any]:
    """A query the quality officer raised on the Funan case's ECLS run (answered if asked)."""
    case = _funan_case(world, persona)
    with world.session() as session:
        query = registry_actions.do_raise_query(
            session, None, case["record_id"], field="run_number", question="Is this the first run?"
        )
        if state == "answered":
            registry_actions.do_answer_query(session, None, query.id, answer="Yes, checked.")
    return case | {"query_id": query.id}


def _network_id(world: World, patient_id: int) -> str:
    from lifenet.registry.models import RegistryPatient

    with world.session() as session:
        patient = session.get(RegistryPatient, patient_id)
        assert patient is not None
        return patient.network_id


def _answered_query(world: World, persona: str) -> dict[str, Any]:
    return _funan_query(world, persona, "answered")


def _my_job(world: World, persona: str) -> dict[str, Any]:
    """A finished import job started by Funan's data manager: only they may open it."""
    from lifenet.registry import import_jobs

    with world.session() as session:
        job = import_jobs.do_start_import_job(
            session,
            world.principal("county_a_dm"),
            org_unit_id=world.unit("funan"),
            form="patient",
            file_name="patients.csv",
        )
    return {"job_id": job.id}


def _upload(world: World, persona: str, a: dict[str, Any]) -> dict[str, Any]:
    return {"org_unit_id": str(world.unit("funan")), "form": "patient"}


PATIENT_READERS = ("hub_expert", "county_a_doctor", "county_a_dm", "quality_officer")
FUNAN_READERS = PATIENT_READERS
FUNAN_WRITERS = ("hub_expert", "county_a_doctor", "county_a_dm")
ANY_READERS = (*PATIENT_READERS, "county_b_doctor")


def _run_edit(world: World, persona: str, a: dict[str, Any]) -> dict[str, Any]:
    return {"run_number": "2", "version": "1", "reason": "typo", **_form_text(factories.ECLS_RUN)}


def _form_text(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k != "run_number"}


# Scores hold no patient data: every signed-in user may use the calculator.
_SCORE_VALUES = {"age_months": 24, "heart_rate": 120}


def _score(world: World, persona: str) -> dict[str, Any]:
    return {"name": "pews_bedside"}


@dataclass(frozen=True)
class Case:
    params: Params = _none
    body: Callable[[World, str, dict[str, Any]], dict[str, Any] | None] = lambda w, p, a: None
    expect: dict[str, int] = field(default_factory=dict)
    query: Callable[[World], dict[str, Any]] | None = None

    def status_for(self, persona: str) -> int:
        if persona in self.expect:
            return self.expect[persona]
        return self.expect["*"]


def only(status: int, *, who: tuple[str, ...], anon: int, other: int = 403) -> dict[str, int]:
    return {"*": other, ANON: anon} | {p: status for p in who}


FUNAN_VIEWERS = (
    "admin",
    "hub_expert",
    "county_a_doctor",
    "county_a_dm",
    "quality_officer",
    "commission_viewer",
    "researcher",
)


def _unit_form(world: World, persona: str, a: dict[str, Any]) -> dict[str, Any]:
    return {
        "parent_id": str(world.unit("funan")),
        "kind": "unit",
        "code": f"new-{persona}",
        "name_en": "New ward",
        "name_zh": "新病房",
        "unit_type": "ward",
    }


def _user_form(world: World, persona: str, a: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": f"new.{persona.replace('_', '.')}",
        "display_name": "新用户",
        "password": "a-long-password",
        "home_org_unit_id": str(world.unit("funan")),
    }


def _grant_form(world: World, persona: str, a: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_id": str(world.user_id("county_a_dm")),
        "role": "clinician",
        "org_unit_id": str(world.unit("funan")),
    }


PAGES: dict[tuple[str, str], Case] = {
    ("GET", "/login"): Case(expect={"*": 200}),
    ("POST", "/login"): Case(
        body=lambda w, p, a: {"username": "admin", "password": "wrong-password"}, expect={"*": 401}
    ),
    ("POST", "/logout"): Case(expect={"*": 303}),
    ("POST", "/language"): Case(body=lambda w, p, a: {"language": "en", "next": "/"}, expect={"*": 303}),
    ("GET", "/"): Case(expect={"*": 200, ANON: 303}),
    ("GET", "/network"): Case(expect={"*": 200, ANON: 303}),
    ("GET", "/network/units/{unit_id}"): Case(_funan, expect=only(200, who=FUNAN_VIEWERS, anon=303)),
    ("POST", "/network/units"): Case(body=_unit_form, expect=only(303, who=("admin",), anon=303)),
    ("POST", "/network/units/{unit_id}"): Case(
        _funan,
        body=lambda w, p, a: {
            "name_en": "Funan",
            "name_zh": "阜南",
            "level": "secondary",
            "network_role": "spoke",
        },
        expect=only(303, who=("admin",), anon=303),
    ),
    ("POST", "/network/units/{unit_id}/move"): Case(
        _fresh_unit,
        body=lambda w, p, a: {"parent_id": str(a["parent_id"])},
        expect=only(303, who=("admin",), anon=303),
    ),
    ("POST", "/network/units/{unit_id}/delete"): Case(
        _fresh_unit, expect=only(303, who=("admin",), anon=303)
    ),
    ("GET", "/network/users"): Case(expect=only(200, who=("admin", "hub_admin"), anon=303)),
    ("POST", "/network/users"): Case(body=_user_form, expect=only(303, who=("admin",), anon=303)),
    ("GET", "/network/users/{user_id}"): Case(_funan_dm, expect=only(200, who=("admin",), anon=303)),
    ("POST", "/network/users/{user_id}/active"): Case(
        _fresh_user, body=lambda w, p, a: {"active": "0"}, expect=only(303, who=("admin",), anon=303)
    ),
    ("POST", "/network/grants"): Case(body=_grant_form, expect=only(303, who=("admin",), anon=303)),
    ("POST", "/network/grants/{grant_id}/revoke"): Case(
        _fresh_grant, expect=only(303, who=("admin",), anon=303)
    ),
    ("GET", "/account"): Case(expect={"*": 200, ANON: 303}),
    ("POST", "/account/tokens"): Case(body=lambda w, p, a: {"name": "script"}, expect={"*": 200, ANON: 303}),
    ("POST", "/account/tokens/{token_id}/revoke"): Case(
        _admin_token, expect={"*": 404, "admin": 303, ANON: 303}
    ),
    ("POST", "/account/password"): Case(
        body=lambda w, p, a: {"current_password": "wrong", "new_password": "another-long-one"},
        expect={"*": 422, ANON: 303},
    ),
    ("GET", "/registry"): Case(expect=only(200, who=ANY_READERS, anon=303)),
    ("GET", "/registry/patients/new"): Case(
        expect=only(200, who=(*FUNAN_WRITERS, "county_b_doctor"), anon=303)
    ),
    ("POST", "/registry/patients/new"): Case(
        body=lambda w, p, a: factories.PATIENT | {"org_unit_id": str(w.unit("funan"))},
        # The Linquan doctor may register patients, but not at Funan.
        expect=only(303, who=FUNAN_WRITERS, anon=303) | {"county_b_doctor": 403},
    ),
    ("GET", "/registry/patients/{patient_id}"): Case(
        _funan_case, expect=only(200, who=FUNAN_READERS, anon=303, other=404)
    ),
    ("GET", "/registry/records/{record_id}"): Case(
        _funan_case, expect=only(200, who=FUNAN_READERS, anon=303, other=404)
    ),
    ("POST", "/registry/records/{record_id}"): Case(
        _funan_case,
        body=_run_edit,
        expect=only(303, who=FUNAN_WRITERS, anon=303, other=404) | {"quality_officer": 403},
    ),
    ("GET", "/registry/records/{record_id}/add/{form_name}"): Case(
        _funan_case, expect=only(200, who=FUNAN_WRITERS, anon=303, other=404) | {"quality_officer": 403}
    ),
    ("POST", "/registry/records/{record_id}/add/{form_name}"): Case(
        _funan_case,
        body=lambda w, p, a: factories.OUTCOME,
        expect=only(303, who=FUNAN_WRITERS, anon=303, other=404) | {"quality_officer": 403},
    ),
    ("POST", "/registry/records/{record_id}/lock"): Case(
        _funan_case,
        body=lambda w, p, a: {"locked": "1"},
        expect=only(303, who=("county_a_dm",), anon=303, other=404)
        | {"hub_expert": 403, "county_a_doctor": 403, "quality_officer": 403},
    ),
    ("POST", "/registry/forms/{form_name}/shown"): Case(
        lambda w, p: {"form_name": "episode"},
        body=lambda w, p, a: {"referral_source": "other_hospital"},
        expect={"*": 200, ANON: 303},
    ),
    ("GET", "/early-warning/patients/{patient_id}/scores"): Case(
        _funan_case, expect=only(200, who=FUNAN_READERS, anon=303, other=404)
    ),
    ("GET", "/registry/quality"): Case(expect=only(200, who=ANY_READERS, anon=303)),
    ("GET", "/registry/quality/problems"): Case(
        query=lambda w: {"hospital": w.unit("funan"), "form": "ecls_run", "rule": "stale"},
        expect=only(200, who=ANY_READERS, anon=303),
    ),
    ("POST", "/registry/records/{record_id}/queries"): Case(
        _funan_case,
        body=lambda w, p, a: {"field": "run_number", "question": "Is this the first run?"},
        expect=only(303, who=("quality_officer",), anon=303, other=404) | {w: 403 for w in FUNAN_WRITERS},
    ),
    ("POST", "/registry/queries/{query_id}/answer"): Case(
        _funan_query,
        body=lambda w, p, a: {"answer": "Checked: right."},
        expect=only(303, who=FUNAN_WRITERS, anon=303, other=404) | {"quality_officer": 403},
    ),
    ("POST", "/registry/queries/{query_id}/close"): Case(
        _answered_query,
        expect=only(303, who=("quality_officer",), anon=303, other=404) | {w: 403 for w in FUNAN_WRITERS},
    ),
    ("GET", "/registry/transfers/new"): Case(
        query=lambda w: {"network_id": "LN-0000000000"},
        expect=only(200, who=(*FUNAN_WRITERS, "county_b_doctor"), anon=303),
    ),
    ("POST", "/registry/transfers/new"): Case(
        body=lambda w, p, a: (
            factories.EPISODE | {"network_id": "LN-0000000000", "org_unit_id": str(w.unit("funan"))}
        ),
        # An unknown network id is a 422 naming the field; another hospital's unit is a 403.
        expect=only(422, who=FUNAN_WRITERS, anon=303) | {"county_b_doctor": 403},
    ),
    ("GET", "/registry/dictionary"): Case(expect=only(200, who=("county_a_dm",), anon=303)),
    ("POST", "/registry/dictionary"): Case(
        body=lambda w, p, a: {"org_unit_id": str(w.unit("funan"))},
        # 422: the file is empty; other users may not change Funan's fields.
        expect=only(422, who=("county_a_dm",), anon=303),
    ),
    ("GET", "/registry/dictionary/{unit_id}.csv"): Case(
        _funan, expect=only(200, who=FUNAN_VIEWERS, anon=303)
    ),
    ("GET", "/registry/import"): Case(expect=only(200, who=("county_a_dm",), anon=303)),
    ("POST", "/registry/import"): Case(
        body=_upload,
        expect=only(422, who=("county_a_dm",), anon=303),  # 422: no file chosen
    ),
    ("GET", "/registry/import/{job_id}"): Case(
        _my_job, expect=only(200, who=("county_a_dm",), anon=303, other=404)
    ),
    ("GET", "/registry/import/{job_id}/status"): Case(
        _my_job, expect=only(200, who=("county_a_dm",), anon=303, other=404)
    ),
    ("GET", "/registry/import/{job_id}/report.csv"): Case(
        _my_job, expect=only(200, who=("county_a_dm",), anon=303, other=404)
    ),
    ("GET", "/registry/export"): Case(
        expect=only(200, who=("county_a_dm", "quality_officer", "researcher"), anon=303)
    ),
    ("GET", "/registry/export/records"): Case(
        query=lambda w: {"form": "patient", "format": "csv"},
        expect=only(200, who=("county_a_dm", "quality_officer"), anon=303),
    ),
    ("GET", "/registry/export/extract.zip"): Case(
        expect=only(200, who=("county_a_dm", "quality_officer", "researcher"), anon=303)
    ),
    ("GET", "/early-warning/scores"): Case(expect={"*": 200, ANON: 303}),
    ("GET", "/early-warning/scores/{name}"): Case(_score, expect={"*": 200, ANON: 303}),
    ("POST", "/early-warning/scores/{name}"): Case(
        _score, body=lambda w, p, a: _SCORE_VALUES, expect={"*": 200, ANON: 303}
    ),
    ("GET", "/healthz"): Case(expect={"*": 200}),
    ("GET", "/api/docs"): Case(expect={"*": 200}),
    ("GET", "/api/v1/openapi.json"): Case(expect={"*": 200}),
}

N = "/api/v1/network"
API: dict[tuple[str, str], Case] = {
    ("GET", f"{N}/me"): Case(expect={"*": 200, ANON: 401}),
    ("GET", f"{N}/org-units"): Case(expect={"*": 200, ANON: 401}),
    ("GET", f"{N}/org-units/{{unit_id}}"): Case(_funan, expect=only(200, who=FUNAN_VIEWERS, anon=401)),
    ("POST", f"{N}/org-units"): Case(
        body=lambda w, p, a: _unit_form(w, p, a) | {"parent_id": w.unit("funan")},
        expect=only(201, who=("admin",), anon=401),
    ),
    ("PATCH", f"{N}/org-units/{{unit_id}}"): Case(
        _funan,
        body=lambda w, p, a: {"name_en": "Funan County People's Hospital"},
        expect=only(200, who=("admin",), anon=401),
    ),
    ("POST", f"{N}/org-units/{{unit_id}}/move"): Case(
        _fresh_unit,
        body=lambda w, p, a: {"parent_id": a["parent_id"]},
        expect=only(200, who=("admin",), anon=401),
    ),
    ("DELETE", f"{N}/org-units/{{unit_id}}"): Case(_fresh_unit, expect=only(204, who=("admin",), anon=401)),
    ("GET", f"{N}/roles"): Case(expect={"*": 200, ANON: 401}),
    ("GET", f"{N}/users"): Case(expect=only(200, who=("admin", "hub_admin"), anon=401)),
    ("POST", f"{N}/users"): Case(
        body=lambda w, p, a: _user_form(w, p, a) | {"home_org_unit_id": w.unit("funan")},
        expect=only(201, who=("admin",), anon=401),
    ),
    ("GET", f"{N}/users/{{user_id}}"): Case(_funan_dm, expect=only(200, who=("admin",), anon=401)),
    ("PATCH", f"{N}/users/{{user_id}}"): Case(
        _funan_dm,
        body=lambda w, p, a: {"email": "dm@funan.example"},
        expect=only(200, who=("admin",), anon=401),
    ),
    ("POST", f"{N}/users/{{user_id}}/disable"): Case(_fresh_user, expect=only(200, who=("admin",), anon=401)),
    ("POST", f"{N}/users/{{user_id}}/enable"): Case(_fresh_user, expect=only(200, who=("admin",), anon=401)),
    ("GET", f"{N}/users/{{user_id}}/grants"): Case(_funan_dm, expect=only(200, who=("admin",), anon=401)),
    ("POST", f"{N}/grants"): Case(
        body=lambda w, p, a: {
            "user_id": w.user_id("county_a_dm"),
            "role": "clinician",
            "org_unit_id": w.unit("funan"),
        },
        # The hub's administrator manages users, but not at Funan: a clear 422 naming the scope.
        expect=only(201, who=("admin",), anon=401) | {"hub_admin": 422},
    ),
    ("POST", f"{N}/grants/{{grant_id}}/revoke"): Case(
        _fresh_grant, expect=only(200, who=("admin",), anon=401)
    ),
    ("GET", f"{N}/tokens"): Case(expect={"*": 200, ANON: 401}),
    ("POST", f"{N}/tokens"): Case(body=lambda w, p, a: {"name": "script"}, expect={"*": 201, ANON: 401}),
    ("DELETE", f"{N}/tokens/{{token_id}}"): Case(_admin_token, expect={"*": 404, "admin": 204, ANON: 401}),
}

EW = "/api/v1/early-warning"
API |= {
    ("GET", f"{EW}/scores"): Case(expect={"*": 200, ANON: 401}),
    ("GET", f"{EW}/scores/{{name}}"): Case(_score, expect={"*": 200, ANON: 401}),
    ("POST", f"{EW}/scores/{{name}}"): Case(
        _score, body=lambda w, p, a: _SCORE_VALUES, expect={"*": 200, ANON: 401}
    ),
}

RG = "/api/v1/registry"
API |= {
    ("GET", f"{RG}/dictionary"): Case(expect={"*": 200, ANON: 401}),
    ("GET", f"{RG}/dictionary/redcap.csv"): Case(expect={"*": 200, ANON: 401}),
    ("GET", f"{RG}/patients"): Case(expect=only(200, who=ANY_READERS, anon=401)),
    ("POST", f"{RG}/patients"): Case(
        body=lambda w, p, a: {"org_unit_id": w.unit("funan"), "values": factories.PATIENT},
        expect=only(201, who=FUNAN_WRITERS, anon=401),
    ),
    ("GET", f"{RG}/patients/{{patient_id}}"): Case(
        _funan_case, expect=only(200, who=FUNAN_READERS, anon=401, other=404)
    ),
    ("POST", f"{RG}/records"): Case(
        _funan_case,
        body=lambda w, p, a: {"form": "outcome", "parent_id": a["record_id"], "values": factories.OUTCOME},
        expect=only(201, who=FUNAN_WRITERS, anon=401, other=404) | {"quality_officer": 403},
    ),
    ("GET", f"{RG}/records/{{record_id}}"): Case(
        _funan_case, expect=only(200, who=FUNAN_READERS, anon=401, other=404)
    ),
    ("PATCH", f"{RG}/records/{{record_id}}"): Case(
        _funan_case,
        body=lambda w, p, a: {"values": {"run_number": 2}, "version": 1, "reason": "typo"},
        expect=only(200, who=FUNAN_WRITERS, anon=401, other=404) | {"quality_officer": 403},
    ),
    ("POST", f"{RG}/records/{{record_id}}/lock"): Case(
        _funan_case,
        expect=only(200, who=("county_a_dm",), anon=401, other=404)
        | {"hub_expert": 403, "county_a_doctor": 403, "quality_officer": 403},
    ),
    ("GET", f"{RG}/queries"): Case(expect=only(200, who=ANY_READERS, anon=401)),
    ("POST", f"{RG}/transfers"): Case(
        _funan_case,
        body=lambda w, p, a: {
            "network_id": _network_id(w, a["patient_id"]),
            "org_unit_id": w.unit("linquan"),
            "values": factories.EPISODE
            | {"referral_source": "other_hospital", "referring_hospital": "Funan"},
        },
        expect=only(201, who=("county_b_doctor",), anon=401),
    ),
    ("GET", f"{RG}/hospitals/{{unit_id}}/dictionary.csv"): Case(
        _funan, expect=only(200, who=FUNAN_VIEWERS, anon=401)
    ),
    ("PUT", f"{RG}/hospitals/{{unit_id}}/dictionary"): Case(
        _funan,
        expect=only(422, who=("county_a_dm",), anon=401),  # 422: an empty file
    ),
    ("POST", f"{RG}/imports"): Case(
        query=lambda w: {"form": "patient", "org_unit_id": w.unit("funan")},
        expect=only(422, who=("county_a_dm",), anon=401),  # 422: no file sent
    ),
    ("GET", f"{RG}/export"): Case(
        query=lambda w: {"form": "patient", "format": "csv"},
        expect=only(200, who=("county_a_dm", "quality_officer"), anon=401),
    ),
    ("POST", f"{RG}/records/{{record_id}}/queries"): Case(
        _funan_case,
        body=lambda w, p, a: {"field": "run_number", "question": "Is this the first run?"},
        expect=only(201, who=("quality_officer",), anon=401, other=404) | {w: 403 for w in FUNAN_WRITERS},
    ),
    ("POST", f"{RG}/queries/{{query_id}}/answer"): Case(
        _funan_query,
        body=lambda w, p, a: {"answer": "Checked: right."},
        expect=only(200, who=FUNAN_WRITERS, anon=401, other=404) | {"quality_officer": 403},
    ),
    ("POST", f"{RG}/queries/{{query_id}}/close"): Case(
        _answered_query,
        expect=only(200, who=("quality_officer",), anon=401, other=404) | {w: 403 for w in FUNAN_WRITERS},
    ),
    ("POST", f"{RG}/records/{{record_id}}/unlock"): Case(
        _funan_case,
        body=lambda w, p, a: {"reason": "correction"},
        expect=only(200, who=("county_a_dm",), anon=401, other=404)
        | {"hub_expert": 403, "county_a_doctor": 403, "quality_officer": 403},
    ),
}

MATRIX = PAGES | API


def app_routes(world: World) -> set[tuple[str, str]]:
    return route_table(world.app)


def test_every_route_has_a_matrix_entry(world: World) -> None:
    missing = app_routes(world) - set(MATRIX)
    stale = set(MATRIX) - app_routes(world)
    assert not missing, f"routes without a permission-matrix entry: {sorted(missing)}"
    assert not stale, f"matrix entries for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_route_answers_each_persona_as_expected(world: World, route: tuple[str, str]) -> None:
    method, path = route
    case = MATRIX[route]
    is_api = path.startswith("/api/v1/") and "openapi" not in path
    failures = []
    for persona in ALL:
        params = case.params(world, persona)
        url = path.format(**params)
        body = case.body(world, persona, params)
        query = case.query(world) if case.query else None
        if is_api:
            client = world.client() if persona == ANON else world.api_client(persona)
            response = client.request(method, url, json=body, params=query)
        else:
            client, csrf = world.anonymous() if persona == ANON else world.page_client(persona)
            data = None if method == "GET" else {"csrf_token": csrf, **(body or {})}
            response = client.request(method, url, data=data, params=query)
        expected = case.status_for(persona)
        if response.status_code != expected:
            failures.append(
                f"{persona}: expected {expected}, got {response.status_code} {response.text[:200]}"
            )
    assert not failures, "\n".join(failures)


def test_every_route_is_registered_once(world: World) -> None:
    seen = [(m, r.path) for r in world.client().app.routes for m in sorted(getattr(r, "methods", None) or ())]
    assert len(seen) == len(set(seen)), sorted({x for x in seen if seen.count(x) > 1})
