"""Fixtures shared by every test."""

import pytest

from liaison.core.testing import make_world


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (Simplified Chinese): a request served in English by
    an earlier test must not leave its language active in this thread."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_caches():
    """The working-day calendar and the congress above each region are cached per process; a test's
    rows are rolled back with its transaction (and SQLite gives their ids to the next test's), so the
    next test must not find them in the cache."""
    from liaison.core import deadlines
    from liaison.regions.selectors import clear_congress_cache

    deadlines.clear_cache()
    clear_congress_cache()
    yield
    deadlines.clear_cache()
    clear_congress_cache()


@pytest.fixture
def world(db):
    """Regions, congresses, terms, units and a user per role (see liaison.core.testing)."""
    return make_world()
