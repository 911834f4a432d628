"""Severity and early-warning scores, one module per score.

Every module in this package that defines a module-level ``DEFINITION`` (a
:class:`~lifenet.early_warning.scores.base.ScoreDefinition`) is registered by its
``DEFINITION.name``. Adding a score is adding its module: no list to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from lifenet.early_warning.scores.base import ScoreDefinition


@cache
def all_scores() -> dict[str, ScoreDefinition]:
    found: dict[str, ScoreDefinition] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        definition = getattr(module, "DEFINITION", None)
        if isinstance(definition, ScoreDefinition):
            found[definition.name] = definition
    return found


def get_score(name: str) -> ScoreDefinition:
    scores = all_scores()
    if name not in scores:
        known = ", ".join(sorted(scores))
        raise KeyError(f"unknown score {name!r}; known scores: {known}")
    return scores[name]
