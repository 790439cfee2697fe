"""Rank the functions of py-spy's raw (collapsed) stacks: `python bench/profile_top.py FILE [N] [FILTER]`.

Each line of the file is `frame;frame;...;leaf count`. Printed: the N functions with the most samples on
the stack (inclusive) and as the leaf (self), as shares of all samples; FILTER keeps only frames whose text
contains it (a module path, say), so that "where does the bot's own code spend" reads at a glance.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def rank(path: Path, top: int, only: str) -> str:
    inclusive: Counter[str] = Counter()
    leaf: Counter[str] = Counter()
    total = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        leaf[frames[-1]] += count
        for frame in set(frames):  # a recursive function counts once per sample
            if only in frame:
                inclusive[frame] += count
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("self", leaf)):
        lines.append(f"\n{title}:")
        for frame, count in counter.most_common(top):
            lines.append(f"{count / max(1, total):6.1%}  {frame}")
    return "\n".join(lines)


if __name__ == "__main__":
    filter_text = sys.argv[3] if len(sys.argv) > 3 else ""
    print(rank(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 40, filter_text))
