"""Duet from Python: a client for ``duet serve`` and Gymnasium environments over Duet's
co-design spaces.

- :class:`DuetClient` starts ``duet serve`` and speaks its JSON-lines protocol (JSON-RPC 2.0).
- ``DuetCoDesign-v0`` (:class:`DuetCoDesignEnv`) is registered with Gymnasium on import:
  ``gymnasium.make("DuetCoDesign-v0", config=PATH)``; ``gymnasium.make_vec("DuetCoDesign-v0",
  num_envs=N)`` gives the batched :class:`DuetCoDesignVectorEnv`.
"""

from .client import (DuetClient, DuetError, DuetEvaluationError, DuetInputError, DuetNotFoundError,
                     DuetProtocolError, DuetServerError, find_duet, repository_root)
from .codec import SpaceCodec

__version__ = "0.2.0"

__all__ = [
    "DuetClient", "DuetError", "DuetInputError", "DuetEvaluationError", "DuetProtocolError",
    "DuetServerError", "DuetNotFoundError", "find_duet", "repository_root", "SpaceCodec",
    "DuetCoDesignEnv", "DuetCoDesignVectorEnv", "ENV_ID",
]

#: The Gymnasium id of the co-design environment.
ENV_ID = "DuetCoDesign-v0"

try:  # the client works without Gymnasium; the environments need it
    import gymnasium as _gym
except ImportError:  # pragma: no cover - gymnasium is a dependency of the package
    _gym = None

if _gym is not None:
    from .envs import DuetCoDesignEnv, DuetCoDesignVectorEnv

    if ENV_ID not in _gym.registry:
        _gym.register(id=ENV_ID, entry_point="duet_gym.envs:DuetCoDesignEnv",
                      vector_entry_point="duet_gym.envs:DuetCoDesignVectorEnv")
