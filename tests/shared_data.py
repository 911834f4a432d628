"""Where the shared reference data lives (``../shared`` beside the repository).

Tests that need a data set call :func:`shared_path`, which skips the test with a clear reason
when the folder is absent (it is always present in CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DIR = Path(os.environ.get("LIFENET_SHARED_DIR", Path(__file__).resolve().parents[1].parent / "shared"))


def shared_path(*parts: str) -> Path:
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found at {path} (set LIFENET_SHARED_DIR)")
    return path
