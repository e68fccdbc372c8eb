"""Shared fixtures for the TrustPath test suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


@pytest.fixture
def copy_fixture(tmp_path: Path):
    """Copy a fixture project (by path under tests/fixtures/) into a temporary folder."""

    def copy(name: str) -> Path:
        target = tmp_path / Path(name).name
        shutil.copytree(FIXTURES / name, target, symlinks=True)
        return target

    return copy
