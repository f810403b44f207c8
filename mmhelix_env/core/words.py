"""The shipped English word list (mmhelix_env/data/english_words.txt; sources and licences in its header).

``accept_words(n)``: every listed word of length n (web2 ∪ SCOWL-35 for n = 3..5) — what a verifier accepts.
``common_words(n)``: words in both web2 and SCOWL-35 (n = 3..8), minus a short blocklist — the puzzle pool.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "english_words.txt"

# slurs and vulgar words kept out of generated puzzles (they still count as words when a player uses them)
BLOCKLIST = frozenset("""
arse ass bitch cock coon crap cum cunt damn dick dyke fag fuck gook homo jap kike nazi nigger piss prick pussy
rape shit slut spic tit twat whore wop
""".split())


@cache
def _table() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, flags = line.split("\t")
            out[word] = flags
    return out


@cache
def accept_words(n: int) -> frozenset[str]:
    """All listed words of length ``n``."""
    return frozenset(w for w in _table() if len(w) == n)


@cache
def common_words(n: int) -> tuple[str, ...]:
    """Sorted common words of length ``n`` (in web2 and SCOWL-35, not blocklisted)."""
    return tuple(sorted(w for w, f in _table().items() if len(w) == n and f == "ws" and w not in BLOCKLIST))


@cache
def data_hash() -> str:
    """A short hash of the word data (part of the word tasks' generator version)."""
    return hashlib.sha256(DATA.read_bytes()).hexdigest()[:12]
