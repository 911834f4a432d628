"""The score calculator: a clinician types values and sees each component explained."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from lifenet.early_warning import registry_scores
from lifenet.early_warning.api import definition_or_404
from lifenet.early_warning.scores import all_scores
from lifenet.early_warning.scores.base import (
    YES_TEXT,
    InputProblem,
    ScoreDefinition,
    ScoreInput,
    ScoreInputError,
    ScoreResult,
)
from lifenet.early_warning.scores.choices import choice_label
from lifenet.lib.errors import N_
from lifenet.registry import queries as registry_queries
from lifenet.web import i18n
from lifenet.web.deps import CsrfChecked, CurrentPageUser, Db, FormData
from lifenet.web.render import render

router = APIRouter(include_in_schema=False)

RULE_MESSAGES = {
    "minimum": N_("Below the plausible minimum %(minimum)s %(unit)s: check the value and its unit."),
    "maximum": N_("Above the plausible maximum %(maximum)s %(unit)s: check the value and its unit."),
    "required": N_("This field is required."),
    "choice": N_("Choose one of the offered values."),
    "type": N_("Enter a number."),
}


@router.get("/early-warning/scores", response_class=HTMLResponse)
def score_list(request: Request, me: CurrentPageUser) -> Response:
    return render(
        request,
        "early_warning/scores.html",
        {"scores": list(all_scores().values())},
        user=me,
        active="early_warning",
    )


def _score_page(
    request: Request,
    me: Any,
    definition: ScoreDefinition,
    *,
    form: dict[str, str] | None = None,
    result: ScoreResult | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {
        "score": definition,
        "form": form or {},
        "result": result,
        "used": _values_used(definition, form or {}, me.language) if result else {},
        "errors": errors or {},
        "choice_label": choice_label,
    }
    return render(
        request, "early_warning/score.html", context, user=me, active="early_warning", status_code=status_code
    )


def _values_used(definition: ScoreDefinition, form: Mapping[str, str], language: str) -> dict[str, str]:
    """For each component, the values typed for the inputs its points come from, as the
    user reads them ("Age 24 months; Heart rate 180 /min"): the explanation of that line.

    A line whose own measurement was left empty shows nothing, even if an input it shares
    with other lines (the age, for the age bands) was typed: its 0 points come from the
    missing value, not from the age."""
    _ = i18n.gettext_for(language)
    chinese = language.startswith("zh")
    reads = {c.name: definition.reads(c) for c in definition.components}
    readers: dict[str, int] = {}
    for items in reads.values():
        for item in items:
            readers[item.name] = readers.get(item.name, 0) + 1
    used: dict[str, str] = {}
    for component in definition.components:
        typed = [i for i in reads[component.name] if str(form.get(i.name, "")).strip()]
        own = [i for i in reads[component.name] if readers[i.name] == 1]
        if own and not any(i in own for i in typed):
            continue
        parts = []
        for item in typed:
            raw = str(form.get(item.name, "")).strip()
            if item.kind == "choice":
                shown = choice_label(raw, language)
            elif item.kind == "boolean":
                shown = _("yes") if raw.lower() in YES_TEXT else _("no")
            else:
                shown = f"{raw} {i18n.unit_label(item.unit, language)}".strip()
            parts.append(f"{item.label_zh if chinese else item.label_en} {shown}")
        used[component.name] = ("；" if chinese else "; ").join(parts)
    return used


@router.get("/early-warning/scores/{name}", response_class=HTMLResponse)
def score_form(request: Request, name: str, me: CurrentPageUser) -> Response:
    return _score_page(request, me, definition_or_404(name))


@router.post("/early-warning/scores/{name}", dependencies=[CsrfChecked])
def score_submit(request: Request, name: str, me: CurrentPageUser, form: FormData) -> Response:
    definition = definition_or_404(name)
    values = {i.name: form[i.name] for i in definition.inputs if form.get(i.name, "") != ""}
    try:
        result = definition.score_one(values)
    except ScoreInputError as exc:
        errors = {p.input: _message(me.language, definition, p) for p in exc.problems}
        return _score_page(request, me, definition, form=form, errors=errors, status_code=422)
    return _score_page(request, me, definition, form=form, result=result)


def _message(language: str, definition: ScoreDefinition, problem: InputProblem) -> str:
    _ = i18n.gettext_for(language)
    template = RULE_MESSAGES.get(problem.rule)
    if template is None:
        return problem.message
    item: ScoreInput = definition.input(problem.input)
    return _(
        template,
        minimum=f"{item.minimum:g}" if item.minimum is not None else "",
        maximum=f"{item.maximum:g}" if item.maximum is not None else "",
        unit=i18n.unit_label(item.unit, language),
    )


@router.get("/early-warning/patients/{patient_id}/scores", response_class=HTMLResponse)
def patient_scores(request: Request, patient_id: int, me: CurrentPageUser, db: Db) -> Response:
    """The scores a patient's registry records imply (loaded into the registry patient page)."""
    _patient, records = registry_queries.access_patient(db, me.principal, patient_id)
    by_id = {r.id: r for r in records}
    tree = registry_queries.children_of(records)
    runs = []
    for run in (r for r in records if r.form == "ecls_run"):
        siblings = tree.get(run.parent_id, [])
        runs.append(
            {
                "run_id": run.id,
                "ecls_run": run.values,
                "pre_ecls": next((r.values for r in siblings if r.form == "pre_ecls"), {}),
                "diagnosis": next((r.values for r in siblings if r.form == "diagnosis"), {}),
                "episode": by_id[run.parent_id].values if run.parent_id in by_id else {},
            }
        )
    context = {
        "scores": registry_scores.scores_for_runs(runs),
        "definitions": all_scores(),
        "runs": by_id,
    }
    return render(request, "early_warning/_patient_scores.html", context, user=me)
