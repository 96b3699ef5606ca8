"""`tunesmith eval chat`: hand-written dialogues run through a real Conversation and Composer,
each turn checked on what the user would get.

A dialogue is one JSON line: `{"id", "split", "voice", "lang", "turns": [[line, expect], ...]}`.
`expect` names what must happen; edits are checked on the resulting spec, not on the reader:

    {"new": {"key": "D minor"}}          a new piece (facts it must have, maybe none)
    {"tempo": "up little", "add": ["cello"]}   an edit of the current piece (or of "base": n)
    {"vary": 1} / {"again": 1}           the same piece, a new melody / a new seed
    {"undo": 1} / {"redo": 2} / {"goto": 1}    the version that is current afterwards
    {"ask": "key", "has": ["D minor"]}   an answer on that topic, holding those facts
    {"talk": "smalltalk"}                small talk, help, a line not understood, an empty one
    {"error": "no trombone"}             an impossible edit, refused in words

Edit keys: tempo ("up", "down", "up little", "down lot", "x2", "x0.5" or bpm), key ("E minor"),
transpose (semitones), mode, relative ("minor"), mood ("sad", "sad little", "sad lot",
"less sad"), style, add, remove, swap ([[old, new]]), lead, length ("longer", "shorter", "x2",
"x0.5" or seconds), meter, rewrite ("beginning", "middle", "ending").
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from generation.paths import DATA
from generation.tools.eval_chat_checks import EDIT_KEYS, check_turn

DIALOGUES = DATA / "chat_dialogues.jsonl"
LATE = DATA / "chat_late.jsonl"  # writers who came after the reader was trained
# writers whose lines nobody working on the reader has read: measured, then moved to LATE
UNSEEN = DATA / "chat_unseen.jsonl"
SHORT = ", 12 seconds"  # added to a request that names no length, to keep the run fast
def load_dialogues(path: Path = DIALOGUES, split: str | None = None) -> list[dict[str, Any]]:
    """The hand-written dialogues of `split` (None: all); "writers": the dialogues of the
    writers the conversation reader was never trained on (reader_train.HELD_OUT); "late": the
    dialogues of writers who wrote after the reader was trained (chat_late.jsonl), never
    trained on either; "unseen": writers whose lines no one working on the reader has read
    (chat_unseen.jsonl)."""
    if split in ("late", "unseen"):
        return [d | {"split": split} for d in _rows(LATE if split == "late" else UNSEEN)]
    if split == "writers":
        from generation.tools.reader_train import CORPUS, HELD_OUT

        return [d | {"split": "writers"} for d in _rows(CORPUS) if d["writer"] in HELD_OUT]
    return [d for d in _rows(path) if split in (None, d["split"])]


def _rows(path: Path) -> list[dict[str, Any]]:
    """The dialogues of a JSON-lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def shortened(line: str) -> str:
    """A first request made short: ", 12 seconds" unless it names a length itself."""
    from generation.request.slots import Text, read_length

    return line if read_length(Text.of(line)) else line + SHORT


# ------------------------------------------------------------------ dialogues run

def kinds(expect: dict, first: bool) -> list[str]:
    """The kinds of turn `expect` describes, for the per-kind table."""
    names = {"key": "key: named", "transpose": "key: transposition", "mode": "key: mode",
             "relative": "key: relative", "style": "style", "add": "instruments: add",
             "remove": "instruments: remove", "swap": "instruments: swap",
             "lead": "instruments: melody to", "length": "length", "meter": "meter",
             "rewrite": "structure", "base": "edit of a named version", "vary": "vary",
             "again": "again", "undo": "undo", "redo": "redo", "goto": "go to a version",
             "ask": "question", "error": "impossible edit", "density": "texture",
             "clarify": "ambiguous: asked back"}
    found = [names[k] for k in expect if k in names]
    if "tempo" in expect:
        found.append("tempo: absolute" if isinstance(expect["tempo"], int) else "tempo: relative")
    if "mood" in expect:
        found.append("mood: less" if expect["mood"].startswith("less") else "mood")
    if "talk" in expect:
        found.append({"unknown": "not understood"}.get(expect["talk"], expect["talk"]))
    if "new" in expect:
        found.append("first request" if first else "new request mid-conversation")
    if sum(k in EDIT_KEYS for k in expect) > 1:
        found.append("combined edits")
    return found


