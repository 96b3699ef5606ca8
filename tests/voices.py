"""How a dev line in `tests/test_request_voices.py` is read and checked: one line said to a
piece (`read_in`, the two steps `Conversation.say` takes) or a short dialogue said to a
`Conversation` whose composer resolves only the Spec (`spec_only`: no music is written, so a
turn costs what reading it costs plus `revise`).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from generation.job import Changes, Composition, Job
from generation.request.recall import History, Past, recalled
from generation.request.understand import understand
from tests.test_request_slang import HISTORY, matches

# a second conversation: a cinematic cue for piano, choir, strings and bass (no drums), made
# slower once
_CUE = {"tempo_bpm": 80, "key": "Ab major", "tonic": 8, "mode": "major", "mood": "epic",
        "style": "cinematic", "meter": "4/4", "density": 0.55, "total_duration_s": 40.0,
        "instruments": ["piano", "choir", "strings", "bass"],
        "parts": [{"instrument": "piano", "role": "lead"}, {"instrument": "choir", "role": "comp"},
                  {"instrument": "strings", "role": "comp"},
                  {"instrument": "bass", "role": "bass"}]}
CUE = History((Past(1, None, _CUE), Past(2, 1, {**_CUE, "tempo_bpm": 70})), current=2,
              last=Changes(tempo_factor=0.8696))
BAND = HISTORY  # v1 calm pop for piano, bass and drums at 100 bpm; v2 at 115


def read_in(line: str, history: History = BAND) -> str | dict:
    """What the conversation makes of `line` said to `history`'s current version: a kind
    ("undo 2" and "goto 1" with their steps and version), or an edit's changes."""
    playing = tuple(history.get(history.current).spec["instruments"])
    reading = understand(line, has_piece=True, playing=playing)
    moved = recalled(reading.turn, line, history)
    turn = reading.turn if reading.choices and moved == reading.turn else moved
    if turn.kind == "undo":
        return "undo" if turn.steps == 1 else f"undo {turn.steps}"
    if turn.kind == "goto":
        return f"goto {turn.base}"
    if turn.kind != "edit":
        return turn.kind
    return {k: [list(v) for v in value] if k in ("swap", "levels") else
            list(value) if isinstance(value, tuple) else value
            for k, value in turn.changes.to_json().items()}


def right(got, expected) -> bool:
    """`expected` is a kind, the changes, a list of acceptable ones, or a test of `got`."""
    if callable(expected):
        return bool(expected(got))
    if isinstance(expected, list):
        return any(right(got, one) for one in expected)
    return matches(got, expected)


def marked_misses(items: list[tuple], misses: set[str], reason: str) -> list:
    """`items` for parametrize, the lines in `misses` as strict expected failures: a line the
    reader learns later shows up as passing."""
    return [pytest.param(*item, marks=pytest.mark.xfail(strict=True, reason=reason))
            if item[0] in misses else item for item in items]


def spec_only(composer):
    """A `run` for `Conversation` that resolves the Spec and writes no music."""
    def run(job: Job) -> Composition:
        spec = composer.spec_for(job).spec.to_json()
        nowhere = Path("/nonexistent/dev")
        return Composition(name="dev", midi=nowhere, mp3=nowhere, png=nowhere, json=nowhere,
                           seed=spec["seed"], model_version="spec-only", spec=spec, request={},
                           duration_s=spec["total_duration_s"])
    return run


def instruments_listed(reply: str, spec: dict) -> str | None:
    """What is wrong with `reply` as the list of `spec`'s instruments: each named once, as the
    spec names it (a word of a longer name, "piano" of "electric piano", is not counted)."""
    names = list(dict.fromkeys(spec["instruments"]))
    for name in names:
        longer = [other for other in names if other != name and name in other]
        text = reply
        for other in longer:
            text = text.replace(other, "")
        said = len(re.findall(rf"\b{re.escape(name)}\b", text))
        if said != 1:
            return f"{name} said {said} times"
    return None


