"""stable-baselines3: image-only observations for CNN policies on step-mode envs.

SB3 cannot take ``Text`` spaces, so :class:`ImageObservation` keeps only the picture, downscaled to a small square
``Box(0, 255, (size, size, 3), uint8)`` that ``CnnPolicy`` accepts (SB3 moves channels first itself).

    from mmhelix_env.integrations.sb3 import make_image_vec_env, success_rate
    vec_env = make_image_vec_env("MMHelix/Maze-very-easy", n_envs=8, size=64, seed=0)
    model = PPO("CnnPolicy", vec_env).learn(100_000)
    print(success_rate(model, "MMHelix/Maze-very-easy", episodes=200))

The wrapper itself needs only Gymnasium; the helpers import stable_baselines3 when called.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

EVAL_SEED_OFFSET = 10_000_000  # evaluation seeds start here, away from small hand-picked training seeds


class ImageObservation(gym.ObservationWrapper):
    """``Dict(image, prompt)`` → the image alone, resized (area filter) to ``size`` × ``size`` × 3 uint8."""

    def __init__(self, env: gym.Env, size: int = 64):
        super().__init__(env)
        if not isinstance(env.observation_space, spaces.Dict) or "image" not in env.observation_space.spaces:
            raise ValueError("ImageObservation needs an image observation (modality='image')")
        self.size = int(size)
        self.observation_space = spaces.Box(0, 255, (self.size, self.size, 3), np.uint8)

    def observation(self, observation: dict) -> np.ndarray:
        image = observation["image"]
        if image.shape[:2] == (self.size, self.size):
            return image
        from PIL import Image

        return np.asarray(Image.fromarray(image).resize((self.size, self.size), Image.Resampling.BOX))


def make_image_env(env_id: str, size: int = 64, **env_kwargs: Any) -> gym.Env:
    """A step-mode env of ``env_id`` with image-only observations; rendered at ``size`` when size >= 64."""
    env_kwargs.setdefault("mode", "step")
    env_kwargs.setdefault("image_size", max(64, int(size)))
    return ImageObservation(gym.make(env_id, **env_kwargs), size)


def make_image_vec_env(env_id: str, n_envs: int = 8, size: int = 64, seed: int | None = 0,
                       vec_env_cls: Any = None, **env_kwargs: Any):
    """An SB3 ``VecEnv`` of :func:`make_image_env` copies (``DummyVecEnv`` unless ``vec_env_cls`` is given).

    Each worker is seeded once (``seed + i``); later resets draw new instances from the worker's RNG, so training
    sees a stream of fresh puzzles rather than a fixed set.
    """
    from stable_baselines3.common.env_util import make_vec_env

    return make_vec_env(lambda: make_image_env(env_id, size, **env_kwargs), n_envs=n_envs, seed=seed,
                        vec_env_cls=vec_env_cls)


def success_rate(policy: Any, env_id: str, episodes: int = 100, size: int = 64, seed_offset: int = EVAL_SEED_OFFSET,
                 deterministic: bool = True, **env_kwargs: Any) -> dict[str, float]:
    """Solved fraction and mean episode length over ``episodes`` instances with seeds ``seed_offset + i``.

    ``policy``: an SB3 model (``predict``) or ``None`` for uniformly random moves (the baseline).
    """
    env = make_image_env(env_id, size, **env_kwargs)
    env.action_space.seed(seed_offset)
    solved, lengths = 0, []
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed_offset + episode)
        done, steps, reward = False, 0, 0.0
        while not done:
            if policy is None:
                action = env.action_space.sample()
            else:
                action, _ = policy.predict(obs, deterministic=deterministic)
            obs, reward, terminated, truncated, _ = env.step(action)
            done, steps = terminated or truncated, steps + 1
        solved += reward > 0
        lengths.append(steps)
    env.close()
    return {"episodes": episodes, "success_rate": solved / episodes, "mean_length": float(np.mean(lengths))}


__all__ = ["EVAL_SEED_OFFSET", "ImageObservation", "make_image_env", "make_image_vec_env", "success_rate"]
