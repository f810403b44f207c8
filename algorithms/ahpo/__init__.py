"""AHPO (Adaptive Hybrid Policy Optimization, MM-HELIX §4) and its baselines on TRL's GRPOTrainer.

    python -m algorithms.ahpo --config examples/ahpo_tiny.yaml [key=value ...]

Modules: ``loss`` (pure torch: advantages, gate, normalisers, the loss), ``data`` (env instances as a training
set, expert demonstrations), ``trainer`` (``AHPOTrainer``, a ``trl.GRPOTrainer`` subclass), ``config`` and
``cli``. Importing this package does not import torch; the submodules do.
"""
