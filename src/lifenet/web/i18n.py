"""Page languages: Simplified Chinese and English, from Babel catalogs.

Message ids are the English text, so English needs no catalog. The Chinese catalog
(``locale/zh_Hans/LC_MESSAGES/messages.po``) is compiled in memory at start-up: no compiled
``.mo`` file is kept in the repository or needed at install time.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES: dict[str, str] = {"zh_Hans": "简体中文", "en": "English"}
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}


@cache
def translations(language: str) -> NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == "en" or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def gettext_for(language: str) -> Callable[..., str]:
    """A ``_`` for templates and code: ``_("Hello %(name)s", name="x")`` translates, then fills in."""
    catalog = translations(language)

    def _(message: str, **params: Any) -> str:
        text = catalog.gettext(message)
        return text % params if params else text

    return _


def ngettext_for(language: str) -> Callable[..., str]:
    catalog = translations(language)

    def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
        text = catalog.ngettext(singular, plural, n)
        return text % ({"num": n} | params)

    return ngettext


def normalize(language: str | None) -> str | None:
    """Map what people and browsers send ("zh-CN", "zh_Hans", "en-GB") to a LifeNet language."""
    if not language:
        return None
    if language in LANGUAGES:
        return language
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    if locale.language == "en":
        return "en"
    if locale.language == "zh" and locale.script != "Hant" and locale.territory not in ("TW", "HK", "MO"):
        return "zh_Hans"
    return None


def from_accept_language(header: str | None) -> str | None:
    """The best LifeNet language from an Accept-Language header, by the browser's q order."""
    if not header:
        return None
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((-quality, index, tag.strip()))
    for _q, _i, tag in sorted(choices):
        language = normalize(tag)
        if language:
            return language
    return None


# Units written as words are shown in the user's language; symbols (mmHg, mmol/L, kg, /min …)
# read the same in both.
UNIT_WORDS_ZH = {
    "years": "岁",
    "months": "月",
    "weeks": "周",
    "days": "天",
    "hours": "小时",
    "h": "小时",
    "min": "分钟",
    "s": "秒",
    "fraction": "小数",
    "ratio": "比值",
}


def unit_label(unit: str | None, language: str) -> str:
    """A unit as shown to the user: ``months`` is 月 in Chinese; a symbol is unchanged."""
    if not unit:
        return ""
    return UNIT_WORDS_ZH.get(unit, unit) if language.startswith("zh") else unit
