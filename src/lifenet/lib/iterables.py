"""Small helpers over sequences."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunked(items: Sequence[T], size: int = 5000) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size`` (SQL ``IN`` lists stay short)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
