"""What every score definition owes its users, checked once for all of them: labels in both
languages, units and plausible ranges on numbers, a source and a licence note, and the same
result from the batch path as from the single-patient path."""

from __future__ import annotations

import random
from typing import Any

import polars as pl
import pytest

from lifenet.early_warning.scores import all_scores
from lifenet.early_warning.scores.base import ERRORS_COLUMN, MORTALITY_COLUMN, TOTAL_COLUMN, ScoreDefinition
from lifenet.web.i18n import UNIT_WORDS_ZH, unit_label

DEFINITIONS = list(all_scores().values())


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_input_and_component_has_english_and_chinese_labels(definition: ScoreDefinition) -> None:
    for item in (*definition.inputs, *definition.components):
        assert item.label_en and _chinese(item.label_zh), f"{definition.name}.{item.name}"
        assert item.label_en != item.label_zh


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_missing_value_rule_and_population_is_written_in_both_languages(
    definition: ScoreDefinition,
) -> None:
    assert definition.missing_rule and _chinese(definition.missing_rule_zh)
    default = ScoreDefinition.__dataclass_fields__["missing_rule"].default
    # a score with its own English rule has its own Chinese one, not the generic default
    if definition.missing_rule != default:
        assert definition.missing_rule_zh != ScoreDefinition.__dataclass_fields__["missing_rule_zh"].default
    assert definition.describe()["missing_rule_zh"] == definition.missing_rule_zh
    assert (
        _chinese(definition.population_zh)
        and definition.describe()["population_zh"] == definition.population_zh
    )


def test_units_written_as_words_are_shown_in_chinese() -> None:
    assert unit_label("months", "zh_Hans") == "月"
    assert unit_label("fraction", "zh_Hans") == "小数"
    assert unit_label("mmHg", "zh_Hans") == "mmHg"  # a symbol reads the same
    assert unit_label("months", "en") == "months"
    # every unit written as a lower-case word (kg is a symbol) has its Chinese label
    words = {
        i.unit for d in DEFINITIONS for i in d.inputs if i.unit and i.unit.isalpha() and i.unit.islower()
    }
    assert words - {"kg"} <= set(UNIT_WORDS_ZH), words - set(UNIT_WORDS_ZH)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_number_has_a_unit_and_a_plausible_range(definition: ScoreDefinition) -> None:
    for item in definition.inputs:
        if item.kind == "number":
            assert item.unit, f"{definition.name}.{item.name} has no unit"
            assert item.minimum is not None and item.maximum is not None, f"{definition.name}.{item.name}"


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_every_score_cites_its_source_and_licence(definition: ScoreDefinition) -> None:
    assert definition.source and definition.licence and definition.population


def random_rows(definition: ScoreDefinition, seed: int, count: int) -> list[dict[str, Any]]:
    """Valid random patients: every input inside its range, optional ones sometimes missing."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        row: dict[str, Any] = {}
        for item in definition.inputs:
            if not item.required and rng.random() < 0.2:
                row[item.name] = None
            elif item.kind == "boolean":
                row[item.name] = rng.random() < 0.5
            elif item.kind == "choice":
                row[item.name] = rng.choice(item.choices)
            else:
                low = item.minimum if item.minimum is not None else 0.0
                high = item.maximum if item.maximum is not None else low + 200
                value = rng.uniform(low, min(high, low + 200))
                row[item.name] = round(value) if item.kind == "integer" else round(value, 2)
        rows.append(row)
    return rows


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda d: d.name)
def test_score_frame_equals_score_one_row_by_row(definition: ScoreDefinition) -> None:
    rows = random_rows(definition, seed=2017, count=200)
    schema = {i.name: i.polars_dtype() for i in definition.inputs}
    scored = definition.score_frame(pl.DataFrame(rows, schema=schema)).collect()
    for row, out in zip(rows, scored.iter_rows(named=True), strict=True):
        single = definition.score_one(row)
        assert out[ERRORS_COLUMN] == []
        # Exact but for the last bits of floating-point arithmetic (logistic models' terms).
        assert out[TOTAL_COLUMN] == pytest.approx(single.total, rel=1e-12, abs=1e-12)
        components = {c.name: out[c.name] for c in definition.components}
        assert components == pytest.approx(single.components, rel=1e-12, abs=1e-12)
        assert {n: out[n] for n in definition.extras} == single.extras
        if definition.mortality is not None:
            assert out[MORTALITY_COLUMN] == pytest.approx(single.predicted_mortality)
