"""Layer 5: human play in a pygame window (``python -m mmhelix_env.play MMHelix/Sokoban-hard``).

pygame is imported only when a window is opened (:mod:`.app`); the session logic (:mod:`.session`), controls
(:mod:`.controls`), board geometry (:mod:`.geometry`) and action scripts (:mod:`.script`) do not need it.
"""

from __future__ import annotations

from .script import Command, ScriptError, parse_script, solution_script
from .session import LOST, PLAYING, SOLVED, PlaySession

__all__ = ["LOST", "PLAYING", "SOLVED", "Command", "PlaySession", "ScriptError", "parse_script", "run_session",
           "solution_script"]


def run_session(task, level, seed: int = 0, *, script: str | None = None, screenshot: str | None = None,
                headless: bool = True, board_size: int = 256, modality: str = "image"):
    """Run a scripted (or, with ``headless=False`` and no script, interactive) session; returns the app."""
    from .app import PlayApp
    from .script import run_script

    app = PlayApp(task, level, seed, modality=modality, board_size=board_size, headless=headless,
                  clock=(lambda: 0.0) if headless else None)
    if script is not None:
        run_script(app, parse_script(script))
    if screenshot:
        app.screenshot(screenshot)
    if not headless and script is None:
        app.run()
    return app
