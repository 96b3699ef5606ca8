"""The writers' dialogues checked before they are trained on or measured: labels that name
unknown values are dropped, and version numbers (undo, redo, go to) are recounted the way a
conversation counts them (every piece, edit, variation and regeneration makes a version).

Two conventions of the writers are kept: an undo of several steps ("undo both", "go back two")
is one undo landing on an older ancestor, and an undo said with an edit in one sentence
("undo that and make it faster instead", written {"undo": N, "tempo": "up"}) is an edit of
version N, where the undo lands (it becomes {"base": N, "tempo": "up"}).

    python -m generation.tools.chat_corpus /work/corpus/w*.jsonl
      → generation/data/chat_corpus.jsonl and a count of what was fixed and dropped
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from generation.paths import DATA
from generation.vocab import INSTRUMENTS, MOODS, STYLES

OUT = DATA / "chat_corpus.jsonl"
_STEPS = re.compile(r"\b(?:two|2|both|twice|deux|dos|zwei|three|3|trois|tres|drei)\b|两|二|三|"
                    r"the\s+one\s+before|(?:undo\W+){2}",
                    re.IGNORECASE)
_MAKES = ("new", "vary", "again", "tempo", "key", "transpose", "mode", "relative", "mood",
          "style", "add", "remove", "swap", "lead", "length", "meter", "rewrite", "density")


def _known(expect: dict) -> bool:
    names = [*expect.get("add", ()), *expect.get("remove", ()),
             *(n for pair in expect.get("swap", ()) for n in pair)]
    if "lead" in expect:
        names.append(expect["lead"])
    if any(n not in INSTRUMENTS for n in names):
        return False
    mood = str(expect.get("mood", "sad")).replace("less ", "").split()[0]
    return mood in MOODS and expect.get("style", "jazz") in STYLES


def checked(dialogue: dict, counts: dict) -> dict | None:
    """The dialogue with its version numbers recounted; None when a label is unusable."""
    parents: list[int | None] = []  # parent of each version
    current, undone = None, []
    turns = []
    for line, expect in dialogue["turns"]:
        if not isinstance(expect, dict) or not _known(expect):
            counts["dropped"] += 1
            return None
        expect = dict(expect)
        if "undo" in expect and any(k in expect for k in _MAKES[2:]) and current is not None:
            land = parents[current - 1] or current  # undo then edit: an edit of where it lands
            counts["fixed"] += expect.pop("undo") != land
            expect["base"] = land
        if "error" not in expect and any(k in expect for k in _MAKES) and (
                current is not None or "new" in expect):
            parents.append(None if "new" in expect else expect.get("base", current))
            current, undone = len(parents), []
        elif "undo" in expect and current is not None and parents[current - 1]:
            steps = _ancestors(parents, current)
            many = _STEPS.search(line) and expect["undo"] in steps[1:]
            land = expect["undo"] if many else steps[0]
            for version in [current, *steps[:steps.index(land)]]:
                undone.append(version)
            counts["fixed"] += expect["undo"] != land
            current = expect["undo"] = land
        elif "redo" in expect and undone:
            current = undone.pop()
            counts["fixed"] += expect["redo"] != current
            expect["redo"] = current
        elif "goto" in expect and 1 <= int(expect["goto"]) <= len(parents):
            current, undone = int(expect["goto"]), []
        elif any(k in expect for k in ("undo", "redo", "goto")):
            counts["dropped"] += 1  # nothing to undo, redo or go to: a wrong label
            return None
        turns.append([line, expect])
    return dialogue | {"turns": turns}


def _ancestors(parents: list[int | None], version: int) -> list[int]:
    """The versions `version` was made from, nearest first."""
    out = []
    while parents[version - 1]:
        version = parents[version - 1]
        out.append(version)
    return out


def build(paths: list[Path], out: Path = OUT) -> dict[str, int]:
    counts = {"dialogues": 0, "kept": 0, "fixed": 0, "dropped": 0}
    kept = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            counts["dialogues"] += 1
            try:
                dialogue = json.loads(line)
            except json.JSONDecodeError:
                counts["dropped"] += 1
                continue
            good = checked(dialogue, counts)
            if good:
                kept.append(good)
    counts["kept"] = len(kept)
    out.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in kept),
                   encoding="utf-8")
    return counts


if __name__ == "__main__":
    print(build([Path(p) for p in sys.argv[1:]]))
