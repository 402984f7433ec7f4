"""Shared fixtures: the duet binary (DUET_BIN, PATH or the checkout's .build), one server for
the session, and the nasaic-two-tasks config. Every test that needs the server is skipped, with
the reason, only when no duet binary exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from duet_gym import DuetClient, DuetNotFoundError, find_duet

ROOT = Path(__file__).resolve().parents[2]
NASAIC = ROOT / "Examples" / "nasaic-two-tasks" / "config.yaml"


def _binary():
    try:
        return find_duet()
    except DuetNotFoundError as e:
        return None


DUET = _binary()
needs_duet = pytest.mark.skipif(DUET is None, reason="no duet binary: build it (swift build --product duet) or set DUET_BIN")


@pytest.fixture(scope="session")
def client():
    """One server for the whole session: configs, networks and mappings stay cached in it."""
    with DuetClient(DUET) as c:
        yield c


@pytest.fixture(scope="session")
def nasaic() -> str:
    return str(NASAIC)
