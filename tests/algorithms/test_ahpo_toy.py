"""The toy benchmark's command writes the curves file and plot the issue names (2 steps, all four methods)."""

from __future__ import annotations

import json
import subprocess
import sys

from PIL import Image


def test_toy_writes_curves_and_plot(tmp_path):
    out = tmp_path / "toy"
    subprocess.run([sys.executable, "-m", "benchmarks.ahpo_toy", "--out", str(out), "--steps", "2",
                    "--timing-steps", "0"], check=True, capture_output=True, text=True, timeout=300,
                   env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    curves = json.loads((out / "curves.json").read_text())
    for method in ("grpo", "sft", "static_ahpo", "ahpo"):
        assert len(curves[method]) == 2 and all(0.0 <= r <= 1.0 for r in curves[method])
    gate = [v for k, v in curves.items() if "gate" in k]
    assert gate and len(gate[0]) == 2
    assert Image.open(out / "curves.png").size[0] > 100
