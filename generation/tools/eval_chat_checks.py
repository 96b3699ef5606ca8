"""One turn of `tunesmith eval chat` checked on what the user got: the change asked for is
in the resulting spec, the attributes the line did not name are kept, the melody is kept where
the change promises it, and a question gets the answer on its topic. The expectation keys are
described in `generation/tools/eval_chat.py`.
"""

from __future__ import annotations

import math
from typing import Any

EDIT_KEYS = ("tempo", "key", "transpose", "mode", "relative", "mood", "style", "add", "remove",
             "swap", "lead", "length", "meter", "rewrite", "density")
KEPT = ("key", "tempo", "meter", "style", "mood", "instruments", "lead", "length", "seed",
        "melody_seed")
NOTES_KEPT = {"tempo", "transpose", "add", "remove", "swap", "lead"}  # edits promising the melody
TEMPO_STEPS = {"little": (1.01, 1.12), "": (1.08, 1.32), "lot": (1.25, 2.01)}
MOOD_STEPS = {"little": (0.05, 0.6), "": (0.3, 1.01), "lot": (0.7, 1.01)}  # share of the way


def _shown(piece) -> dict[str, Any]:
    spec = piece.spec
    lead = next((p["instrument"] for p in spec["parts"] if p["role"] == "lead"), None)
    return {"key": spec["key"], "tonic": spec["tonic"], "mode": spec["mode"],
            "tempo": spec["tempo_bpm"], "meter": spec["meter"], "style": spec["style"],
            "mood": spec["mood"], "instruments": set(spec["instruments"]), "lead": lead,
            "families": _families(spec["instruments"]),
            "length": spec["total_duration_s"], "bars": spec["bars"] + sum(spec["extensions"]),
            "seed": spec["seed"], "melody_seed": spec["melody_seed"],
            "variations": len(spec.get("phrase_edits", ())), "density": spec["density"],
            "texture": spec.get("texture", 0),
            "va": (spec["valence"], spec["arousal"]), "bar_s": spec["total_duration_s"] / max(
                1, spec["bars"] + sum(spec["extensions"])), "stated": set(spec["stated"])}


def _families(names) -> set[str]:
    """The instruments and their families: a brush kit is drums, a muted trumpet a trumpet
    (what a line asking for "drums" or "a trumpet" gets)."""
    from generation.vocab import FAMILY_OF

    return set(names) | {FAMILY_OF.get(name) or name for name in names}


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
        missing = [n for n in want if n not in new["families"]]
        return f"{', '.join(missing)} not added" if missing else None
    if name == "remove":
        left = [n for n in want if n in new["families"]]
        return f"{', '.join(left)} still playing" if left else None
    if name == "swap":
        bad = [f"{a}→{b}" for a, b in want if a in new["instruments"] or b not in new[
            "families"]]
        return f"not swapped: {', '.join(bad)}" if bad else None
    if name == "lead":
        return None if new["lead"] == want else f"melody on {new['lead']}, not {want}"
    if name == "length":
        return _length(want, old, new)
    if name == "density":
        # the melody's density, or where its band cannot move the accompaniment's texture
        moved = new["density"] - old["density"] + 0.2 * (new["texture"] - old["texture"])
        return None if (moved > 0) == (_split(want)[0] == "up") and moved else \
            f"density {old['density']:.2f} → {new['density']:.2f}, texture {old['texture']} → " \
            f"{new['texture']}, not {want}"
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
    if any(_names(said, old["lead"], old["instruments"]) for said in
           [*expect.get("remove", ()), *(a for a, _ in expect.get("swap", ()))]):
        allowed.add("lead")  # its heir plays the melody
    if named & {"style", "meter"}:  # the melody is written anew on a stream of its own:
        allowed.add("melody_seed")  # the style and meter are mixed into its seed (spec.py)
    if named & {"mood", "style"}:  # a new feel moves what the user did not state
        allowed |= {"tempo"} - ({"tempo"} & old["stated"])
        if "style" in named and "instruments" not in old["stated"]:
            allowed |= {"instruments", "lead"}
        if "mood" in named and "key" not in old["stated"]:
            allowed.add("mode")
    return allowed


def _names(said: str, name: str | None, playing) -> bool:
    """Whether `said` (an instrument in a label) is the playing instrument `name`: the same
    name, its family ("trumpet" of a muted trumpet), or a shorter name of it that nothing else
    playing has ("guitar" of the electric guitar in a band of guitar, bass and drums)."""
    from generation.vocab import FAMILY_OF

    if name is None:
        return False
    return said == name or FAMILY_OF.get(name) == said or (
        name.endswith(f" {said}") and said not in playing)


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
    """The named third of the melody written anew and the far end the same (bars partly
    inside the third may be written anew too: the product rewrites whole bars)."""
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
    # whole bars are written anew: the third's bars, its first and last partly inside it
    low, high = math.floor(low / bar + 1e-9) * bar, math.ceil(high / bar - 1e-9) * bar

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
                     if n not in _families(spec["instruments"])]
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
        facts = [str(f).format(**(piece.spec if piece else {})) for f in expect.get("has", ())]
        good = answer.reply == wanted and all(f in answer.reply for f in facts) and not made
        row["answered"] = good
        if not good:
            problems.append(f"answered “{_line(answer.reply)}”, not the {expect['ask']}"
                            + (f" ({', '.join(facts)})" if facts else ""))
    if "talk" in expect:
        actions = {"unknown": ("help", "unknown")}.get(expect["talk"], (expect["talk"],))
        if answer.kind != "reply" or answer.action not in actions or made:
            problems.append(f"{answer.action} ({answer.kind}), not {expect['talk']}")
    if "clarify" in expect:
        choices = getattr(answer, "choices", ())
        if answer.action != "ask" or len(choices) < 2 or made:
            problems.append(f"{answer.action} ({answer.kind}), not a question with choices")
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