MOVES = ("undo", "redo", "goto")


def run_dialogue(dialogue: dict, run, seed: int) -> list[dict[str, Any]]:
    """Every turn of `dialogue` said to a new Conversation over `run` (Job → Composition).

    The labels number versions as if every turn went right. After a wrong turn the dialogue
    is put back where its labels say it is (the version they make current, the versions they
    leave to redo), and the labels' version numbers are mapped to the versions made, so that
    one miss is counted once, not again on every later turn (`resynced` on those turns)."""
    import zlib

    from generation.conversation import Conversation

    conversation = Conversation(run, random.Random(seed + zlib.crc32(dialogue["id"].encode())))
    rows, labels, missed = [], {}, False  # labels: the labels' version number → the made one
    for number, (line, expect) in enumerate(dialogue["turns"], 1):
        said = shortened(line) if "new" in expect else line
        current, count = conversation.current, len(conversation.versions)
        before = conversation.state()
        mapped = expect | {k: labels.get(expect[k], expect[k]) for k in (*MOVES, "base")
                           if k in expect}
        base = current
        if "base" in mapped and mapped["base"] <= count:
            base = conversation.versions[mapped["base"] - 1]
        answer = conversation.say(said)
        made = len(conversation.versions) > count
        row = check_turn(mapped, answer, current, base, made)
        if "new" in expect or "vary" in expect or "again" in expect or any(
                k in expect for k in EDIT_KEYS):  # the labels count one version more
            labels[len(labels) + 1] = conversation.current.number if made else before[0]
        if not row["exact"]:
            _resync(conversation, mapped, before, made)
        rows.append({"dialogue": dialogue["id"], "turn": number, "say": line,
                     "lang": dialogue["lang"], "voice": dialogue["voice"],
                     "kinds": kinds(expect, number == 1), "reply": answer.reply,
                     "action": answer.action, "resynced": missed} | row)
        missed = missed or not row["exact"]
    return rows


def _resync(conversation, expect: dict, before: tuple, made: bool) -> None:
    """Put the conversation where the labels say it is after a wrong turn."""
    current, undone = before
    if "undo" in expect:
        conversation.restore(expect["undo"], (*undone, current) if current else undone)
    elif "redo" in expect:
        conversation.restore(expect["redo"], tuple(n for n in undone if n != expect["redo"]))
    elif "goto" in expect:
        conversation.restore(expect["goto"])
    elif not made or not any(k in expect for k in ("new", "vary", "again", *EDIT_KEYS)):
        conversation.restore(current, undone)  # a version made or a move where none was asked


def evaluate(composer, dialogues: list[dict], out_dir: Path, seed: int = 1) -> dict[str, Any]:
    """Every dialogue through a real Conversation on `composer`; rows and their summary."""
    rows = []
    for dialogue in dialogues:
        rows += run_dialogue(dialogue, lambda job: composer.run(job, out_dir), seed)
    return {"rows": rows, "summary": summarise(rows, len(dialogues))}


def _rate(good: int, total: int) -> dict[str, Any]:
    return {"good": good, "of": total, "share": round(good / total, 4) if total else None}


def summarise(rows: list[dict[str, Any]], dialogues: int) -> dict[str, Any]:
    def measures(chosen: list[dict]) -> dict[str, Any]:
        kept = [r for r in chosen if r["kept"] is not None]
        return {
            "turns": len(chosen),
            "exact": _rate(sum(r["exact"] for r in chosen), len(chosen)),
            "attributes kept": _rate(sum(r["compared"] - r["moved"] for r in kept),
                                     sum(r["compared"] for r in kept)),
            "melody kept where promised": _rate(
                sum(bool(r["melody"]) for r in chosen if r["melody"] is not None),
                sum(r["melody"] is not None for r in chosen)),
            "help replies": _rate(sum(r["action"] in ("help", "unknown") for r in chosen),
                                  len(chosen)),
            "questions asked": _rate(sum(r["action"] == "ask" for r in chosen), len(chosen)),
            "exact after an earlier miss": _rate(
                sum(r["exact"] for r in chosen if r.get("resynced")),
                sum(bool(r.get("resynced")) for r in chosen)),
            "answers correct": _rate(sum(bool(r["answered"]) for r in chosen
                                         if r["answered"] is not None),
                                     sum(r["answered"] is not None for r in chosen)),
        }

    by_kind: dict[str, list[dict]] = defaultdict(list)
    by_lang: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        for kind in row["kinds"]:
            by_kind[kind].append(row)
        by_lang[row["lang"]].append(row)
    return {"dialogues": dialogues, "overall": measures(rows),
            "per_kind": {k: measures(v) for k, v in sorted(by_kind.items())},
            "per_language": {k: measures(v) for k, v in sorted(by_lang.items())},
            "failing": [{k: r[k] for k in ("dialogue", "turn", "say", "problems")}
                        for r in rows if not r["exact"]]}


