"""A conversation with the real composer: edits keep what they do not name, versions have
parents, questions are answered from the piece, and `tunesmith chat --json` keeps its contract."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pretty_midi
import pytest

from generation import Conversation
from generation.conversation import lead_line, melody_kept

FIRST = "calm piano in D minor, 15 seconds"


@pytest.fixture()
def talk(composer, tmp_path):
    conversation = Conversation(lambda job: composer.run(job, tmp_path), random.Random(3))
    assert conversation.say(FIRST).kind == "piece"
    return conversation


def test_faster_and_a_cello_keep_the_melody_and_everything_else(talk):
    before = talk.current.piece
    answer = talk.say("make it faster and add a cello")
    after = answer.piece
    assert (answer.kind, answer.action, answer.version, answer.parent) == ("piece", "edit", 2, 1)
    assert set(answer.changed) <= {"tempo_bpm", "instruments", "total_duration_s"}
    assert answer.changed["tempo_bpm"][1] > answer.changed["tempo_bpm"][0]
    assert "cello" in answer.changed["instruments"][1]
    for name in ("key", "meter", "style", "mood", "bars", "seed", "melody_seed"):
        assert after.spec[name] == before.spec[name], name
    assert lead_line(after) == lead_line(before)  # the same notes, beat for beat
    assert answer.reply.startswith("v2 ← v1:") and answer.reply.endswith("same melody")
    tracks = [t.name for t in pretty_midi.PrettyMIDI(str(after.midi)).instruments]
    assert "cello" in tracks


def test_a_transposition_moves_every_note_by_the_interval(talk):
    before = lead_line(talk.current.piece)
    answer = talk.say("up a whole step")
    assert answer.changed == {"key": ["D minor", "E minor"]}
    after = lead_line(answer.piece)
    assert [beat for beat, _ in after] == [beat for beat, _ in before]
    assert {b[1] - a[1] for a, b in zip(before, after, strict=True)} == {2}


def test_instruments_swapped_or_removed_keep_the_melody(talk):
    swapped = talk.say("melody on flute")
    assert swapped.changed["lead"] == ["piano", "flute"] and "same melody" in swapped.reply
    harp = talk.say("swap the piano for a harp")
    assert "harp" in harp.changed["instruments"][1]
    assert "piano" not in harp.changed["instruments"][1]
    assert melody_kept(swapped.piece, harp.piece) == 1.0


def test_a_mood_edit_moves_the_music_and_keeps_the_form(talk):
    before = talk.current.piece.spec
    answer = talk.say("much more energetic")
    after = answer.piece.spec
    assert answer.changed["mood"] == ["calm", "energetic"]
    assert after["arousal"] > before["arousal"] and after["tempo_bpm"] > before["tempo_bpm"]
    assert after["key"] == before["key"]  # stated in the first request: kept
    assert (after["bars"], after["seed"]) == (before["bars"], before["seed"])


def test_undo_redo_and_going_back_to_a_version(talk):
    talk.say("a bit faster")
    talk.say("add drums")
    undone = talk.say("undo")
    assert (undone.action, undone.version) == ("undo", 2)
    assert talk.say("undo").version == 1
    assert talk.say("undo").kind == "reply"  # v1 has no parent: nothing earlier
    assert talk.say("redo").version == 2
    branch = talk.say("the first version but on guitar")
    assert (branch.version, branch.parent) == (4, 1)
    assert branch.changed["lead"] == ["piano", "guitar"]
    assert talk.say("go back to the second one").version == 2


def test_undo_of_two_steps_and_undo_then_edit(talk):
    talk.say("a bit faster")
    talk.say("add drums")
    back = talk.say("undo both")
    assert (back.action, back.version) == ("undo", 1)  # two steps, one turn
    assert talk.say("redo").version == 2  # one step forward again
    talk.say("redo")
    instead = talk.say("undo that and make it sadder instead")
    assert (instead.action, instead.version, instead.parent) == ("edit", 4, 2)
    assert "drums" not in instead.piece.spec["instruments"]
    assert instead.changed["mood"][1] == "sad"


def test_questions_are_answered_from_the_piece_without_composing(talk):
    made = len(talk.versions)
    assert talk.say("what key is this in?").reply == "v1 is in D minor"
    tempo = talk.current.piece.spec["tempo_bpm"]
    assert str(tempo) in talk.say("how fast is it?").reply
    chords = talk.say("what chords does it use?").reply
    assert chords.count("|") == len(talk.current.piece.chords) - 1
    assert "Dm" in chords
    form = talk.current.piece.form  # "intro 2 · A 4 · B 4 · A 4 · end 1"
    assert form and form in talk.say("what is the form?").reply  # the piece's own form, said
    assert "jazz" in talk.say("what styles do you know?").reply
    assert talk.say("thanks!").kind == "reply"
    assert len(talk.versions) == made


def test_nonsense_and_impossible_edits_get_a_clear_answer(talk):
    assert talk.say("drop the trombone").kind == "error"
    assert "no trombone" in talk.say("drop the trombone").reply
    assert talk.say("version 9").kind == "error"
    assert talk.say("").kind == "reply"
    new = talk.say("now something completely different: an irish jig on the fiddle")
    assert (new.action, new.parent, new.piece.spec["meter"]) == ("compose", None, "6/8")


@pytest.mark.model
@pytest.mark.slow
def test_chat_json_prints_one_object_per_line_and_a_seed_makes_it_reproducible(tmp_path):
    lines = [FIRST, "faster, and add a cello", "what key is this in?", "undo", "/history",
             "blorp?!", ""]

    def run(out):
        # CI=1 as on the CI machine, where pyfluidsynth prints where it found the library
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "chat", "--json", "--seed", "7", "--out",
             str(out)], input="\n".join(lines) + "\n", capture_output=True, text=True,
            timeout=300, check=True, env={**os.environ, "CI": "1"})
        return [json.loads(row) for row in done.stdout.splitlines()]

    first, second = run(tmp_path / "a"), run(tmp_path / "b")
    assert len(first) == len(lines)
    for row in first:
        assert {"kind", "action", "version", "parent", "reply", "changed", "piece"} <= set(row)
        assert row["kind"] in ("piece", "reply", "error")
    assert [r["kind"] for r in first[:4]] == ["piece", "piece", "reply", "piece"]
    assert (first[1]["version"], first[1]["parent"]) == (2, 1)
    assert first[1]["changed"]["tempo_bpm"][0] < first[1]["changed"]["tempo_bpm"][1]
    assert first[2]["reply"].endswith("D minor") and first[3]["version"] == 1
    assert first[0]["piece"]["spec"]["key"] == "D minor"
    for a, b in zip(first, second, strict=True):
        assert a["reply"].replace(str(tmp_path / "a"), "") == \
            b["reply"].replace(str(tmp_path / "b"), "")
        if a["piece"]:
            assert a["piece"]["seed"] == b["piece"]["seed"]
            assert Path(a["piece"]["midi"]).read_bytes() == Path(b["piece"]["midi"]).read_bytes()


@pytest.mark.parametrize("line, where", [("a new ending", "ending"),
                                         ("redo the middle", "middle"),
                                         ("another opening", "beginning")])
def test_a_structure_edit_writes_one_third_anew_and_keeps_every_other_note(composer, tmp_path,
                                                                         line, where):
    talk = Conversation(lambda job: composer.run(job, tmp_path), random.Random(5))
    first = talk.say("calm piano in D minor, 40 seconds").piece
    answer = talk.say(line)
    assert answer.reply.startswith(f"v2 ← v1: the {where} written anew")
    assert answer.changed == {}
    (start, count), = answer.piece.spec["rewrites"]
    bar = 4.0  # 4/4
    inside = (start * bar, (start + count) * bar)
    before, after = lead_line(first), lead_line(answer.piece)
    assert [n for n in before if not inside[0] <= n[0] < inside[1]] == \
        [n for n in after if not inside[0] <= n[0] < inside[1]]  # the rest, note for note
    assert [n for n in before if inside[0] <= n[0] < inside[1]] != \
        [n for n in after if inside[0] <= n[0] < inside[1]]
    bars = first.spec["bars"] - 1  # the held final note is not melody to rewrite
    assert {"beginning": start == 0, "ending": start + count == bars,
            "middle": 0 < start and start + count < bars}[where]


def test_a_new_ending_of_a_tiny_piece_changes_notes(composer, tmp_path):
    talk = Conversation(lambda job: composer.run(job, tmp_path), random.Random(5))
    talk.say("calm piano, 4 bars")
    for line in ("redo the middle", "a new ending", "another opening"):
        answer = talk.say(line)
        assert answer.kind == "piece" and "same melody" not in answer.reply, answer.reply


def test_a_lead_an_octave_away_plays_the_same_notes_an_octave_away(talk):
    before = lead_line(talk.current.piece)
    answer = talk.say("melody on cello")
    after = lead_line(answer.piece)
    assert answer.changed["lead"] == ["piano", "cello"] and "same melody" in answer.reply
    assert [b for b, _ in after] == [b for b, _ in before]
    assert {p2 - p1 for (_, p1), (_, p2) in zip(before, after, strict=True)} in ({-12}, {-24})


def test_length_and_a_stated_tempo_survive_a_mood_edit(talk):
    base = talk.current.piece.spec
    slower = talk.say("slower and sadder").piece.spec
    assert slower["tempo_bpm"] == round(base["tempo_bpm"] / 1.15)  # the named change only
    assert slower["bars"] == base["bars"]
    happier = talk.say("much happier").piece.spec
    assert happier["tempo_bpm"] == slower["tempo_bpm"]  # stated in the line before: kept
    assert abs(happier["total_duration_s"] - slower["total_duration_s"]) < 0.01


def test_shorter_and_longer_always_change_a_short_piece(composer, tmp_path):
    talk = Conversation(lambda job: composer.run(job, tmp_path), random.Random(4))
    first = talk.say("a folk tune, 8 seconds").piece.spec
    shorter = talk.say("shorter").piece.spec
    assert shorter["total_duration_s"] < first["total_duration_s"]
    longer = talk.say("longer")
    assert longer.piece.spec["total_duration_s"] > shorter["total_duration_s"]
    assert "same melody" in longer.reply or "of the melody kept" in longer.reply


@pytest.mark.slow
def test_the_chat_bench_times_edit_turns_and_names_the_machine():
    from generation.tools.bench import KEEPING, run
    from models.evaluation.machine import cpu_model

    figures = run("chat", runs=1)
    assert figures["machine"]["cpu"] == cpu_model() and figures["machine"]["cores"] >= 1
    assert figures["keeping_median_s"] > 0 and figures["rewriting_median_s"] > 0
    assert figures["edits_keeping_the_notes"] == list(KEEPING)


def test_an_intro_and_a_longer_outro_frame_the_same_melody(composer, tmp_path):
    talk = Conversation(lambda job: composer.run(job, tmp_path), random.Random(6))
    first = talk.say("calm piano in D minor, 30 seconds").piece
    intro = talk.say("add an intro")
    assert intro.reply.startswith("v2 ← v1: + 2 bars of intro") and "same melody" in intro.reply
    bar = 4.0
    assert [(round(b - 2 * bar, 3), p) for b, p in lead_line(intro.piece)] == lead_line(first)
    assert intro.piece.form.startswith("intro 2")
    outro = talk.say("a longer outro, please")
    assert outro.piece.form.endswith("outro 2") and "same melody" in outro.reply
    assert outro.changed["total_duration_s"][1] > outro.changed["total_duration_s"][0]
    assert "+ 4 added" in talk.say("how long is it?").reply


def test_what_can_you_do_is_answered_with_the_help_text():
    talk = Conversation(lambda job: pytest.fail("nothing is composed"), random.Random(1))
    for line in ("what can you do?", "wait what else can u even do"):
        answer = talk.say(line)
        assert (answer.kind, answer.action) == ("reply", "help") and "change it" in answer.reply
