"""One classifier for the whole package: word lists compile once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.classify import Classifier

DATA = Path(__file__).resolve().parent.parent / "data" / "classify"


@pytest.fixture(scope="session")
def classifier() -> Classifier:
    return Classifier()