def check(answer, before: dict | None, after: dict | None, expect: dict) -> str | None:
    """What is wrong with one turn's `answer` (None: right). `before`/`after`: the current
    spec before and after the line. `expect` may hold: action, version, spec (values the
    current spec has), up/down (spec numbers that moved), same (names kept), has/lacks
    (instruments), lead, says (words in the reply), listed (the reply lists the instruments)."""
    if "action" in expect:
        actions = expect["action"] if isinstance(expect["action"], tuple) else (expect["action"],)
        if answer.action not in actions:
            return f"action {answer.action} ({answer.reply[:80]})"
    if "version" in expect and answer.version != expect["version"]:
        return f"version {answer.version}"
    for name, value in expect.get("spec", {}).items():
        if after.get(name) != value:
            return f"{name} {after.get(name)}"
    for name in expect.get("up", ()):
        if not after[name] > before[name]:
            return f"{name} {before[name]} → {after[name]}, not up"
    for name in expect.get("down", ()):
        if not after[name] < before[name]:
            return f"{name} {before[name]} → {after[name]}, not down"
    for name in expect.get("same", ()):
        if after[name] != before[name]:
            return f"{name} {before[name]} → {after[name]}"
    for name in expect.get("has", ()):
        if name not in after["instruments"]:
            return f"no {name} in {after['instruments']}"
    for name in expect.get("lacks", ()):
        if name in after["instruments"]:
            return f"{name} still in {after['instruments']}"
    if "lead" in expect:
        lead = next(p["instrument"] for p in after["parts"] if p["role"] == "lead")
        if lead != expect["lead"]:
            return f"lead {lead}"
    for level in expect.get("quieter", ()):
        old = [p["velocity"] for p in (before or {}).get("parts", []) if p["instrument"] == level]
        new = [p["velocity"] for p in after["parts"] if p["instrument"] == level]
        median = sorted(p["velocity"] for p in after["parts"])[len(after["parts"]) // 2]
        if not new or (old and new[0] >= old[0]) or (not old and new[0] >= median):
            return f"{level} not quieter: {old} → {new}"
    for words in expect.get("says", ()):
        if words not in answer.reply:
            return f"reply {answer.reply!r} lacks {words!r}"
    if expect.get("listed"):
        return instruments_listed(answer.reply, after)
    return None


def wrong_turns(composer, opening: str, turns) -> list[tuple[str, str]]:
    """Each turn of a dialogue said on `composer`'s specs that went wrong, with why."""
    return [(line, problem) for line, problem in
            run_dialogue(spec_only(composer), opening, turns) if problem]


def dialogue_misses(dialogues) -> tuple[int, list[str]]:
    """The turns of `dialogues` said on a fresh Composer's specs, and a line for each wrong
    one (a dev set's score: `python -m tests.test_request_...`)."""
    from generation.composer import Composer

    runner, turns, misses = spec_only(Composer()), 0, []
    for opening, said in dialogues:
        for line, problem in run_dialogue(runner, opening, said):
            turns += 1
            misses += [f"[{opening[:20]}] {line!r}: {problem}"] if problem else []
    return turns, misses


def run_dialogue(run, opening: str, turns) -> list[tuple[str, str | None]]:
    """Each turn's line and what was wrong with it (None: right), in a fresh conversation."""
    from unittest import mock

    from generation.conversation import Conversation

    with mock.patch("generation.conversation.melody_kept", lambda before, after: 1.0):
        return _said(Conversation(run, random.Random(5)), opening, turns)


def _said(talk, opening: str, turns) -> list[tuple[str, str | None]]:
    first = talk.say(opening)
    assert first.kind == "piece", first.reply
    out = []
    for line, expect in turns:
        before = talk.current.piece.spec if talk.current else None
        try:
            answer = talk.say(line)
        except Exception as error:  # a crash is a wrong turn, not the end of the dev set
            out.append((line, f"raised {error!r}"))
            continue
        after = talk.current.piece.spec if talk.current else None
        out.append((line, check(answer, before, after, expect)))
    return out
