"""docs/data-dictionary.md is generated from the dictionary and names every field."""

from __future__ import annotations

from pathlib import Path

from lifenet.registry.dictionary import load_dictionary
from lifenet.registry.redcap import render_reference

PAGE = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"


def test_every_dictionary_field_is_in_the_reference() -> None:
    text = PAGE.read_text(encoding="utf-8")
    missing = [
        f"{form.name}.{field.name}"
        for form in load_dictionary().forms.values()
        for field in form.fields
        if f"| `{field.name}` |" not in text
    ]
    assert not missing, f"document these fields in docs/data-dictionary.md: {missing}"


def test_every_code_list_is_in_the_reference() -> None:
    text = PAGE.read_text(encoding="utf-8")
    missing = [name for name in load_dictionary().codelists if f"### {name}\n" not in text]
    assert not missing, f"document these code lists: {missing}"


def test_the_reference_is_the_generated_one() -> None:
    assert PAGE.read_text(encoding="utf-8") == render_reference(), (
        "regenerate it: python -m lifenet.registry.redcap docs/data-dictionary.md"
    )
