#!/usr/bin/env python3
"""Search agents on DuetCoDesign-v0 for a fixed wall time, then the best design found.

    python Examples/gym/agents.py                      # random walk, 60 s, nasaic-two-tasks
    python Examples/gym/agents.py --agent random --seconds 10 --seed 3
    python Examples/gym/agents.py --agent ppo          # Stable-Baselines3's PPO, if installed

Agents (ArchGym's random walker and random search, and PPO):
- random-walk: each step changes one variable of the current design to a random other value
  and moves there (ArchGym's random walker).
- random: each step a uniformly random design (random search).
- ppo: Stable-Baselines3's PPO (MlpPolicy) on the vectorized env (8 designs per request,
  observations normalized by VecNormalize); needs `pip install stable-baselines3`.

The best design is the feasible one (no budget violated) with the highest reward, else the
highest-rewarded one. Every step is one evaluation by `duet serve`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

try:
    import duet_gym
except ImportError:  # run from a checkout without `pip install python/`
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    import duet_gym
from duet_gym import DuetCoDesignEnv, DuetCoDesignVectorEnv


class Best:
    """The best design seen: feasible first, then by reward."""

    def __init__(self):
        self.key = None
        self.reward = None
        self.info = None
        self.step = None

    def offer(self, reward, info, step):
        key = (bool(info.get("feasible")), float(reward))
        if self.key is None or key > self.key:
            self.key, self.reward, self.info, self.step = key, float(reward), info, step


def run_walk(env, seconds, seed, uniform):
    rng = np.random.default_rng(seed)
    best = Best()
    obs, info = env.reset(seed=seed)
    action = env.problem.codec.action(info["point"])
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        if uniform:
            action = env.action_space.sample()
        else:
            action = np.array(action)
            i = rng.integers(len(action))
            n = env.action_space.nvec[i]
            if n > 1:
                action[i] = (action[i] + rng.integers(1, n)) % n
        obs, reward, terminated, truncated, info = env.step(action)
        steps += 1
        best.offer(reward, info, steps)
        if terminated or truncated:
            obs, info = env.reset()
            action = env.problem.codec.action(info["point"])
    return best, steps, time.perf_counter() - start


def run_ppo(args):
    try:
        from stable_baselines3 import PPO
        from stable_baselines3.common.callbacks import BaseCallback
        from stable_baselines3.common.vec_env import DummyVecEnv, VecNormalize
    except ImportError:
        sys.exit("ppo needs Stable-Baselines3: pip install stable-baselines3 (and torch)")

    best = Best()
    client = duet_gym.DuetClient()  # one server shared by the environments

    venv = DummyVecEnv([lambda: DuetCoDesignEnv(args.config, client=client, max_steps=args.max_steps)
                        for _ in range(args.envs)])
    venv.seed(args.seed)
    venv = VecNormalize(venv, norm_obs=True, norm_reward=True)

    class Clock(BaseCallback):
        def __init__(self):
            super().__init__()
            self.start = time.perf_counter()

        def _on_step(self):
            raw = self.training_env.get_original_reward()  # before VecNormalize scaled it
            for r, info in zip(raw, self.locals["infos"]):
                best.offer(float(r), info, self.num_timesteps)
            return time.perf_counter() - self.start < args.seconds

    start = time.perf_counter()
    model = PPO("MlpPolicy", venv, n_steps=128, batch_size=256, seed=args.seed, verbose=0, device="cpu")
    model.learn(total_timesteps=10**9, callback=Clock())
    elapsed = time.perf_counter() - start
    steps = model.num_timesteps
    venv.close()
    client.close()
    return best, steps, elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", default=None, help="explore config (default: Examples/nasaic-two-tasks/config.yaml)")
    ap.add_argument("--agent", choices=["random-walk", "random", "ppo"], default="random-walk")
    ap.add_argument("--seconds", type=float, default=60.0, help="wall time of the search (default 60)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-steps", type=int, default=100, help="steps per episode (default 100)")
    ap.add_argument("--envs", type=int, default=8, help="ppo: parallel environments (default 8)")
    ap.add_argument("--json", action="store_true", help="print the best design as JSON only")
    args = ap.parse_args()
    if args.config is None:
        args.config = duet_gym.envs.default_config()

    if args.agent == "ppo":
        best, steps, elapsed = run_ppo(args)
    else:
        env = DuetCoDesignEnv(args.config, max_steps=args.max_steps)
        try:
            best, steps, elapsed = run_walk(env, args.seconds, args.seed, uniform=args.agent == "random")
        finally:
            env.close()

    info = best.info or {}
    out = {"agent": args.agent, "config": args.config, "seed": args.seed, "steps": steps,
           "seconds": round(elapsed, 2), "steps_per_second": round(steps / elapsed, 1) if elapsed else None,
           "best": {"step": best.step, "reward": best.reward, "feasible": info.get("feasible"),
                    "violations": info.get("violations"), "objectives": info.get("objectives"),
                    "point": info.get("point"), "design": info.get("design")}}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{args.agent}: {steps} designs in {elapsed:.1f} s ({steps / max(elapsed, 1e-9):.0f} steps/s), seed {args.seed}")
    print(f"best (step {best.step}): reward {best.reward:.4f}, feasible {info.get('feasible')}, violations {info.get('violations')}")
    for k, v in (info.get("objectives") or {}).items():
        print(f"  {k} = {v:.6g}")
    print("  design: " + json.dumps(info.get("design"), separators=(",", ":")))


if __name__ == "__main__":
    main()
