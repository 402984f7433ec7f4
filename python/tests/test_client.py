"""DuetClient against the real `duet serve`: the protocol's methods, batches, error objects and
the server's lifetime."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import time

import pytest

from duet_gym import (DuetClient, DuetError, DuetEvaluationError, DuetInputError, DuetNotFoundError,
                      DuetProtocolError, DuetServerError, find_duet)
from conftest import DUET, ROOT, needs_duet

pytestmark = needs_duet

NB201_ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_space_describes_the_nasaic_variables(client, nasaic):
    space = client.space(nasaic)
    by_name = {v["name"]: v for v in space["variables"]}
    # Two NB201 tasks: six edges each, five operations per edge, as choices.
    cells = [n for n in by_name if n.startswith(("cifar10.", "cifar100."))]
    assert len(cells) == 12
    assert all(by_name[n]["kind"] == "choice" and len(by_name[n]["choices"]) == 5 for n in cells)
    # 2-3 sub-accelerators; pe_rows 8..64 as powers of two.
    assert by_name["hw.count"]["kind"] == "integer"
    assert (by_name["hw.count"]["lower"], by_name["hw.count"]["upper"]) == (2, 3)
    rows = by_name["hw.0.pe_rows"]
    assert rows["kind"] == "integer" and (rows["lower"], rows["upper"]) == (8, 64)
    assert rows.get("values", [8, 16, 32, 64]) == [8, 16, 32, 64]
    assert by_name["hw.0.template"]["choices"] == ["tpu", "eyeriss", "nvdla", "shidiannao"]
    assert space["objectives"] == [{"name": "accuracy", "sense": "maximize"},
                                   {"name": "energy_mj", "sense": "minimize"},
                                   {"name": "area_mm2", "sense": "minimize"}]
    assert sorted(space["constraints"]) == ["area_mm2", "energy_mj", "latency_ms"]


def test_sample_is_deterministic_for_a_seed(client, nasaic):
    a = client.sample(nasaic, n=5, seed=11)
    b = client.sample(nasaic, n=5, seed=11)
    c = client.sample(nasaic, n=5, seed=12)
    assert len(a) == 5 and a == b and a != c
    names = {v["name"] for v in client.space(nasaic)["variables"]}
    assert all(set(p) <= names for p in a)


def test_evaluate_point_reports_objectives_metrics_and_constraints(client, nasaic):
    point = client.sample(nasaic, n=1, seed=3)[0]
    r = client.evaluate_point(nasaic, point)
    assert set(r["objectives"]) == {"accuracy", "energy_mj", "area_mm2"}
    for name, value in r["objectives"].items():
        assert r["metrics"][name] == pytest.approx(value)
    # accuracy is the mean of the two tasks' table accuracies
    m = r["metrics"]
    assert m["accuracy"] == pytest.approx((m["cifar10.accuracy"] + m["cifar100.accuracy"]) / 2)
    assert 0 < m["cifar100.accuracy"] < m["cifar10.accuracy"] < 100
    assert m["energy_mj"] > 0 and m["area_mm2"] > 0 and m["latency_ms"] > 0
    # a budget is violated exactly when its constraint value is positive
    assert sorted(r["violations"]) == sorted(k for k, v in r["constraints"].items() if v > 0)
    assert r["feasible"] == (not r["violations"])
    assert r["design"]


def test_decode_names_the_design(client, nasaic):
    point = client.sample(nasaic, n=1, seed=5)[0]
    design = client.decode(nasaic, point)
    assert design == client.evaluate_point(nasaic, point)["design"]


def test_batched_points_equal_single_evaluations_in_order(client, nasaic):
    points = client.sample(nasaic, n=6, seed=21)
    batched = client.evaluate_points(nasaic, points)
    assert len(batched) == 6
    for p, r in zip(points, batched):
        assert r == client.evaluate_point(nasaic, p)


def test_direct_evaluate_equals_the_cli(client):
    network = f"nb201:{NB201_ARCH}"
    served = client.evaluate(network=network, accelerator="eyeriss", set={"pe_rows": 16})
    cli = subprocess.run([DUET, "evaluate", "--network", network, "--accelerator", "eyeriss", "--set", "pe_rows=16",
                          "--format", "json"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert cli.returncode in (0, 1), cli.stderr
    assert served == json.loads(cli.stdout)
    # the list forms of networks and set mean the same
    assert client.evaluate(networks=[network], accelerator="eyeriss", set=["pe_rows=16"]) == served


def test_direct_designs_batch(client):
    network = f"nb201:{NB201_ARCH}"
    designs = [{"network": network, "accelerator": "eyeriss", "set": {"pe_rows": r}} for r in (8, 16)]
    results = client.evaluate_designs(designs)
    assert results == [client.evaluate(**d) for d in designs]
    assert results[0] != results[1]


def test_jsonrpc_batch_matches_ids_and_keeps_errors_in_place(client, nasaic):
    out = client.batch([("space", {"config": nasaic}), ("no_such_method", {}),
                        ("sample", {"config": nasaic, "n": 2, "seed": 1})])
    assert out[0] == client.space(nasaic)
    assert isinstance(out[1], DuetProtocolError) and out[1].code == -32601
    assert out[2]["points"] == client.sample(nasaic, n=2, seed=1)
    with pytest.raises(DuetProtocolError):
        client.batch([("space", {"config": nasaic}), ("no_such_method", {})], raise_errors=True)


def test_input_error_carries_file_key_and_fix(client, nasaic):
    point = dict(client.sample(nasaic, n=1, seed=1)[0])
    point["hw.count"] = 7  # outside 2...3
    point["no.such.variable"] = 1
    with pytest.raises(DuetInputError) as e:
        client.evaluate_point(nasaic, point)
    err = e.value
    assert err.code == -32000
    keys = " ".join(str(i.get("key")) for i in err.issues)
    assert "no.such.variable" in keys
    assert all({"key", "fix"} <= set(i) for i in err.issues)
    assert "no.such.variable" in str(err)


def test_missing_config_is_an_input_error_naming_the_file(client, tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(DuetInputError) as e:
        client.space(str(missing))
    assert any(str(missing) in str(i.get("file", "")) + str(i.get("value", "")) for i in e.value.issues) \
        or str(missing) in e.value.message


def test_bad_params_and_unknown_methods_are_protocol_errors(client, nasaic):
    with pytest.raises(DuetProtocolError) as e:
        client.call("evaluat", {})
    assert e.value.code == -32601
    with pytest.raises(DuetError) as e:
        client.call("sample", {"config": nasaic, "n": "many", "seed": 1})
    assert e.value.code in (-32602, -32000)


def test_malformed_lines_get_error_objects_and_the_server_stays_up(client, nasaic):
    for bad in ("{not json", "[]", "42", '{"jsonrpc": "2.0", "id": 1}', '{"id": 2, "method": "space"}'):
        answer = client.send_raw(bad)
        assert isinstance(answer, dict) and answer["error"]["code"] in (-32700, -32600), (bad, answer)
    assert client.send_raw("{not json")["id"] is None
    assert client.space(nasaic)["variables"]  # still answering


def test_notification_gets_no_answer(client, nasaic):
    client.notify("space", {"config": nasaic})
    # the next answer is the next request's, not the notification's
    assert client.sample(nasaic, n=1, seed=2) == client.sample(nasaic, n=1, seed=2)


def test_ask_evaluate_tell_round_trip_on_a_sqlite_study(client, nasaic, tmp_path):
    study = tmp_path / "agent.sqlite"
    trials = client.ask(study, n=2, config=nasaic)
    assert len(trials) == 2 and trials[0]["trial"] != trials[1]["trial"]
    for t in trials:
        metrics = client.evaluate_point(nasaic, t["point"])["metrics"]
        told = client.tell(study, metrics=metrics, trial=t["trial"])
        assert told["trial"] == t["trial"] and told["recorded"] is True
    # a design of the agent's own: a tell-only trial, stored beside the asked ones
    own = client.sample(nasaic, n=1, seed=99)[0]
    told = client.tell(study, metrics=client.evaluate_point(nasaic, own)["metrics"], point=own)
    assert told["recorded"] is True and told["trial"] not in {t["trial"] for t in trials}
    # telling an unknown trial is bad input, not a dead server
    with pytest.raises(DuetInputError):
        client.tell(study, metrics={"accuracy": 1.0}, trial=10**6)
    assert client.space(nasaic)


def test_context_manager_and_shutdown_end_the_server(nasaic):
    with DuetClient(DUET) as c:
        pid = c.pid
        assert c.space(nasaic)
    assert c.closed and not _alive(pid)
    c2 = DuetClient(DUET)
    assert c2.shutdown() == 0
    with pytest.raises(DuetServerError):
        c2.space(nasaic)


def test_garbage_collection_ends_the_server():
    c = DuetClient(DUET)
    pid = c.pid
    del c
    gc.collect()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_binary_search_order(monkeypatch, tmp_path):
    monkeypatch.setenv("DUET_BIN", DUET)
    assert find_duet() == os.path.realpath(DUET)
    monkeypatch.setenv("DUET_BIN", str(tmp_path / "no-duet"))
    with pytest.raises(DuetNotFoundError) as e:
        find_duet()
    assert e.value.issues and "fix" in e.value.issues[0]
    assert find_duet(DUET) == os.path.realpath(DUET)  # the argument comes first
