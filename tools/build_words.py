"""Build mmhelix_env/data/english_words.txt from the Debian word-list packages (run once, output committed).

    apt-get install miscfiles wamerican-small && python tools/build_words.py

Keeps lower-case ``^[a-z]+$`` words: the union of web2 and SCOWL-35 for lengths 3-5 (the WordLadder accept set)
and their intersection for lengths 3-8 (the common-word pool). Each line is ``word<TAB>flags`` with ``w`` = in web2,
``s`` = in SCOWL-35 (wamerican-small).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

WEB2 = Path("/usr/share/dict/web2")
SCOWL = Path("/usr/share/dict/american-english-small")
OUT = Path(__file__).resolve().parents[1] / "mmhelix_env" / "data" / "english_words.txt"
WORD = re.compile(r"^[a-z]+$")


def version(package: str) -> str:
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True,
                          check=True).stdout.strip()


def words(path: Path) -> set[str]:
    return {w for w in path.read_text(encoding="utf-8", errors="ignore").split() if WORD.match(w)}


def main() -> None:
    web2, scowl = words(WEB2), words(SCOWL)
    keep = sorted(w for w in web2 | scowl
                  if (3 <= len(w) <= 5) or (3 <= len(w) <= 8 and w in web2 and w in scowl))
    header = [
        "# English words for WordLadder and WordSearch; built by tools/build_words.py.",
        "# web2: Webster's Second New International Dictionary (1934) word list, Debian miscfiles "
        f"{version('miscfiles')} (file web2). Public domain: its README says the 1934 copyright has lapsed."
        " Debian's copyright file labels"
        " the miscfiles package as a whole GPL-2+.",
        f"# SCOWL size 35: Debian wamerican-small {version('wamerican-small')} (Kevin Atkinson's SCOWL);"
        " permissive licence, notice in english_words.SCOWL-LICENSE.txt beside this file.",
        "# Lines: word<TAB>flags; w = in web2, s = in SCOWL-35. Only ^[a-z]+$ words; lengths 3-5 from the union,"
        " lengths 6-8 from the intersection.",
    ]
    lines = [f"{w}\t{'w' if w in web2 else ''}{'s' if w in scowl else ''}" for w in keep]
    OUT.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    notice = Path("/usr/share/doc/wamerican-small/copyright").read_text(encoding="utf-8")
    (OUT.parent / "english_words.SCOWL-LICENSE.txt").write_text(notice, encoding="utf-8")
    print(f"{len(lines)} words -> {OUT}")


if __name__ == "__main__":
    main()
