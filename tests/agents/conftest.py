"""Shared fixtures: the tiny model (skipped where torch/transformers are not installed), one torch thread."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny():
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    torch.set_num_threads(1)
    from agents.testing import tiny_vlm

    return tiny_vlm()


@pytest.fixture(scope="session")
def tiny_backend(tiny):
    from agents.backends.hf_backend import TransformersBackend

    return TransformersBackend(tiny.model, tiny.processor, batch_size=16)
