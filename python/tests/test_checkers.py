"""Gymnasium's and Stable-Baselines3's environment checkers on DuetCoDesign-v0."""

from __future__ import annotations

import importlib.util
import warnings

import gymnasium as gym
import pytest

import duet_gym  # registers DuetCoDesign-v0
from conftest import NASAIC, needs_duet

pytestmark = needs_duet


def test_gymnasium_check_env_passes_without_warnings(client):
    from gymnasium.utils.env_checker import check_env
    # The checker makes two more envs from the spec (render mode, close twice): they share the server.
    env = gym.make("DuetCoDesign-v0", config=str(NASAIC), client=client, max_steps=10, reference_samples=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    env.close()


@pytest.mark.skipif(importlib.util.find_spec("stable_baselines3") is None,
                    reason="stable-baselines3 is not installed (pip install stable-baselines3; not part of make test: it needs torch)")
def test_stable_baselines3_check_env_passes(client):
    from stable_baselines3.common.env_checker import check_env
    env = gym.make("DuetCoDesign-v0", config=str(NASAIC), client=client, max_steps=10, reference_samples=16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped, warn=True)
    env.close()
