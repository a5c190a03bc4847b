"""Fixtures shared by every test."""

import pytest

from liaison.core.testing import make_world


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    """Regions, congresses, terms, units and a user per role (see liaison.core.testing)."""
    return make_world()
