"""Every message in the sources and templates has its Chinese translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from lifenet.web import i18n

ROOT = Path(__file__).resolve().parents[1]
METHODS = [("src/lifenet/**.py", "python"), ("src/lifenet/web/templates/**.html", "jinja2")]


def _source_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords={"_": None, "N_": None}
    ):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def test_every_message_has_a_chinese_translation() -> None:
    with (i18n.LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = sorted(_source_messages() - translated)
    assert not missing, f"add these to messages.po (make messages): {missing}"


def test_placeholders_survive_translation() -> None:
    with (i18n.LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if message.id and "%(" in str(message.id):
            names = sorted(part.split(")")[0] for part in str(message.id).split("%(")[1:])
            assert sorted(part.split(")")[0] for part in str(message.string).split("%(")[1:]) == names, (
                message.id
            )


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR,fr;q=0.9", None),
        ("zh-TW", None),
        ("fr;q=0.9, zh-Hans;q=0.5", "zh_Hans"),
        ("", None),
    ],
)
def test_accept_language_picks_the_best_supported_language(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected
