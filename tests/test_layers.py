"""Imports only go downward (DESIGN.md), heavy extras are never imported by the core package, and the
code base stays lint-clean."""

from __future__ import annotations

import ast
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
}


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


@pytest.mark.parametrize("prefix", sorted(FORBIDDEN))
def test_layering(prefix):
    bad = []
    for path in (ROOT / prefix).rglob("*.py"):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN[prefix]):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
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
