import datetime

import pytest

from liaison.regions.services import organ_create, session_create


@pytest.fixture
def things(world):
    """A session and an organ in the officer's county and in the other prefecture's county."""
    made = {}
    for key in ("county", "other_county"):
        made[f"{key}_session"] = session_create(
            actor=None,
            term=world.terms[key],
            number=1,
            start_date=datetime.date(2022, 1, 20),
            end_date=datetime.date(2022, 1, 23),
            notice_date=datetime.date(2022, 1, 1),
        )
        made[f"{key}_organ"] = organ_create(
            actor=None, congress=world.congresses[key], kind="standing_committee", name=f"{key} 常委会"
        )
    return made
