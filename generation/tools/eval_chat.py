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
import math
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from generation.paths import DATA

DIALOGUES = DATA / "chat_dialogues.jsonl"
SHORT = ", 12 seconds"  # added to a request that names no length, to keep the run fast
EDIT_KEYS = ("tempo", "key", "transpose", "mode", "relative", "mood", "style", "add", "remove",
             "swap", "lead", "length", "meter", "rewrite")
KEPT = ("key", "tempo", "meter", "style", "mood", "instruments", "lead", "length", "seed",
        "melody_seed")
NOTES_KEPT = {"tempo", "transpose", "add", "remove", "swap", "lead"}  # edits promising the melody
TEMPO_STEPS = {"little": (1.01, 1.12), "": (1.08, 1.32), "lot": (1.25, 2.01)}
MOOD_STEPS = {"little": (0.05, 0.6), "": (0.3, 1.01), "lot": (0.7, 1.01)}  # share of the way


def load_dialogues(path: Path = DIALOGUES, split: str | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [d for d in rows if split in (None, d["split"])]


def shortened(line: str) -> str:
    """A first request made short: ", 12 seconds" unless it names a length itself."""
    from generation.request.slots import Text, read_length

    return line if read_length(Text.of(line)) else line + SHORT


# ------------------------------------------------------------------ one turn checked

def _shown(piece) -> dict[str, Any]:
    spec = piece.spec
    lead = next((p["instrument"] for p in spec["parts"] if p["role"] == "lead"), None)
    return {"key": spec["key"], "tonic": spec["tonic"], "mode": spec["mode"],
            "tempo": spec["tempo_bpm"], "meter": spec["meter"], "style": spec["style"],
            "mood": spec["mood"], "instruments": set(spec["instruments"]), "lead": lead,
            "length": spec["total_duration_s"], "bars": spec["bars"] + sum(spec["extensions"]),
            "seed": spec["seed"], "melody_seed": spec["melody_seed"],
            "variations": len(spec.get("phrase_edits", ())),
            "va": (spec["valence"], spec["arousal"]), "bar_s": spec["total_duration_s"] / max(
                1, spec["bars"] + sum(spec["extensions"])), "stated": set(spec["stated"])}


def _split(value: str) -> tuple[str, str]:
    word, _, amount = str(value).partition(" ")
    return word, amount


def _applied(name: str, want: Any, old: dict, new: dict) -> str | None:
    """A problem with the change `name` = `want` from `old` to `new`, or None if it is there."""
    if name == "tempo":
        ratio = new["tempo"] / old["tempo"]
        if isinstance(want, int):
            return None if new["tempo"] == want else f"tempo {new['tempo']}, not {want}"
        if want in ("x2", "x0.5"):
            target = min(240, max(40, round(old["tempo"] * float(want[1:]))))
            return None if abs(new["tempo"] - target) <= 1 else \
                f"tempo {old['tempo']} → {new['tempo']}, not {want}"
        way, amount = _split(want)
        low, high = TEMPO_STEPS[amount]
        if way == "down":
            ratio = 1 / ratio
        return None if low <= ratio <= high else \
            f"tempo {old['tempo']} → {new['tempo']}, not {want}"
    if name == "key":
        return None if new["key"] == want else f"key {new['key']}, not {want}"
    if name == "transpose":
        moved = (new["tonic"] - old["tonic"]) % 12
        return None if moved == want % 12 and new["mode"] == old["mode"] else \
            f"key {old['key']} → {new['key']}, not {want:+d} semitones"
    if name in ("mode", "relative"):
        step = {"mode": 0, "relative": -3 if want == "minor" else 3}[name]
        good = new["mode"] == want and (new["tonic"] - old["tonic"]) % 12 == step % 12
        return None if good else f"key {old['key']} → {new['key']}, not {name} {want}"
    if name == "mood":
        return _mood(want, old, new)
    if name in ("style", "meter"):
        return None if new[name] == want else f"{name} {new[name]}, not {want}"
    if name == "add":
        missing = [n for n in want if n not in new["instruments"]]
        return f"{', '.join(missing)} not added" if missing else None
    if name == "remove":
        left = [n for n in want if n in new["instruments"]]
        return f"{', '.join(left)} still playing" if left else None
    if name == "swap":
        bad = [f"{a}→{b}" for a, b in want if a in new["instruments"] or b not in new[
            "instruments"]]
        return f"not swapped: {', '.join(bad)}" if bad else None
    if name == "lead":
        return None if new["lead"] == want else f"melody on {new['lead']}, not {want}"
    if name == "length":
        return _length(want, old, new)
    return None  # rewrite: checked on the notes (`_rewritten`)


def _mood(want: str, old: dict, new: dict) -> str | None:
    from generation.music.spec import emotion

    less = want.startswith("less ")
    mood, amount = _split(want[5:] if less else want)
    target = emotion((mood,))
    before, after = math.dist(old["va"], target), math.dist(new["va"], target)
    if less:
        return None if after > before + 1e-6 else f"not less {mood} ({before:.2f} → {after:.2f})"
    if before < 0.05:  # already there: it must stay
        return None if after <= before + 1e-6 and new["mood"] == mood else f"left {mood}"
    share = 1 - after / before
    low, high = MOOD_STEPS[amount]
    if not low <= share <= high:
        return f"moved {share:.0%} of the way to {mood}, not {want}"
    if amount != "little" and new["mood"] != mood:
        return f"mood {new['mood']}, not {mood}"
    return None


def _length(want: Any, old: dict, new: dict) -> str | None:
    slack = new["bar_s"] + 0.5  # lengths are whole bars
    if isinstance(want, int | float):
        target = want
    elif want in ("x2", "x0.5"):
        target = old["length"] * float(want[1:])
    elif want == "longer":
        return None if new["length"] > old["length"] + 1 else "not longer"
    else:
        return None if new["length"] < old["length"] - 1 else "not shorter"
    return None if abs(new["length"] - target) <= slack else \
        f"length {old['length']:.0f} → {new['length']:.0f} s, not {want}"


def _allowed(expect: dict, old: dict) -> set[str]:
    """Attributes a change may move beyond the ones it names (as the design says)."""
    named = {k for k in expect if k in EDIT_KEYS}
    allowed = {{"transpose": "key", "mode": "key", "relative": "key", "add": "instruments",
                "remove": "instruments", "swap": "instruments", "rewrite": "melody_seed"}.get(
        k, k) for k in named}
    if "lead" in named:
        allowed.add("instruments")  # the old lead leaves the ensemble
    if old["lead"] in [*expect.get("remove", ()), *(a for a, _ in expect.get("swap", ()))]:
        allowed.add("lead")  # its heir plays the melody
    if named & {"mood", "style"}:  # a new feel moves what the user did not state
        allowed |= {"tempo"} - ({"tempo"} & old["stated"])
        if "style" in named and "instruments" not in old["stated"]:
            allowed |= {"instruments", "lead"}
        if "mood" in named and "key" not in old["stated"]:
            allowed.add("mode")
    return allowed


def _kept(expect: dict, old: dict, new: dict) -> tuple[int, list[str]]:
    """How many attributes the turn did not name, and those of them that changed anyway."""
    allowed = _allowed(expect, old)
    moved = []
    for name in KEPT:
        if name in allowed:
            continue
        if name == "key" and "mode" in allowed:
            same = new["tonic"] == old["tonic"]
        elif name == "instruments" and "style" in expect:  # a new style's rhythm section
            same = old[name] <= new[name]
        elif name == "length" and (new["tempo"] != old["tempo"] or "meter" in allowed):
            same = new["bars"] == old["bars"] or "meter" in allowed and abs(
                new["length"] - old["length"]) <= new["bar_s"]
        elif name == "length":
            same = abs(new["length"] - old["length"]) < 0.05
        else:
            same = new[name] == old[name]
        if not same:
            shown = {"instruments": sorted}.get(name, lambda v: v)
            moved.append(f"{name} {shown(old[name])} → {shown(new[name])}")
    return len([n for n in KEPT if n not in allowed]), moved


def _rewritten(section: str, before, after) -> str | None:
    """The named third of the melody written anew and the far end the same."""
    from generation.conversation import lead_line

    old, new = lead_line(before), lead_line(after)
    if not old or not new:
        return "no melody to compare"
    spec = after.spec  # thirds of the melody, in beats: from the bar of its first note to
    # the held last bar
    numerator, denominator = (int(x) for x in spec["meter"].split("/"))
    bar = numerator * 4 / denominator
    begin = min(b for b, _ in old) // bar * bar
    end = (spec["bars"] + sum(spec["extensions"]) - 1) * bar
    thirds = {"beginning": (0, 1 / 3), "middle": (1 / 3, 2 / 3), "ending": (2 / 3, 1.01)}
    low, high = (begin + share * (end - begin) for share in thirds[section])

    def part(line, inside):
        return [(b, p) for b, p in line if (low <= b < high) == inside]

    if part(old, True) == part(new, True):
        return f"the {section} was not written anew"
    if part(old, False) != part(new, False):
        return f"more than the {section} changed"
    return None


def check_turn(expect: dict, answer, current, base, made: bool) -> dict[str, Any]:
    """What went wrong in one turn (no `problems`: exactly what was asked).

    `current` is the version that was current before the turn, `base` the one an edit must be
    made from (`current`, or the version the line names), `made` whether a version was added.
    """
    from generation.conversation import answer_question, melody_kept

    problems: list[str] = []
    row: dict[str, Any] = {"kept": None, "melody": None, "answered": None}
    edit = any(k in expect for k in EDIT_KEYS)
    want = ("edit" if edit else "compose" if "new" in expect else "vary" if "vary" in expect
            else "regenerate" if "again" in expect else next(
                (k for k in ("undo", "redo", "goto") if k in expect), None))
    if want and answer.action != want:
        problems.append(f"{answer.action} ({answer.kind}), not {want}")
    if "new" in expect and made:
        if answer.parent is not None:
            problems.append(f"made from v{answer.parent}, not a new piece")
        spec = answer.piece.spec
        problems += [f"{k} {spec.get(k)}, not {v}" for k, v in expect["new"].items()
                     if k != "instruments" and spec.get(k) != v]
        problems += [f"no {n}" for n in expect["new"].get("instruments", ())
                     if n not in spec["instruments"]]
    if (edit or "vary" in expect or "again" in expect) and base is not None:
        if not made:
            problems.append(f"no new version from v{base.number}")
        else:
            _edited(expect, base.piece, answer, problems, row, melody_kept)
    for name in ("undo", "redo", "goto"):
        if name in expect and answer.version != expect[name]:
            problems.append(f"current v{answer.version}, not v{expect[name]}")
    if "ask" in expect:
        piece = current.piece if current else None
        wanted = answer_question(expect["ask"], piece, f"v{current.number}" if current else "")
        facts = [f.format(**(piece.spec if piece else {})) for f in expect.get("has", ())]
        good = answer.reply == wanted and all(f in answer.reply for f in facts) and not made
        row["answered"] = good
        if not good:
            problems.append(f"answered “{_line(answer.reply)}”, not the {expect['ask']}"
                            + (f" ({', '.join(facts)})" if facts else ""))
    if "talk" in expect:
        actions = {"unknown": ("help", "unknown")}.get(expect["talk"], (expect["talk"],))
        if answer.kind != "reply" or answer.action not in actions or made:
            problems.append(f"{answer.action} ({answer.kind}), not {expect['talk']}")
    if "error" in expect and (answer.kind != "error" or expect["error"] not in answer.reply):
        problems.append(f"{answer.kind} “{_line(answer.reply)}”, not an error about "
                        f"“{expect['error']}”")
    return row | {"problems": problems, "exact": not problems}


def _line(reply: str) -> str:
    return " ".join(reply.split())[:70]


def _edited(expect: dict, piece, answer, problems: list[str], row: dict, melody_kept) -> None:
    """An edit, a variation or a regeneration of `piece`: applied, the rest kept, the melody
    kept where the change promises it."""
    if answer.parent is None:
        problems.append("a new piece, not a change of this one")
    old, new = _shown(piece), _shown(answer.piece)
    problems += [p for k in EDIT_KEYS if k in expect for p in [_applied(k, expect[k], old, new)]
                 if p]
    if "rewrite" in expect:
        problems += [p for p in [_rewritten(expect["rewrite"], piece, answer.piece)] if p]
    # 🎲 moves the melody in the phrase VAE's latent space (a new entry in phrase_edits);
    # 🔁 draws a new seed
    fresh = {"vary": {"variations"}, "again": {"seed", "melody_seed"}}
    renewed = set().union(*(fresh[k] for k in fresh if k in expect))
    problems += [f"{n} not changed" for n in sorted(renewed) if old[n] == new[n]]
    compared, moved = _kept(expect, old, new)
    moved = [m for m in moved if m.split()[0] not in renewed]
    row["kept"], row["compared"], row["moved"] = not moved, compared - len(renewed), len(moved)
    problems += [f"not kept: {m}" for m in moved]
    named = {k for k in expect if k in EDIT_KEYS}
    if named and named <= NOTES_KEPT | {"key"} and ("key" not in named
                                                     or new["mode"] == old["mode"]):
        share = melody_kept(piece, answer.piece)
        row["melody"] = share == 1.0
        if share < 1.0:
            problems.append(f"melody {share:.0%} kept, promised 100 %")


# ------------------------------------------------------------------ dialogues run

def kinds(expect: dict, first: bool) -> list[str]:
    """The kinds of turn `expect` describes, for the per-kind table."""
    names = {"key": "key: named", "transpose": "key: transposition", "mode": "key: mode",
             "relative": "key: relative", "style": "style", "add": "instruments: add",
             "remove": "instruments: remove", "swap": "instruments: swap",
             "lead": "instruments: melody to", "length": "length", "meter": "meter",
             "rewrite": "structure", "base": "edit of a named version", "vary": "vary",
             "again": "again", "undo": "undo", "redo": "redo", "goto": "go to a version",
             "ask": "question", "error": "impossible edit"}
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


def run_dialogue(dialogue: dict, run, seed: int) -> list[dict[str, Any]]:
    """Every turn of `dialogue` said to a new Conversation over `run` (Job → Composition)."""
    import zlib

    from generation.conversation import Conversation

    conversation = Conversation(run, random.Random(seed + zlib.crc32(dialogue["id"].encode())))
    rows = []
    for number, (line, expect) in enumerate(dialogue["turns"], 1):
        said = shortened(line) if "new" in expect else line
        current, count = conversation.current, len(conversation.versions)
        base = current
        if "base" in expect and expect["base"] <= count:
            base = conversation.versions[expect["base"] - 1]
        answer = conversation.say(said)
        made = len(conversation.versions) > count
        row = check_turn(expect, answer, current, base, made)
        rows.append({"dialogue": dialogue["id"], "turn": number, "say": line,
                     "lang": dialogue["lang"], "voice": dialogue["voice"],
                     "kinds": kinds(expect, number == 1), "reply": answer.reply} | row)
    return rows


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
              "`report` split were read to write this report, never to change the reader.")


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
    name = "chat" if split == "report" else f"chat-{split}"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(report_markdown(result), encoding="utf-8")
    (out / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n",
                                      encoding="utf-8")
    return result
