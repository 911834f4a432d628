"""JSON API of the early-warning module: describe scores and score one patient's values."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from pydantic import BaseModel

from lifenet.access import NotFound
from lifenet.early_warning.scores import all_scores, get_score
from lifenet.early_warning.scores.base import ScoreDefinition
from lifenet.web.deps import CurrentApiUser

router = APIRouter(prefix="/api/v1/early-warning", tags=["early warning"])


class ScoreSummary(BaseModel):
    name: str
    title_en: str
    title_zh: str
    source: str
    predicts_mortality: bool


class ComponentOut(BaseModel):
    name: str
    label_en: str
    label_zh: str
    points: float


class ScoreOut(BaseModel):
    name: str
    total: float
    components: list[ComponentOut]
    predicted_mortality: float | None
    extras: dict[str, Any]
    source: str


def definition_or_404(name: str) -> ScoreDefinition:
    try:
        return get_score(name)
    except KeyError as exc:
        raise NotFound("score", name) from exc


@router.get("/scores")
def list_scores(me: CurrentApiUser) -> list[ScoreSummary]:
    """Every score LifeNet computes, with its published source."""
    return [
        ScoreSummary(
            name=d.name,
            title_en=d.title_en,
            title_zh=d.title_zh,
            source=d.source,
            predicts_mortality=d.mortality is not None,
        )
        for d in all_scores().values()
    ]


@router.get("/scores/{name}")
def describe_score(name: str, me: CurrentApiUser) -> dict[str, Any]:
    """The score's definition: inputs (name, type, unit, range, choices), components, source."""
    return definition_or_404(name).describe()


@router.post("/scores/{name}", response_model=ScoreOut)
def score_values(
    name: str,
    me: CurrentApiUser,
    values: dict[str, Any] = Body(..., examples=[{"heart_rate": 150}]),  # noqa: B008
) -> ScoreOut:
    """Score one patient's values. Refused inputs are listed (422), each naming the input and
    rule (``ScoreInputError`` is an ``InvalidInput``)."""
    definition = definition_or_404(name)
    result = definition.score_one(values)
    return ScoreOut(
        name=definition.name,
        total=result.total,
        components=[
            ComponentOut(
                name=c.name, label_en=c.label_en, label_zh=c.label_zh, points=result.components[c.name]
            )
            for c in definition.components
        ],
        predicted_mortality=result.predicted_mortality,
        extras=result.extras,
        source=definition.source,
    )
