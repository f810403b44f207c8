"""Scripted key presses for ``gymnasium.utils.play.play`` (headless runs of Gymnasium's own keyboard player).

The callback releases the key of the step just played and presses the next one, so every press is exactly one
move; after the last move, or after ``seconds`` in any case, it posts QUIT.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence


def scripted_keyboard(keys_to_action: dict[tuple[str, ...], int], actions: Sequence[int], *, seconds: float = 10.0,
                      on_step: Callable | None = None) -> Callable:
    """Start the script (the first key press and a quit timer) and return the ``play(callback=...)`` to use."""
    import pygame

    key_of = {action: ord(keys[0]) for keys, action in keys_to_action.items()}
    script = [key_of[a] for a in actions]
    pygame.init()
    if script:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=script[0]))
    else:
        pygame.event.post(pygame.event.Event(pygame.QUIT))

    def quit_later() -> None:
        time.sleep(seconds)
        pygame.event.post(pygame.event.Event(pygame.QUIT))

    threading.Thread(target=quit_later, daemon=True).start()
    done = [0]

    def callback(*step) -> None:
        if on_step is not None:
            on_step(*step)
        done[0] += 1
        pygame.event.post(pygame.event.Event(pygame.KEYUP, key=script[done[0] - 1]))
        if done[0] < len(script):
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=script[done[0]]))
        else:
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    return callback
