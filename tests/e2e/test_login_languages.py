"""A county clinician logs in in Chinese, switches to English, sees their own hospital, and
cannot open another hospital's admin page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, chinese_context, log_in

pytestmark = pytest.mark.e2e


def test_county_doctor_logs_in_in_chinese_switches_to_english_and_stays_in_own_hospital(
    world: World, live_server: str, browser: Any
) -> None:
    context = chinese_context(browser)
    page = context.new_page()
    page.goto(f"{live_server}/")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "登录"
    assert page.locator("html").get_attribute("lang") == "zh-Hans"

    log_in(page, live_server, "funan.doctor")
    own = page.get_by_test_id("own-hospital")
    assert "阜南县人民医院" in own.inner_text()
    assert "新生儿重症监护室" in own.inner_text()
    assert page.get_by_role("link", name="网络").is_visible()
    page.screenshot(path=str(ARTIFACTS / "home-zh.png"), full_page=True)

    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text().startswith("Welcome,")
    assert "Funan County People's Hospital" in own.inner_text()
    assert "Licensed beds" in own.inner_text()
    assert page.get_by_role("link", name="Network").is_visible()
    page.screenshot(path=str(ARTIFACTS / "home-en.png"), full_page=True)

    # The own hospital's page opens; another county hospital's admin page does not.
    page.goto(f"{live_server}/network/units/{world.unit('funan')}")
    assert page.get_by_test_id("unit-title").inner_text().startswith("Funan County People's Hospital")
    response = page.goto(f"{live_server}/network/units/{world.unit('linquan')}")
    assert response is not None and response.status == 403
    assert page.locator("h1").inner_text() == "Not allowed"
    assert "Linquan" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "other-hospital-forbidden.png"), full_page=True)

    # The choice of English is kept on the account: a new log-in is in English.
    context.clear_cookies()
    log_in(page, live_server, "funan.doctor")
    assert page.locator("h1").inner_text().startswith("Welcome,")
    context.close()
