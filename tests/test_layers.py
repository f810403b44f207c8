"""Imports only go downward (DESIGN.md), heavy extras are never imported by the core package, and the
code base stays lint-clean."""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "mmhelix_env"

# package prefix -> modules it must never import
FORBIDDEN = {
    "mmhelix_env/core": ("mmhelix_env.tasks", "mmhelix_env.envs", "mmhelix_env.render", "gymnasium", "PIL", "torch",
                         "pygame", "transformers"),
    "mmhelix_env/render": ("mmhelix_env.tasks", "mmhelix_env.envs", "mmhelix_env.core", "gymnasium", "torch", "pygame"),
    "mmhelix_env/tasks": ("mmhelix_env.envs", "gymnasium", "agents", "algorithms", "torch", "pygame"),
    "mmhelix_env/envs": ("agents", "algorithms", "torch", "pygame", "transformers"),
    "mmhelix_env/bench": ("agents", "algorithms", "torch", "pygame", "transformers"),
    "mmhelix_env/play": ("agents", "algorithms", "torch", "transformers"),
    "mmhelix_env/multiagent.py": ("agents", "algorithms", "torch", "pygame", "transformers"),
    "mmhelix_env/integrations": ("algorithms", "pygame"),
    "agents": ("algorithms", "pygame"),
}

# pygame is the `play` extra: only the play package may import it
PYGAME_FREE = ("mmhelix_env", "agents", "algorithms", "benchmarks", "examples", "tools")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    names = []
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                if node.module:
                    names.append(".".join([*base, node.module]))
                else:  # from . import x
                    names += [".".join([*base, alias.name]) for alias in node.names]
            else:
                names.append(node.module or "")
    return names


def _sources(prefix: str) -> list[Path]:
    base = ROOT / prefix
    return [base] if base.suffix == ".py" else sorted(base.rglob("*.py"))


@pytest.mark.parametrize("prefix", sorted(FORBIDDEN))
def test_layering(prefix):
    assert (ROOT / prefix).exists(), prefix
    bad = []
    for path in _sources(prefix):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[prefix]):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, bad


def test_pygame_only_in_play():
    bad = []
    for prefix in PYGAME_FREE:
        for path in _sources(prefix):
            if path.is_relative_to(PKG / "play"):
                continue
            bad += [f"{path.relative_to(ROOT)} imports {name}" for name in _imports(path)
                    if name == "pygame" or name.startswith("pygame.")]
    assert not bad, bad


def test_task_modules_do_not_import_each_other():
    """A task module may import private helper modules (``tasks/<category>/_name.py``, logic shared by a
    family of tasks), never another task's module."""
    bad = []
    for path in (PKG / "tasks").rglob("*.py"):
        if path.name == "__init__.py":
            continue
        for name in _imports(path):
            if name.startswith("mmhelix_env.tasks.") and not name.rsplit(".", 1)[-1].startswith("_"):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, bad


def test_import_pulls_in_no_heavy_extras():
    code = ("import sys, mmhelix_env; heavy = [m for m in ('torch', 'transformers', 'trl', 'vllm', 'pygame', "
            "'pettingzoo', 'matplotlib') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.skipif(shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
                    reason="ruff not installed")
def test_ruff_clean():
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    done = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.skipif(os.environ.get("MMHELIX_ALLOW_TORCHVISION") == "1", reason="GPU machine, matching torchvision")
def test_no_torchvision_in_the_cpu_stack():
    """The only torchvision wheel is a CUDA build: with the CPU torch it fails to import and breaks transformers'
    Qwen2.5-VL classes (docs: cpu stack). No extra may pull it in."""
    assert importlib.util.find_spec("torchvision") is None
