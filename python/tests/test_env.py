"""DuetCoDesign-v0 against the real server: spaces, seeded determinism, the reward's signs and
references, the budget penalty, failed evaluations, episode length and the vector env."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import duet_gym
from duet_gym import DuetCoDesignEnv, DuetCoDesignVectorEnv
from conftest import DUET, NASAIC, ROOT, needs_duet

pytestmark = needs_duet

FAST = dict(reference_samples=16)


@pytest.fixture(scope="module")
def env(client):
    e = DuetCoDesignEnv(str(NASAIC), client=client, max_steps=5, **FAST)
    yield e
    e.close()


def test_spaces_follow_the_config(env, client):
    space = client.space(str(NASAIC))
    assert isinstance(env.action_space, gym.spaces.MultiDiscrete)
    expected = []
    for v in space["variables"]:
        if v["kind"] == "choice":
            expected.append(len(v["choices"]))
        elif "values" in v:
            expected.append(len(v["values"]))
        else:
            expected.append(v["upper"] - v["lower"] + 1)
    assert env.action_space.nvec.tolist() == expected
    assert env.variable_names == [v["name"] for v in space["variables"]]
    assert isinstance(env.observation_space, gym.spaces.Box) and env.observation_space.dtype == np.float32
    assert env.observation_space.shape == (len(env.metric_names),)
    assert env.metric_names[:3] == ["accuracy", "energy_mj", "area_mm2"]
    assert {"latency_ms", "cifar10.accuracy", "cifar100.accuracy"} <= set(env.metric_names[3:])


def test_observation_is_the_designs_metrics(env, client):
    obs, info = env.reset(seed=4)
    assert env.observation_space.contains(obs)
    direct = client.evaluate_point(str(NASAIC), info["point"])
    assert info["objectives"] == direct["objectives"]
    for name, value in zip(env.metric_names, obs):
        assert value == pytest.approx(direct["metrics"][name], rel=1e-6)


def test_reset_with_a_seed_is_deterministic(env):
    def episode(seed):
        obs, info = env.reset(seed=seed)
        env.action_space.seed(seed)
        trace = [(obs.tolist(), info["point"])]
        for _ in range(4):
            obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
            trace.append((obs.tolist(), reward, info["point"]))
        return trace
    assert episode(7) == episode(7)
    assert episode(7) != episode(8)


def test_actions_decode_to_points(env):
    env.reset(seed=1)
    names = env.variable_names
    action = np.zeros(len(names), dtype=np.int64)
    action[names.index("hw.count")] = 0  # 2 sub-accelerators: no third slot
    action[names.index("hw.0.template")] = 1  # eyeriss: no tpu dataflow
    action[names.index("hw.0.pe_rows")] = 2  # 8, 16, 32, ...
    point = env.point(action)
    assert point["hw.count"] == 2 and point["hw.0.template"] == "eyeriss" and point["hw.0.pe_rows"] == 32
    assert not any(k.startswith("hw.2.") for k in point)
    assert "hw.0.dataflow" not in point
    _, _, _, _, info = env.step(action)
    assert info["point"] == point


def _reward(info, env, penalty):
    total = 0.0
    for name, sign in (("accuracy", 1), ("energy_mj", -1), ("area_mm2", -1)):
        total += sign * info["objectives"][name] / env.problem.reference[name]
    return total - penalty * len(info["violations"])


def test_reward_maximizes_accuracy_and_minimizes_cost(client):
    ref = {"accuracy": 80.0, "energy_mj": 0.25, "area_mm2": 4.0}
    e = DuetCoDesignEnv(str(NASAIC), client=client, penalty=0.0, reference=ref, **FAST)
    assert e.problem.reference == ref
    e.reset(seed=2)
    e.action_space.seed(2)
    for _ in range(5):
        _, reward, _, _, info = e.step(e.action_space.sample())
        o = info["objectives"]
        assert reward == pytest.approx(o["accuracy"] / 80.0 - o["energy_mj"] / 0.25 - o["area_mm2"] / 4.0)
    # Same networks, a bigger chip: more area, so a lower reward unless accuracy changed (it cannot).
    names = e.variable_names
    small = np.zeros(len(names), dtype=np.int64)
    big = small.copy()
    for n in ("hw.0.pe_rows", "hw.0.pe_cols", "hw.1.pe_rows", "hw.1.pe_cols"):
        big[names.index(n)] = e.action_space.nvec[names.index(n)] - 1
    _, r_small, _, _, i_small = e.step(small)
    _, r_big, _, _, i_big = e.step(big)
    assert i_big["objectives"]["accuracy"] == i_small["objectives"]["accuracy"]
    assert i_big["objectives"]["area_mm2"] > i_small["objectives"]["area_mm2"]
    assert r_big - r_small == pytest.approx(-(i_big["objectives"]["energy_mj"] - i_small["objectives"]["energy_mj"]) / 0.25
                                            - (i_big["objectives"]["area_mm2"] - i_small["objectives"]["area_mm2"]) / 4.0)


def test_references_are_the_median_of_the_sampled_designs(client):
    e = DuetCoDesignEnv(str(NASAIC), client=client, reference_samples=9, reference_seed=3)
    results = client.evaluate_points(str(NASAIC), client.sample(str(NASAIC), n=9, seed=3))
    for name in ("accuracy", "energy_mj", "area_mm2"):
        assert e.problem.reference[name] == pytest.approx(float(np.median([abs(r["objectives"][name]) for r in results])))


def test_each_violated_budget_costs_the_penalty(client):
    plain = DuetCoDesignEnv(str(NASAIC), client=client, penalty=0.0, **FAST)
    harsh = DuetCoDesignEnv(str(NASAIC), client=client, penalty=5.0, **FAST)
    plain.reset(seed=0)
    harsh.reset(seed=0)
    rng = np.random.default_rng(0)
    seen_violation = False
    for _ in range(30):
        a = plain.problem.random_action(rng)
        _, r0, _, _, info = plain.step(a)
        _, r5, _, _, _ = harsh.step(a)
        assert r0 - r5 == pytest.approx(5.0 * len(info["violations"]))
        assert r0 == pytest.approx(_reward(info, plain, 0.0))
        seen_violation |= bool(info["violations"])
    assert seen_violation, "30 random nasaic designs should include one over a budget"


def test_episodes_truncate_after_max_steps(env):
    env.reset(seed=3)
    env.action_space.seed(3)
    flags = [env.step(env.action_space.sample())[2:4] for _ in range(env.max_steps)]
    assert flags[:-1] == [(False, False)] * (env.max_steps - 1)
    assert flags[-1] == (False, True)


def test_a_design_duet_cannot_evaluate_gets_the_failure_reward(client, tmp_path):
    # An accuracy table with every other NAS-Bench-201 row: about three designs in four miss one
    # of their two networks' accuracies, and their evaluation fails (a failed trial in explore).
    src = ROOT / "Examples" / "data" / "nb201" / "accuracy.csv"
    with open(src) as f, open(tmp_path / "half.csv", "w", newline="") as g:
        rows = list(csv.reader(f))
        w = csv.writer(g)
        w.writerow(rows[0])
        w.writerows(rows[1::2])
    text = NASAIC.read_text().replace("../data/nb201/accuracy.csv", str(tmp_path / "half.csv"))
    (tmp_path / "config.yaml").write_text(text)
    e = DuetCoDesignEnv(str(tmp_path / "config.yaml"), client=client, reference_samples=16, failure_reward=-123.0)
    e.reset(seed=1)
    e.action_space.seed(1)
    failures = 0
    for _ in range(12):
        obs, reward, terminated, truncated, info = e.step(e.action_space.sample())
        if "error" in info:
            failures += 1
            assert reward == -123.0 and not info["feasible"]
            assert not obs.any() and e.observation_space.contains(obs)
    assert failures > 0
    # the same in a batched request: a failed point is an error in its place, the others are results
    v = DuetCoDesignVectorEnv(num_envs=16, config=str(tmp_path / "config.yaml"), client=client, reference_samples=16,
                              failure_reward=-123.0)
    v.reset(seed=2)
    v.action_space.seed(2)
    obs, rewards, _, _, infos = v.step(v.action_space.sample())
    assert infos["failed"].any() and (~infos["failed"]).any()
    assert (rewards[infos["failed"]] == -123.0).all() and (rewards[~infos["failed"]] > -123.0).all()
    assert not obs[infos["failed"]].any() and obs[~infos["failed"]].any(axis=1).all()


def test_gym_make_and_default_config(client):
    e = gym.make("DuetCoDesign-v0", client=client, max_steps=3, **FAST)
    obs, info = e.reset(seed=5)
    assert e.unwrapped.problem.config == str(NASAIC)
    assert e.observation_space.contains(obs)
    e.close()


def test_vector_env_batches_and_autoresets(client):
    v = gym.make_vec("DuetCoDesign-v0", num_envs=4, vectorization_mode="vector_entry_point",
                     client=client, max_steps=2, **FAST)
    assert isinstance(v, DuetCoDesignVectorEnv)
    obs, infos = v.reset(seed=10)
    v.action_space.seed(10)
    assert obs.shape == (4, len(v.metric_names))
    obs2, _ = v.reset(seed=10)
    assert np.array_equal(obs, obs2)
    # sub-environment i seeded with 10 + i starts where a single env reset with that seed does
    single = DuetCoDesignEnv(str(NASAIC), client=client, **FAST)
    for i in range(4):
        assert np.array_equal(single.reset(seed=10 + i)[0], obs[i])
    actions = v.action_space.sample()
    o, r, term, trunc, info = v.step(actions)
    for i in range(4):
        _, ri, _, _, _ = single.step(actions[i])
        assert r[i] == pytest.approx(ri)
    assert not trunc.any()
    o, r, term, trunc, info = v.step(v.action_space.sample())
    assert trunc.all() and not term.any()
    o, r, term, trunc, info = v.step(v.action_space.sample())  # autoreset step
    assert (r == 0).all() and not trunc.any()
    v.close()
