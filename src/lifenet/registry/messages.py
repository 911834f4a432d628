"""Registry problems in the reader's language.

Problems are found in bulk (imports, the data-quality pass) and kept as rows of ``field, value,
rule, message`` with the message in English, the language of files and logs. A page or a
downloaded report shows them in the reader's language by wording each row again from its rule:
a field rule through the Babel catalog (the same template as the form's own error, with the
same value), a cross-field check from the Chinese the dictionary gives it, and any other
message through the catalog when it is a fixed sentence. Only a sentence nobody translated
stays in English.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from lifenet.registry import data_quality, validation
from lifenet.registry.dictionary import Dictionary, Form, translations
from lifenet.web import i18n

Translate = Callable[..., str]

_FIELD_RULES = frozenset(
    {
        "type",
        "timezone",
        "format",
        "max_length",
        "code",
        "code_group",
        "range",
        "future",
        "required",
        "soft_range",
    }
)


def translator(language: str, dictionary: Dictionary) -> Translate:
    """``translate(message, **params)``: the Babel catalog, and for Chinese readers the
    Chinese of the dictionary's and the data-quality pass's check messages."""
    catalog = i18n.gettext_for(language)
    checks = _check_texts(dictionary) if language.startswith("zh") else {}

    def translate(message: str, **params: Any) -> str:
        text = checks.get(message)
        if text is None:
            return catalog(message, **params)
        return text % params if params else text

    return translate


@lru_cache(maxsize=64)
def _check_texts(dictionary: Dictionary) -> dict[str, str]:
    """English -> Chinese of every check message a reader of this dictionary may meet, built
    once per dictionary (the core one, and each hospital's while its extension is current)."""
    return translations(dictionary) | data_quality.check_translations()


def problem_text(
    translate: Translate, form: Form, field: str | None, rule: str, value: str | None, english: str
) -> str:
    """One problem row's message in the reader's language (``english`` when nothing better)."""
    known = form.get(field) if field else None
    if known is not None and rule in _FIELD_RULES:
        error = validation.field_error(known, rule, value)
        return translate(error.message, **error.params)
    if rule == "stale":
        return translate(data_quality.STALE, value=value or "")
    return translate(english)


def localized_report(report_csv: str, form: Form, translate: Translate) -> str:
    """A stored import report (``imports.REPORT_COLUMNS``) with its messages reworded."""
    rows = list(csv.DictReader(io.StringIO(report_csv.removeprefix("\ufeff"))))
    if not rows:
        return report_csv
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row | {"message": _row_text(translate, form, row)})
    return "\ufeff" + out.getvalue()


def report_rows(
    report_csv: str, form: Form, translate: Translate, limit: int
) -> tuple[list[dict[str, str]], int]:
    """The first ``limit`` problems of a stored import report, reworded, for a page; and how
    many the report holds."""
    rows = list(csv.DictReader(io.StringIO(report_csv.removeprefix("\ufeff"))))
    return [row | {"message": _row_text(translate, form, row)} for row in rows[:limit]], len(rows)


def _row_text(translate: Translate, form: Form, row: Mapping[str, str]) -> str:
    return problem_text(
        translate, form, row.get("field") or None, row["rule"], row.get("value"), row["message"]
    )
