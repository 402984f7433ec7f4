"""Pieces that need no server: error objects and the action <-> point codec."""

from __future__ import annotations

import pytest

from duet_gym import DuetError, DuetEvaluationError, DuetInputError, DuetProtocolError, SpaceCodec


def test_error_classes_follow_the_codes():
    assert type(DuetError.from_object({"code": -32000, "message": "m"})) is DuetInputError
    assert type(DuetError.from_object({"code": -32001, "message": "m"})) is DuetEvaluationError
    assert type(DuetError.from_object({"code": -32700, "message": "m"})) is DuetProtocolError
    e = DuetError.from_object({"code": -32000, "message": "bad",
                               "data": {"issues": [{"file": "c.yaml", "key": "budgets.x", "value": "1", "fix": "use y"}]}})
    assert e.code == -32000 and e.message == "bad"
    assert e.issues[0]["fix"] == "use y" and "c.yaml: budgets.x" in str(e) and "use y" in str(e)


SPACE = [
    {"name": "count", "kind": "integer", "lower": 2, "upper": 3},
    {"name": "t2", "kind": "choice", "choices": ["tpu", "eyeriss"], "condition": {"variable": "count", "values": ["3"]}},
    {"name": "df2", "kind": "choice", "choices": ["ws", "os"], "condition": {"variable": "t2", "values": ["tpu"]}},
    {"name": "rows", "kind": "integer", "lower": 8, "upper": 64, "power_of_two": True, "values": [8, 16, 32, 64]},
    {"name": "clock", "kind": "real", "lower": 0.5, "upper": 2.0},
]


def test_actions_map_to_points_by_index_offset_and_step():
    c = SpaceCodec(SPACE, real_steps=4)
    assert c.nvec == [2, 2, 2, 4, 4]
    assert c.point([1, 0, 1, 2, 3]) == {"count": 3, "t2": "tpu", "df2": "os", "rows": 32, "clock": 2.0}
    assert c.point([0, 0, 0, 0, 1])["clock"] == pytest.approx(1.0)
    assert c.action({"count": 3, "t2": "tpu", "df2": "os", "rows": 32, "clock": 2.0}) == [1, 0, 1, 2, 3]


def test_inactive_conditional_variables_are_left_out():
    c = SpaceCodec(SPACE, real_steps=4)
    assert c.point([0, 0, 1, 0, 0]) == {"count": 2, "rows": 8, "clock": 0.5}           # no third slot
    assert c.point([1, 1, 1, 0, 0]) == {"count": 3, "t2": "eyeriss", "rows": 8, "clock": 0.5}  # not a tpu


def test_out_of_range_actions_are_refused():
    c = SpaceCodec(SPACE)
    with pytest.raises(ValueError):
        c.point([2, 0, 0, 0, 0])
    with pytest.raises(ValueError):
        c.point([0, 0, 0])
