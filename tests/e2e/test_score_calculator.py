"""A county doctor at night opens the score calculator in Chinese, types a toddler's vital
signs into the Bedside PEWS form, sees the total with each component explained, has an
impossible saturation refused with the rule named, and reads the same result in English."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World
from tests.e2e.conftest import ARTIFACTS, chinese_page

pytestmark = pytest.mark.e2e


def test_county_doctor_scores_a_child_on_the_page_in_both_languages(
    world: World, live_server: str, browser: Any
) -> None:
    context, page = chinese_page(browser, live_server, "funan.doctor")

    page.get_by_role("navigation").get_by_role("link", name="早期预警").click()
    assert page.locator("h1").inner_text() == "危重程度与早期预警评分"
    assert "住院病房中18岁以下的患儿" in page.get_by_test_id("score-list").inner_text()
    page.screenshot(path=str(ARTIFACTS / "scores-zh.png"), full_page=True)
    page.get_by_test_id("score-list").get_by_role("link", name="床旁儿科早期预警评分（Bedside PEWS）").click()
    assert page.locator("h1").inner_text() == "床旁儿科早期预警评分（Bedside PEWS）"
    form = page.get_by_test_id("score-form")
    assert "(月)" in form.inner_text() and "(小数)" in form.inner_text()  # units written as words, too
    assert "缺失的项目计0分（视为正常）" in page.get_by_test_id("missing-rule").inner_text()

    # A 2-year-old (24 months) with heart rate 180 and respiratory rate 60, saturation typed 140.
    form.locator('[name="age_months"]').fill("24")
    form.locator('[name="heart_rate"]').fill("180")
    form.locator('[name="respiratory_rate"]').fill("60")
    form.locator('[name="spo2"]').fill("140")
    page.get_by_role("button", name="计算").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").first.inner_text() == "部分数值未被接受，请查看下方标出的字段。"
    assert "高于合理上限 100 %：请检查数值及其单位。" in page.locator("#err-spo2").inner_text()
    # the message sits under the field it is about, not in the next free cell of the grid
    spo2_box = form.locator('[name="spo2"]').bounding_box()
    message_box = page.locator("#err-spo2").bounding_box()
    assert abs(message_box["x"] - spo2_box["x"]) < 5 and 0 <= message_box["y"] - spo2_box["y"] < 80
    assert form.locator('[name="spo2"]').get_attribute("aria-invalid") == "true"
    assert page.get_by_test_id("score-result").count() == 0  # no score from a refused value
    # nothing typed is lost: the other values are still in the form
    assert form.locator('[name="heart_rate"]').input_value() == "180"
    page.screenshot(path=str(ARTIFACTS / "score-refused-zh.png"), full_page=True)

    # Parshuram 2009, Table 1, age 1-4 years: HR 180 >= 170 scores 4, RR 60 >= 41 scores 1.
    form.locator('[name="spo2"]').fill("")
    page.get_by_role("button", name="计算").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("score-total").inner_text() == "5"
    result = page.get_by_test_id("score-result")
    rows = {
        cells[0]: cells[1]
        for cells in (row.split("\t") for row in result.locator("tbody tr").all_inner_texts())
    }
    assert rows["心率"] == "4"
    assert rows["呼吸频率"] == "1"
    assert sum(float(points) for points in rows.values()) == 5
    # each line names the values it was scored from, in the user's language
    assert page.get_by_test_id("used-heart_rate_points").inner_text() == "年龄 24 月；心率 180 /min"
    assert (
        page.get_by_test_id("used-systolic_bp_points").count() == 0
    )  # not typed: the age alone explains nothing
    page.screenshot(path=str(ARTIFACTS / "score-result-zh.png"), full_page=True)

    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Bedside Paediatric Early Warning System score (Bedside PEWS)"
    form.locator('[name="age_months"]').fill("24")
    form.locator('[name="heart_rate"]').fill("180")
    form.locator('[name="respiratory_rate"]').fill("60")
    page.get_by_role("button", name="Calculate").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("score-total").inner_text() == "5"
    assert "Heart rate" in page.get_by_test_id("score-result").inner_text()
    assert page.get_by_test_id("used-heart_rate_points").inner_text() == "Age 24 months; Heart rate 180 /min"
    assert "(months)" in form.inner_text() and "(fraction)" in form.inner_text()
    assert page.get_by_test_id("missing-rule").inner_text().startswith("A missing item scores 0")
    page.screenshot(path=str(ARTIFACTS / "score-result-en.png"), full_page=True)
    context.close()
