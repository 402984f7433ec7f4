"""Gymnasium environments over a Duet explore config's design space (ArchGym's shape).

``DuetCoDesign-v0`` (:class:`DuetCoDesignEnv`) follows ArchGym's environments: each step the
agent proposes a whole design, Duet evaluates it, and the agent sees the design's metrics.

- **action**: ``MultiDiscrete`` with one entry per variable of the config's space, in the order
  the ``space`` method lists them (:mod:`duet_gym.codec`: a choice by its index, an integer by its
  offset from ``lower`` — a power-of-two variable by its index among its values —, a real as one of
  ``real_steps`` (default 16) evenly spaced values from lower to upper). A conditional variable
  whose condition is unmet (e.g. the third sub-accelerator of a 2-sub-accelerator chip) is left
  out of the design and its entry is ignored.
- **observation**: the evaluated design's metrics as a ``float32`` vector, in the order of
  :attr:`DuetCoDesignEnv.metric_names`: the objectives' metrics first (config order), then every
  other metric Duet reports for the config, sorted by name (e.g. ``latency_ms``, ``macs``,
  ``cifar10.accuracy``). Raw units (ms, mJ, mm², %); a failed evaluation observes zeros.
- **reward**: ``sum_j s_j * objective_j / reference_j - penalty * violated_budgets``, where
  ``s_j = +1`` for a maximized objective and ``-1`` for a minimized one (minimize → negative), and
  ``reference_j`` is the median of ``|objective_j|`` over ``reference_samples`` (64) points that the
  server samples with ``reference_seed`` (0) — so a median design scores about +1 per maximized and
  -1 per minimized objective — unless ``reference={name: value}`` gives it; ``penalty`` (1.0) is
  charged once per violated budget (constraint > 0). A design Duet cannot evaluate (e.g. no
  accuracy for its network) gets ``failure_reward`` (default ``-(10 * objectives + penalty *
  constraints)``) and ``info["error"]``.
- **episode**: ``max_steps`` steps (default 100), then ``truncated``; never ``terminated`` (a
  design space has no terminal state). ``reset(seed=s)`` starts from a random design drawn from
  the env's generator: the same seed gives the same first design and the same episode.

``info`` holds the ``point`` evaluated and the server's ``objectives``, ``constraints``,
``feasible``, ``violations`` and ``design``. :attr:`DuetCoDesignEnv.best` keeps the best-rewarded
evaluation seen so far.

:class:`DuetCoDesignVectorEnv` is the same environment ``num_envs`` times over one server
connection, each step evaluating all sub-environments' designs in one batched request (Gymnasium's
``VectorEnv``, next-step autoreset); ``gymnasium.make_vec("DuetCoDesign-v0", num_envs=N)`` makes it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import gymnasium as gym
from gymnasium import spaces

from .client import DuetClient, DuetError, DuetEvaluationError, repository_root
from .codec import DEFAULT_REAL_STEPS, SpaceCodec

__all__ = ["DuetCoDesignEnv", "DuetCoDesignVectorEnv", "CoDesignProblem", "default_config"]

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def default_config() -> str:
    """The nasaic-two-tasks example config of the Duet checkout (two NAS-Bench-201 tasks on a
    2-3 sub-accelerator chip)."""
    root = repository_root()
    if root is None:
        raise FileNotFoundError("no Duet checkout found for the default config "
                                "(Examples/nasaic-two-tasks/config.yaml); pass config=PATH")
    return str(root / "Examples" / "nasaic-two-tasks" / "config.yaml")


class CoDesignProblem:
    """What the environments share: the server connection, the config's space as actions, the
    observation's metric order, the objectives' references and the reward.

    Args: see :class:`DuetCoDesignEnv`.
    """

    def __init__(self, config: Optional[Union[str, Path]] = None, client: Optional[DuetClient] = None,
                 binary: Optional[Union[str, Path]] = None, penalty: float = 1.0, real_steps: int = DEFAULT_REAL_STEPS,
                 reference: Optional[Mapping[str, float]] = None, reference_samples: int = 64, reference_seed: int = 0,
                 failure_reward: Optional[float] = None):
        self.config = os.path.abspath(str(config) if config is not None else default_config())
        self.owns_client = client is None
        self.client = client if client is not None else DuetClient(binary=binary)
        try:
            self.space = self.client.space(self.config)
            self.codec = SpaceCodec(self.space["variables"], real_steps=real_steps)
            self.objectives: List[Tuple[str, float]] = [
                (str(o["name"]), 1.0 if o.get("sense") == "maximize" else -1.0) for o in self.space.get("objectives", [])]
            self.constraints: List[str] = [str(c) for c in self.space.get("constraints", [])]
            self.penalty = float(penalty)
            self.failure_reward = float(failure_reward) if failure_reward is not None else \
                -(10.0 * len(self.objectives) + self.penalty * len(self.constraints))
            # The reference designs: name the metrics, scale the objectives.
            samples = self.client.sample(self.config, n=max(1, int(reference_samples)), seed=int(reference_seed))
            results = [r for r in self.client.evaluate_points(self.config, samples) if not isinstance(r, DuetError)]
            if not results:
                raise DuetError(f"none of the {len(samples)} reference designs of {self.config} could be evaluated")
            objective_names = [n for n, _ in self.objectives]
            others = sorted({k for r in results for k in r.get("metrics", {})} - set(objective_names))
            self.metric_names: List[str] = objective_names + others
            self.reference: Dict[str, float] = {}
            for name, _ in self.objectives:
                values = [abs(float(r["objectives"][name])) for r in results
                          if name in r.get("objectives", {}) and r["objectives"][name] is not None
                          and math.isfinite(float(r["objectives"][name])) and float(r["objectives"][name]) != 0.0]
                self.reference[name] = float(np.median(values)) if values else 1.0
            for name, value in (reference or {}).items():
                if name not in self.reference:
                    raise ValueError(f"reference names {name!r}, which is not an objective ({objective_names})")
                if not (math.isfinite(float(value)) and float(value) > 0):
                    raise ValueError(f"reference[{name!r}] must be a positive number, got {value!r}")
                self.reference[name] = float(value)
        except BaseException:
            self.close()
            raise
        self._scale = [(name, sign / self.reference[name]) for name, sign in self.objectives]
        self.observation_space = spaces.Box(-_FLOAT32_MAX, _FLOAT32_MAX, shape=(len(self.metric_names),), dtype=np.float32)
        self.action_space = spaces.MultiDiscrete(np.array(self.codec.nvec, dtype=np.int64))

    def close(self) -> None:
        if self.owns_client and self.client is not None:
            self.client.close()

    # -- one result -> observation, reward, info ----------------------------------------------

    def observation(self, result: Optional[Mapping[str, Any]]) -> np.ndarray:
        obs = np.zeros(len(self.metric_names), dtype=np.float32)
        if result is not None:
            m = result.get("metrics", {})
            for i, name in enumerate(self.metric_names):
                v = m.get(name)
                if v is not None:
                    obs[i] = v
        return np.nan_to_num(obs, nan=0.0, posinf=_FLOAT32_MAX, neginf=-_FLOAT32_MAX)

    def reward(self, result: Optional[Mapping[str, Any]]) -> float:
        if result is None:
            return self.failure_reward
        objectives = result.get("objectives", {})
        total = 0.0
        for name, scale in self._scale:
            v = objectives.get(name)
            if v is None or not math.isfinite(v):
                return self.failure_reward
            total += scale * v
        return total - self.penalty * len(result.get("violations", ()))

    def evaluate(self, points: Sequence[Mapping[str, Any]]) -> List[Tuple[Optional[Dict[str, Any]], Optional[str]]]:
        """(result, None) or (None, error message) per point, in one request."""
        if len(points) == 1:
            try:
                return [(self.client.call("evaluate", {"config": self.config, "point": points[0]}), None)]
            except DuetEvaluationError as e:
                return [(None, str(e))]
        out = []
        for r in self.client.evaluate_points(self.config, points):
            if isinstance(r, DuetEvaluationError):
                out.append((None, str(r)))
            elif isinstance(r, DuetError):
                raise r
            else:
                out.append((r, None))
        return out

    @staticmethod
    def info(point: Mapping[str, Any], result: Optional[Mapping[str, Any]], error: Optional[str]) -> Dict[str, Any]:
        if result is None:
            return {"point": dict(point), "feasible": False, "error": error}
        info = {k: result[k] for k in ("objectives", "constraints", "feasible", "violations", "design") if k in result}
        info["point"] = dict(point)
        return info

    def random_action(self, rng: np.random.Generator) -> np.ndarray:
        return np.array([rng.integers(n) for n in self.codec.nvec], dtype=np.int64)


class DuetCoDesignEnv(gym.Env):
    """``DuetCoDesign-v0``: one design per step over a Duet explore config's space (see the module).

    Args:
        config: the explore config (YAML/JSON); default the checkout's
            ``Examples/nasaic-two-tasks/config.yaml``.
        client: a :class:`DuetClient` to share (not closed with the env); default: a server of
            its own, started from ``binary`` (see :func:`duet_gym.find_duet`).
        max_steps: steps per episode before ``truncated`` (default 100).
        penalty: reward charged per violated budget (default 1.0).
        real_steps: values a real variable is discretized into (default 16).
        reference: ``{objective: positive value}`` overriding the sampled references.
        reference_samples, reference_seed: the designs whose median objectives are the references.
        failure_reward: reward of a design Duet cannot evaluate.
        render_mode: None or ``"ansi"`` (the point and its metrics as text).
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(self, config: Optional[Union[str, Path]] = None, client: Optional[DuetClient] = None,
                 binary: Optional[Union[str, Path]] = None, max_steps: int = 100, penalty: float = 1.0,
                 real_steps: int = DEFAULT_REAL_STEPS, reference: Optional[Mapping[str, float]] = None,
                 reference_samples: int = 64, reference_seed: int = 0, failure_reward: Optional[float] = None,
                 render_mode: Optional[str] = None):
        if int(max_steps) < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be None or one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.problem = CoDesignProblem(config, client, binary, penalty, real_steps, reference,
                                       reference_samples, reference_seed, failure_reward)
        self.observation_space = self.problem.observation_space
        self.action_space = self.problem.action_space
        self.max_steps = int(max_steps)
        self.render_mode = render_mode
        self._steps = 0
        self._last: Optional[Dict[str, Any]] = None
        self._last_obs: Optional[np.ndarray] = None
        #: The best evaluation so far (over all episodes): ``{"reward", "point", "info"}`` or None.
        self.best: Optional[Dict[str, Any]] = None

    @property
    def metric_names(self) -> List[str]:
        """The observation's entries, in order."""
        return self.problem.metric_names

    @property
    def variable_names(self) -> List[str]:
        """The action's entries, in order."""
        return self.problem.codec.names

    def point(self, action: Sequence[int]) -> Dict[str, Any]:
        """The point (``{variable: value}``) an action means."""
        return self.problem.codec.point(action)

    def _evaluate(self, point: Dict[str, Any]) -> Tuple[np.ndarray, float, Dict[str, Any]]:
        result, error = self.problem.evaluate([point])[0]
        obs = self.problem.observation(result)
        reward = self.problem.reward(result)
        info = self.problem.info(point, result, error)
        if self.best is None or reward > self.best["reward"]:
            self.best = {"reward": reward, "point": dict(point), "info": info}
        self._last, self._last_obs = info, obs
        return obs, reward, info

    def reset(self, *, seed: Optional[int] = None, options: Optional[Dict[str, Any]] = None):
        """Starts an episode from a random design (or ``options={"action": [...]}`` /
        ``options={"point": {...}}``); returns its observation and info."""
        super().reset(seed=seed)
        self._steps = 0
        options = options or {}
        if "point" in options:
            point = dict(options["point"])
        else:
            action = options.get("action")
            if action is None:
                action = self.problem.random_action(self.np_random)
            point = self.problem.codec.point(action)
        obs, _, info = self._evaluate(point)
        return obs, info

    def step(self, action):
        if self._last is None:
            raise RuntimeError("call reset() before step()")
        point = self.problem.codec.point(action)
        obs, reward, info = self._evaluate(point)
        self._steps += 1
        truncated = self._steps >= self.max_steps
        return obs, reward, False, truncated, info

    def render(self):
        if self.render_mode != "ansi" or self._last is None:
            return None
        lines = [f"point: {self._last['point']}"]
        if "error" in self._last:
            lines.append(f"error: {self._last['error']}")
        else:
            lines.append("metrics: " + ", ".join(f"{n}={v:.6g}" for n, v in zip(self.metric_names, self._last_obs)))
            lines.append(f"feasible: {self._last.get('feasible')}, violations: {self._last.get('violations')}")
        return "\n".join(lines) + "\n"

    def close(self):
        if getattr(self, "problem", None) is not None:
            self.problem.close()
        super().close()


class DuetCoDesignVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of :class:`DuetCoDesignEnv` on one server: each ``step`` sends every
    sub-environment's design in one batched ``evaluate`` request (``points``). Next-step
    autoreset: after a sub-environment's episode ends, its next action is ignored and it restarts
    from a random design (reward 0, not terminated, not truncated). ``reset(seed=s)`` seeds
    sub-environment ``i`` with ``s + i`` (or a list gives each its seed).

    Takes the arguments of :class:`DuetCoDesignEnv` (but ``render_mode``) and ``num_envs``."""

    metadata = {"autoreset_mode": gym.vector.AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, num_envs: int = 8, config: Optional[Union[str, Path]] = None, client: Optional[DuetClient] = None,
                 binary: Optional[Union[str, Path]] = None, max_steps: int = 100, penalty: float = 1.0,
                 real_steps: int = DEFAULT_REAL_STEPS, reference: Optional[Mapping[str, float]] = None,
                 reference_samples: int = 64, reference_seed: int = 0, failure_reward: Optional[float] = None):
        if int(num_envs) < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        if int(max_steps) < 1:
            raise ValueError(f"max_steps must be at least 1, got {max_steps}")
        self.problem = CoDesignProblem(config, client, binary, penalty, real_steps, reference,
                                       reference_samples, reference_seed, failure_reward)
        self.num_envs = int(num_envs)
        self.max_steps = int(max_steps)
        self.single_observation_space = self.problem.observation_space
        self.single_action_space = self.problem.action_space
        self.observation_space = gym.vector.utils.batch_space(self.single_observation_space, self.num_envs)
        self.action_space = gym.vector.utils.batch_space(self.single_action_space, self.num_envs)
        self.render_mode = None
        self._rngs = [np.random.default_rng() for _ in range(self.num_envs)]
        self._steps = np.zeros(self.num_envs, dtype=np.int64)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)
        self._started = False
        self.best: Optional[Dict[str, Any]] = None

    @property
    def metric_names(self) -> List[str]:
        return self.problem.metric_names

    def _run(self, points: List[Dict[str, Any]]):
        evaluated = self.problem.evaluate(points)
        obs = np.stack([self.problem.observation(r) for r, _ in evaluated])
        rewards = np.array([self.problem.reward(r) for r, _ in evaluated], dtype=np.float64)
        feasible = np.array([bool(r and r.get("feasible")) for r, _ in evaluated])
        failed = np.array([r is None for r, _ in evaluated])
        best = int(np.argmax(rewards))
        if self.best is None or rewards[best] > self.best["reward"]:
            r, e = evaluated[best]
            self.best = {"reward": float(rewards[best]), "point": dict(points[best]), "info": self.problem.info(points[best], r, e)}
        return obs, rewards, feasible, failed

    def reset(self, *, seed: Optional[Union[int, Sequence[int]]] = None, options: Optional[Dict[str, Any]] = None):
        if seed is not None:
            seeds = [int(seed) + i for i in range(self.num_envs)] if isinstance(seed, (int, np.integer)) else list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"reset needs {self.num_envs} seeds, got {len(seeds)}")
            self._rngs = [np.random.default_rng(s) for s in seeds]
        self._steps[:] = 0
        self._autoreset[:] = False
        self._started = True
        points = [self.problem.codec.point(self.problem.random_action(g)) for g in self._rngs]
        obs, _, feasible, failed = self._run(points)
        return obs, {"feasible": feasible, "_feasible": np.ones(self.num_envs, dtype=bool),
                     "failed": failed, "_failed": np.ones(self.num_envs, dtype=bool)}

    def step(self, actions):
        if not self._started:
            raise RuntimeError("call reset() before step()")
        actions = np.asarray(actions)
        if actions.shape != self.action_space.shape:
            raise ValueError(f"actions must have shape {self.action_space.shape}, got {actions.shape}")
        restarting = self._autoreset.copy()
        points = [self.problem.codec.point(self.problem.random_action(self._rngs[i]) if restarting[i] else actions[i])
                  for i in range(self.num_envs)]
        obs, rewards, feasible, failed = self._run(points)
        rewards[restarting] = 0.0
        self._steps[restarting] = 0
        self._steps[~restarting] += 1
        terminated = np.zeros(self.num_envs, dtype=bool)
        truncated = (self._steps >= self.max_steps) & ~restarting
        self._autoreset = terminated | truncated
        return obs, rewards, terminated, truncated, {"feasible": feasible, "_feasible": np.ones(self.num_envs, dtype=bool),
                                                     "failed": failed, "_failed": np.ones(self.num_envs, dtype=bool)}

    def close_extras(self, **kwargs):
        self.problem.close()
