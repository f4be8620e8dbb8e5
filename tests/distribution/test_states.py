import itertools

import pytest

from hub.distribution.states import (
    DELIVERED,
    TRANSITIONS,
    Action,
    PubState,
    can_move,
    publication_id,
    require_move,
)
from hub.errors import HubError


def test_the_happy_path_is_allowed_step_by_step() -> None:
    path = [
        PubState.PLANNED,
        PubState.RENDERING,
        PubState.VALIDATED,
        PubState.DELIVERING,
        PubState.SUBMITTED,
        PubState.ACCEPTED,
        PubState.LIVE,
        PubState.RETRACTED,
    ]
    for a, b in itertools.pairwise(path):
        require_move(a, b)


def test_ended_publications_cannot_move_and_failed_ones_only_replay() -> None:
    for state in (PubState.REJECTED, PubState.RETRACTED, PubState.CANCELLED):
        assert TRANSITIONS[state] == frozenset()
    assert TRANSITIONS[PubState.FAILED] == frozenset({PubState.PLANNED, PubState.CANCELLED})


def test_skipping_delivery_is_refused_with_a_clear_error() -> None:
    assert not can_move(PubState.PLANNED, PubState.LIVE)
    with pytest.raises(HubError) as err:
        require_move(PubState.VALIDATED, PubState.LIVE)
    assert err.value.code == "PUBLICATION_BAD_TRANSITION"
    assert "validated" in err.value.message_zh and "live" in err.value.message_en


def test_every_state_is_reachable_from_planned() -> None:
    seen, todo = {PubState.PLANNED}, [PubState.PLANNED]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(PubState)
    assert seen >= DELIVERED


def test_publication_ids_are_deterministic_per_story_revision_channel_and_action() -> None:
    assert publication_id("s1", 3, "wechat", Action.PUBLISH) == "s1:3:wechat:publish"
    assert publication_id("s1", 3, "wechat", Action.RETRACT) != publication_id(
        "s1", 3, "wechat", Action.PUBLISH
    )
