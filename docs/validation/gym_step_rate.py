#!/usr/bin/env python3
"""env.step rate of DuetCoDesign-v0 from Python (docs/validation/gym-step-rate.sh runs it).

Measures, on one `duet serve` (DUET_BIN, release build) and the nasaic-two-tasks config:
1. DuetCoDesignEnv.step with uniformly random designs (seeded), and with a random walk (one
   variable changed per step): one JSON-lines request per step;
2. DuetCoDesignVectorEnv.step with N designs per request (N = 8, 64, 256): steps/s = N x batches/s;
3. where a single step's time goes: the Python side alone (action -> point, request JSON,
   response JSON -> observation and reward, on recorded responses), the pipe round trip of a
   cheap request (`sample` of one point), and the server's evaluation (one point per request, and
   per point in a batch of 256 distinct points).
Each figure is the rate over --seconds (default 5) of wall time after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
from duet_gym import DuetClient, DuetCoDesignEnv, DuetCoDesignVectorEnv  # noqa: E402

CONFIG = os.path.join(ROOT, "Examples", "nasaic-two-tasks", "config.yaml")


def rate(fn, seconds, per_call=1):
    """Calls fn() for `seconds` of wall time; returns (calls*per_call)/s and calls."""
    fn()  # warm-up
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n * per_call / elapsed, n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = {"config": os.path.relpath(CONFIG, ROOT), "seconds_each": args.seconds, "seed": args.seed,
           "python": platform.python_version(), "cpus": os.cpu_count(),
           "load_average_before": round(os.getloadavg()[0], 1)}
    rng = np.random.default_rng(args.seed)

    client = DuetClient()
    out["duet"] = client.binary
    env = DuetCoDesignEnv(CONFIG, client=client, max_steps=10**9)
    env.reset(seed=args.seed)
    env.action_space.seed(args.seed)
    nvec = env.action_space.nvec

    # 1. one design per step
    out["env_step_random_designs_per_s"], _ = rate(lambda: env.step(env.action_space.sample()), args.seconds)
    walk = {"a": env.action_space.sample()}

    def walk_step():
        a = walk["a"].copy()
        i = rng.integers(len(a))
        a[i] = (a[i] + rng.integers(1, nvec[i])) % nvec[i] if nvec[i] > 1 else a[i]
        walk["a"] = a
        env.step(a)
    out["env_step_random_walk_per_s"], _ = rate(walk_step, args.seconds)

    # the same 1,000 designs over and over (the server's evaluator cache answers them): the ceiling
    # set by the protocol, the pipe and the Python side
    pool = [env.action_space.sample() for _ in range(1000)]
    for a in pool:
        env.step(a)
    cyc = {"i": 0}

    def repeat_step():
        cyc["i"] = (cyc["i"] + 1) % len(pool)
        env.step(pool[cyc["i"]])
    out["env_step_repeated_designs_per_s"], _ = rate(repeat_step, args.seconds)

    # 2. many designs per request
    for n in (8, 64, 256):
        venv = DuetCoDesignVectorEnv(num_envs=n, config=CONFIG, client=client, max_steps=10**9)
        venv.reset(seed=args.seed)
        venv.action_space.seed(args.seed)
        out[f"vector_env_{n}_steps_per_s"], _ = rate(lambda: venv.step(venv.action_space.sample()), args.seconds, per_call=n)
        venv.close()
    venv = DuetCoDesignVectorEnv(num_envs=250, config=CONFIG, client=client, max_steps=10**9)
    venv.reset(seed=args.seed)
    batches = [np.stack(pool[k:k + 250]) for k in range(0, 1000, 250)]
    cb = {"i": 0}

    def repeat_batch():
        cb["i"] = (cb["i"] + 1) % len(batches)
        venv.step(batches[cb["i"]])
    out["vector_env_250_repeated_designs_steps_per_s"], _ = rate(repeat_batch, args.seconds, per_call=250)
    venv.close()

    # 3. where a step's time goes
    actions = [env.action_space.sample() for _ in range(200)]
    points = [env.point(a) for a in actions]
    lines = [json.dumps({"jsonrpc": "2.0", "id": i, "result": client.evaluate_point(CONFIG, p)}).encode() for i, p in enumerate(points)]
    k = {"i": 0}

    def python_side():
        i = k["i"] = (k["i"] + 1) % len(actions)
        p = env.point(actions[i])
        json.dumps({"jsonrpc": "2.0", "id": i, "method": "evaluate", "params": {"config": CONFIG, "point": p}},
                   separators=(",", ":")).encode()
        r = json.loads(lines[i])["result"]
        env.problem.observation(r)
        env.problem.reward(r)
    out["python_side_per_s"], _ = rate(python_side, args.seconds)
    out["pipe_round_trip_sample1_per_s"], _ = rate(lambda: client.call("sample", {"config": CONFIG, "n": 1, "seed": 1}), args.seconds)
    # distinct random designs (never evaluated before in this server), made before the clock starts
    fresh = [env.point(env.action_space.sample()) for _ in range(int(100_000 * max(1.0, args.seconds / 5)))]
    j = {"i": 0}

    def one_point():
        j["i"] = (j["i"] + 1) % 20_000
        client.call("evaluate", {"config": CONFIG, "point": fresh[j["i"]]})
    out["server_evaluate_one_point_per_request_per_s"], _ = rate(one_point, args.seconds)
    batch = {"i": 20_000}

    def batch_points():
        s = batch["i"]
        batch["i"] = s + 256 if s + 512 <= len(fresh) else 20_000
        client.call("evaluate", {"config": CONFIG, "points": fresh[s:s + 256]})
    out["server_evaluate_batch256_points_per_s"], _ = rate(batch_points, args.seconds, per_call=256)
    env.close()
    client.close()
    out["load_average_after"] = round(os.getloadavg()[0], 1)

    if args.json:
        print(json.dumps(out, indent=2))
        return
    for key, v in out.items():
        print(f"{key:48s} {v:,.0f}" if isinstance(v, float) and v > 100 else f"{key:48s} {v}")
    target = 2000
    best_single = out["env_step_random_designs_per_s"]
    best_vector = max(out[f"vector_env_{n}_steps_per_s"] for n in (8, 64, 256))
    print(f"target >= {target} steps/s: single env {'met' if best_single >= target else 'missed'} ({best_single:,.0f}), "
          f"vector env {'met' if best_vector >= target else 'missed'} ({best_vector:,.0f})")


if __name__ == "__main__":
    main()