TARGETS = (("exact", 0.95), ("attributes kept", 1.0), ("melody kept where promised", 1.0))


def report_markdown(result: dict[str, Any]) -> str:
    summary, about = result["summary"], result["about"]

    def cell(rate: dict) -> str:
        return f"{rate['good']}/{rate['of']} ({rate['share']:.1%})" if rate["of"] else "–"

    overall = summary["overall"]
    lines = [f"# tunesmith eval chat — {about['split']} split", "",
             f"`{about['command']}` on {about['cpu']}, {about['cores']} cores, {about['date']}; "
             f"{summary['dialogues']} dialogues, {overall['turns']} turns, "
             f"{about['seconds']:.0f} s.", "", DISCIPLINE, "",
             "| target | wanted | measured | met |", "|---|---|---|---|"]
    for name, wanted in TARGETS:
        rate = overall[name]
        met = rate["share"] is not None and rate["share"] >= wanted
        lines.append(f"| {name} | ≥ {wanted:.0%} | {cell(rate)} | {'yes' if met else 'no'} |")
    lines.append(f"| answers correct | – | {cell(overall['answers correct'])} | |")
    for name in ("help replies", "questions asked", "exact after an earlier miss"):
        lines.append(f"| {name} | – | {cell(overall[name])} | |")
    for title, table in (("Per kind of turn", "per_kind"), ("Per language", "per_language")):
        lines += ["", f"## {title}", "", "| | turns | exact | attributes kept | "
                  "melody kept | answers |", "|---|---|---|---|---|---|"]
        for name, m in summary[table].items():
            lines.append(f"| {name} | {m['turns']} | {cell(m['exact'])} | "
                         f"{cell(m['attributes kept'])} | "
                         f"{cell(m['melody kept where promised'])} | "
                         f"{cell(m['answers correct'])} |")
    lines += ["", f"## Failing turns ({len(summary['failing'])})", ""]
    lines += [f"- {f['dialogue']} turn {f['turn']} “{f['say']}”: {'; '.join(f['problems'])}"
              for f in summary["failing"]] or ["none"]
    return "\n".join(lines) + "\n"


DISCIPLINE = ("The dialogues (`generation/data/chat_dialogues.jsonl`) were written by hand and "
              "split 2:1 into `tune` and `report` before the reader was changed. The reader "
              "(`generation/request/turn.py`) was tuned on the `tune` split only; failures of the "
              "`report` split were read to write this report, never to change the reader. "
              "After a wrong turn the dialogue is put back where its labels say it is and their "
              "version numbers are mapped to the versions made, so that a miss counts once "
              "(“exact after an earlier miss” counts the turns judged after such a re-sync).")


def write_report(composer, split: str, out: Path, seed: int = 1) -> dict[str, Any]:
    """Run `split` ("report", "tune" or "all") and write chat.md and chat.json into `out`
    (chat-tune.* for the tune split)."""
    import tempfile
    import time

    from models.evaluation.machine import machine

    dialogues = load_dialogues(split=None if split == "all" else split)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as pieces:
        result = evaluate(composer, dialogues, Path(pieces), seed)
    command = "tunesmith eval chat " + " ".join(sys.argv[3:]) if sys.argv[1:3] == [
        "eval", "chat"] else f"tunesmith eval chat --split {split}"
    result["about"] = machine() | {"split": split, "command": command.strip(),
                                   "seconds": round(time.perf_counter() - started, 1)}
    name = "chat" if split == "report" else f"chat-{split}"  # chat-writers: held-out writers
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(report_markdown(result), encoding="utf-8")
    (out / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return result
