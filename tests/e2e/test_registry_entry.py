"""A county data manager enters a whole ECLS case in Chinese: an unusual weight is flagged,
confirmed and saved; a branching field appears as soon as its condition holds; the case shows
in the patient list."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, chinese_page, log_in
from tests.registry import factories

pytestmark = pytest.mark.e2e


def fill(page: Any, values: dict[str, Any]) -> None:
    """Type a form as a person would: pick options, tick boxes, type text."""
    for name, value in values.items():
        if isinstance(value, list):
            for code in value:
                page.locator(f'input[name="{name}"][value="{code}"]').check()
            continue
        field = page.locator(f'[name="{name}"]').first
        kind = field.evaluate("e => e.tagName + ':' + (e.type || '')")
        if kind.startswith("SELECT"):
            field.select_option(value)
        elif kind == "INPUT:radio":
            page.locator(f'input[name="{name}"][value="{value}"]').check()
        elif kind == "INPUT:datetime-local":
            field.fill(value.replace(" ", "T"))
        else:
            field.fill(value)


def save(page: Any) -> None:
    page.get_by_test_id("save").click()
    page.wait_for_load_state()


def test_county_data_manager_enters_an_ecls_case_in_chinese(
    world: World, live_server: str, browser: Any
) -> None:
    context, page = chinese_page(browser, live_server, "funan.dm")

    page.get_by_role("navigation").get_by_role("link", name="登记库").click()
    page.get_by_test_id("register-patient").click()
    assert page.locator("h1").inner_text() == "患者信息"
    assert page.get_by_text("出生日期").first.is_visible()
    fill(page, factories.PATIENT | {"weight_kg": "160"})
    save(page)

    # 160 kg is possible but unusual for a child: the form says so and asks to confirm.
    warning = page.get_by_test_id("form-warnings")
    assert warning.is_visible()
    page.screenshot(path=str(ARTIFACTS / "registry-soft-range-zh.png"), full_page=True)
    page.get_by_test_id("confirm-weight_kg").check()
    save(page)
    assert "/registry/patients/" in page.url
    network_id = page.get_by_test_id("patient-title").inner_text()
    assert network_id.startswith("LN-")

    page.get_by_test_id("add-episode").click()
    referring = page.locator('[data-field="referring_hospital"]')
    assert referring.is_hidden()
    page.locator('select[name="referral_source"]').select_option("other_hospital")
    referring.wait_for(state="visible")
    page.locator('select[name="referral_source"]').select_option("emergency")
    referring.wait_for(state="hidden")
    fill(page, factories.EPISODE)
    save(page)

    for form, values in (("diagnosis", factories.DIAGNOSIS), ("pre_ecls", factories.PRE_ECLS)):
        page.get_by_test_id(f"add-{form}").first.click()
        page.wait_for_function("document.querySelector('form.record-form').dataset.branching === 'ready'")
        fill(page, values)
        save(page)
        assert "/registry/patients/" in page.url, page.locator("body").inner_text()[:500]

    page.get_by_test_id("add-ecls_run").first.click()
    fill(page, factories.ECLS_RUN)
    save(page)
    assert "/registry/patients/" in page.url, page.locator("body").inner_text()[:500]
    page.get_by_test_id("add-outcome").first.click()
    fill(page, factories.OUTCOME)
    save(page)
    assert "/registry/patients/" in page.url, page.locator("body").inner_text()[:500]

    assert page.get_by_test_id("record-ecls_run").is_visible()
    page.get_by_test_id("patient-scores").wait_for()
    assert "儿童死亡指数3（PIM3）" in page.get_by_test_id("patient-scores").inner_text()
    # units written as words read in Chinese too ("626 天", not "626 days")
    assert re.search(r"登记时日龄: \d+ 天", page.content())
    page.screenshot(path=str(ARTIFACTS / "registry-patient-zh.png"), full_page=True)

    page.get_by_role("navigation").get_by_role("link", name="登记库").click()
    assert network_id in page.get_by_test_id("patient-list").inner_text()
    page.screenshot(path=str(ARTIFACTS / "registry-list-zh.png"), full_page=True)


def test_choosing_the_hospital_brings_its_local_fields(world: World, live_server: str, browser: Any) -> None:
    from tests.registry.test_local_fields import LOCAL_ROW, with_rows
    from tests.registry.test_registry_api import R

    dm = world.api_client("county_a_dm")
    local = LOCAL_ROW | {"Variable / Field Name": "local_referral_code", "Form Name": "patient"}
    local |= {"Field Label": "County referral code", "Text Validation Type OR Show Slider Number": ""}
    local |= {"Text Validation Min": "", "Text Validation Max": ""}
    core = dm.get(f"{R}/dictionary/redcap.csv").text
    assert dm.put(
        f"{R}/hospitals/{world.unit('funan')}/dictionary", content=with_rows(core, [local])
    ).is_success

    context = browser.new_context(locale="en-US")
    page = context.new_page()
    log_in(page, live_server, "expert", "en")  # writes at the hub and at Funan
    page.goto(f"{live_server}/registry/patients/new")
    assert page.locator('[name="local_referral_code"]').count() == 0
    with page.expect_navigation():
        page.get_by_test_id("hospital").select_option(str(world.unit("funan")))
    assert f"hospital={world.unit('funan')}" in page.url
    page.locator('[name="local_referral_code"]').fill("FN-17")
    fill(page, factories.PATIENT)
    save(page)
    assert "/registry/patients/" in page.url and "saved=1" in page.url
    page.screenshot(path=str(ARTIFACTS / "registry-local-fields.png"), full_page=True)
    context.close()
