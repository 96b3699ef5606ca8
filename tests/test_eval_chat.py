"""`tunesmith eval chat`: dialogues through a real Conversation, each turn checked on the piece
the user gets; a wrong expectation must show up as a failure."""

from __future__ import annotations

import json

from bot.cli import build_parser
from generation.tools.eval_chat import (
    EDIT_KEYS,
    evaluate,
    load_dialogues,
    report_markdown,
)

FIRST = ["calm piano in D minor", {"new": {"key": "D minor"}}]


def dialogue(*turns):
    return {"id": "t1", "split": "tune", "voice": "terse", "lang": "en", "turns": [FIRST, *turns]}


def test_a_dialogue_done_right_counts_every_turn_exact(composer, tmp_path):
    result = evaluate(composer, [dialogue(
        ["faster and add a cello", {"tempo": "up", "add": ["cello"]}],
        ["what key is this in?", {"ask": "key", "has": ["D minor"]}],
        ["undo", {"undo": 1}])], tmp_path)
    summary = result["summary"]
    assert [r["problems"] for r in result["rows"]] == [[], [], [], []]
    assert summary["overall"]["exact"] == {"good": 4, "of": 4, "share": 1.0}
    assert summary["overall"]["melody kept where promised"]["of"] == 1
    kept = summary["overall"]["attributes kept"]
    assert kept["of"] >= 6 and kept["good"] == kept["of"]  # key, meter, style, mood, seeds...
    assert {"tempo: relative", "instruments: add", "combined edits", "question", "undo",
            "first request"} <= set(summary["per_kind"])
    assert summary["failing"] == []


def test_wrong_expectations_are_counted_as_failures(composer, tmp_path):
    result = evaluate(composer, [dialogue(
        ["faster and add a cello", {"add": ["cello"]}],  # the tempo moved: not "kept"
        ["a bit slower", {"tempo": "up"}],
        ["what key is this in?", {"ask": "key", "has": ["E major"]}],
        ["undo", {"undo": 1}])], tmp_path)
    rows = result["rows"]
    assert rows[1]["kept"] is False and any("not kept: tempo" in p for p in rows[1]["problems"])
    assert any(p.startswith("tempo") and "not up" in p for p in rows[2]["problems"])
    assert rows[3]["answered"] is False
    assert rows[4]["problems"] == ["current v2, not v1"]
    overall = result["summary"]["overall"]
    assert overall["exact"]["good"] == 1 and len(result["summary"]["failing"]) == 4
    assert overall["attributes kept"]["good"] < overall["attributes kept"]["of"]


def test_one_wrong_turn_is_counted_once(composer, tmp_path):
    # the first edit is missed (no version): the labels' v2 never exists, yet "undo" after the
    # next edit lands where the labels say (their v2 is the version that stood in for it)
    result = evaluate(composer, [dialogue(
        ["thanks!", {"tempo": "up"}],
        ["faster", {"tempo": "up"}],
        ["undo", {"undo": 2}])], tmp_path)
    rows = result["rows"]
    assert [r["exact"] for r in rows] == [True, False, True, True]
    assert [r["resynced"] for r in rows] == [False, False, True, True]
    assert result["summary"]["overall"]["exact after an earlier miss"]["good"] == 2


def test_the_report_names_its_machine_targets_and_failures(composer, tmp_path):
    result = evaluate(composer, [dialogue(["slower", {"tempo": "up"}])], tmp_path)
    result["about"] = {"split": "tune", "command": "tunesmith eval chat --split tune",
                       "cpu": "Test CPU", "cores": 2, "date": "today", "seconds": 1.0}
    text = report_markdown(result)
    assert "Test CPU, 2 cores" in text and "tune split" in text
    assert "| exact | ≥ 95% | 1/2 (50.0%) | no |" in text
    assert "t1 turn 2 “slower”" in text
    json.dumps(result)  # chat.json is this object


