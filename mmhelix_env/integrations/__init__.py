"""Trainer and RL-library integrations; each module imports its library only when used.

- :mod:`mmhelix_env.integrations.trl`: a ``GRPOTrainer`` reward function and a ``datasets.Dataset`` builder.
- :mod:`mmhelix_env.integrations.verl`: ``compute_score`` for verl's ``custom_reward_function``.
- :mod:`mmhelix_env.integrations.sb3`: an image-only observation wrapper for stable-baselines3 CNN policies.
"""
