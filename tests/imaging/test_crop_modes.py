"""The two geometry rules the crop modes, faces and layers share (imaging/plan/crop_modes.py)."""

import pytest

from edge.grammar.values import Gravity
from edge.imaging.plan.crop_modes import anchored, cover


@pytest.mark.parametrize(
    "gravity, offset, expected",
    [(Gravity.NORTH_WEST, (0, 0), (0, 0)), (Gravity.CENTER, (0, 0), (30, 20)), (Gravity.SOUTH_EAST, (0, 0), (60, 40)),
     (Gravity.NORTH_WEST, (5, 7), (5, 7)), (Gravity.SOUTH_EAST, (5, 7), (55, 33)),  # inwards from the gravity's edge
     (Gravity.CENTER, (5, 7), (35, 27)), (Gravity.EAST, (5, -3), (55, 17))],
    ids=lambda v: str(v),
)
def test_anchored_places_a_box_at_the_gravity_with_inward_offsets(gravity, offset, expected):
    assert anchored(gravity, 100, 80, 40, 40, *offset) == expected


@pytest.mark.parametrize("source, box", [((400, 300), (200, 200)), ((300, 400), (200, 100)), ((333, 101), (97, 97)),
                                         ((10, 10), (400, 50))])
def test_cover_keeps_the_aspect_and_never_leaves_the_box_uncovered(source, box):
    rw, rh = cover(*source, *box)
    assert rw >= box[0] and rh >= box[1]
    assert abs(rw / rh - source[0] / source[1]) < 0.05 or min(rw - box[0], rh - box[1]) == 0
    assert rw == box[0] or rh == box[1]  # the tighter side fits exactly