def test_the_dialogues_cover_the_kinds_languages_and_splits():
    dialogues = load_dialogues()
    assert len(dialogues) >= 150
    report = [d for d in dialogues if d["split"] == "report"]
    assert 0.3 <= len(report) / len(dialogues) <= 0.36  # 2:1
    for split in ("tune", "report"):
        assert {d["lang"] for d in dialogues if d["split"] == split} == {
            "en", "fr", "es", "de", "zh"}
    known = {*EDIT_KEYS, "new", "base", "vary", "again", "undo", "redo", "goto", "ask", "has",
             "talk", "error"}
    named = set()
    for d in dialogues:
        assert 2 <= len(d["turns"]) <= 6, d["id"]
        for _, expect in d["turns"]:
            assert expect and set(expect) <= known, (d["id"], expect)
            named |= set(expect)
    assert named == known - {"density"}  # texture edits come with the writers' corpus
    assert len({d["id"] for d in dialogues}) == len(dialogues)


def test_the_held_out_writers_are_never_trained_on():
    from generation.tools.reader_train import HELD_OUT, load_corpus

    held = load_dialogues(split="writers")
    assert held and {d["writer"] for d in held} <= set(HELD_OUT)
    trained, measured = load_corpus()
    assert not {line for line, *_ in measured} & {line for line, _, _, w in trained
                                                  if w in HELD_OUT}
    assert {w for *_, w in trained}.isdisjoint(HELD_OUT)
    named = {k for d in held for _, expect in d["turns"] for k in expect}
    assert "density" in named


def test_the_command_line_knows_eval_chat():
    args = build_parser().parse_args(["eval", "chat", "--split", "tune", "--out", "x"])
    assert (args.what, args.split, args.out) == ("chat", "tune", "x")
    assert build_parser().parse_args(["eval", "chat"]).split == "report"


def test_a_drum_kit_is_drums_and_a_muted_trumpet_is_a_trumpet():
    from generation.tools.eval_chat_checks import _applied, _families

    played = ["brush kit", "muted trumpet", "piano"]
    new = {"instruments": set(played), "families": _families(played)}
    assert _applied("add", ["drums", "trumpet"], {}, new) is None
    assert _applied("add", ["cello"], {}, new) == "cello not added"
    assert _applied("remove", ["drums"], {}, new) == "drums still playing"


def test_a_meter_or_style_edit_may_write_its_melody_on_a_new_stream(composer, tmp_path):
    # the melody seed mixes in the style and meter (spec.melody_seed_of): an edit to 3/4 or
    # to jazz writes its melody anew on that stream, which is what was asked, not a slip
    result = evaluate(composer, [dialogue(
        ["make it 3/4", {"meter": "3/4"}],
        ["jazzier", {"style": "jazz"}],
        ["in 4/4 again", {"style": "jazz"}])], tmp_path)  # a wrong label still fails
    rows = result["rows"]
    assert rows[1]["problems"] == [] and rows[2]["problems"] == []
    assert rows[3]["problems"] and not rows[3]["exact"]


def test_the_melody_may_follow_a_swap_of_the_instrument_that_played_it():
    # "guitar -> distortion guitar" where the electric guitar played the melody: its heir
    # plays it, which is no slip ("not kept: lead"); a swap of another part keeps the lead
    from generation.tools.eval_chat_checks import _allowed

    old = {"lead": "electric guitar", "instruments": {"electric guitar", "bass", "drums"},
           "stated": set()}
    for said in ("electric guitar", "guitar"):
        assert "lead" in _allowed({"swap": [[said, "distortion guitar"]]}, old)
    muted = {**old, "lead": "muted trumpet", "instruments": {"muted trumpet", "bass"}}
    assert "lead" in _allowed({"remove": ["trumpet"]}, muted)
    assert "lead" not in _allowed({"swap": [["bass", "contrabass"]]}, old)
    both = {**old, "lead": "electric piano", "instruments": {"electric piano", "piano"}}
    assert "lead" not in _allowed({"swap": [["piano", "harpsichord"]]}, both)
