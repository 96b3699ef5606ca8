"""Variations and blends as a user meets them: the words in five languages, the versions a
conversation makes of them, and `tunesmith blend` on two pieces' .json files."""

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
from generation.job import BLEND_MIX, VARY_LITTLE, VARY_LOT
from generation.request.turn import PREVIOUS, read_turn


@pytest.mark.parametrize("line, amount", [
    ("a little different", VARY_LITTLE), ("vary it a lot", VARY_LOT),
    ("make it very different", VARY_LOT), ("a variation please", None),
    ("un peu différent", VARY_LITTLE), ("varie-le beaucoup", VARY_LOT),
    ("un poco diferente", VARY_LITTLE), ("varíalo mucho", VARY_LOT),
    ("etwas anders", VARY_LITTLE), ("ganz anders bitte", VARY_LOT),
    ("稍微不同", VARY_LITTLE), ("变化大一点", VARY_LOT),
])
def test_variation_words_give_their_amount(line, amount):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.amount) == ("vary", amount), line


@pytest.mark.parametrize("line, base, other, mix", [
    ("blend it with the first one", None, 1, BLEND_MIX),
    ("mix v2 and v4", 2, 4, BLEND_MIX),
    ("blend this with the previous one", None, PREVIOUS, BLEND_MIX),
    ("mix in just a little of version 1", None, 1, 0.25),
    ("blend it with v3, 80%", None, 3, 0.8),
    ("mélange-le avec la première version", None, 1, BLEND_MIX),
    ("mézclalo con la segunda versión", None, 2, BLEND_MIX),
    ("misch es mit der ersten Version", None, 1, BLEND_MIX),
    ("把它和第一个混合", None, 1, BLEND_MIX),
])
def test_blend_words_name_the_versions_and_the_mix(line, base, other, mix):
    turn = read_turn(line, has_piece=True)
    assert (turn.kind, turn.base, turn.other, turn.amount) == ("blend", base, other, mix), line


def test_a_mix_of_styles_is_still_a_new_piece():
    assert read_turn("a mix of jazz and rock on piano", has_piece=True).kind == "new"


@pytest.fixture(scope="module")
def talk(composer, tmp_path_factory):
    out = tmp_path_factory.mktemp("vae-talk")
    conversation = Conversation(lambda job: composer.run(job, out), random.Random(11))
    assert conversation.say("happy folk tune on flute in G major, 20 seconds").kind == "piece"
    return conversation


def _notes(piece, track_name):
    midi = pretty_midi.PrettyMIDI(str(piece.midi))
    return sorted((n.start, n.pitch) for t in midi.instruments if t.name == track_name
                  for n in t.notes)


@pytest.mark.slow
def test_a_little_different_keeps_the_plan_and_most_notes_a_lot_keeps_fewer(talk):
    first = talk.current
    little = talk.say("a little different")
    assert (little.kind, little.action, little.version, little.parent) == ("piece", "vary", 2, 1)
    assert "variation of strength 0.1" in little.reply and "of the notes kept" in little.reply
    spec, base = little.piece.spec, first.piece.spec
    for name in ("key", "tempo_bpm", "meter", "bars", "style", "parts", "melody_seed", "seed"):
        assert spec[name] == base[name], name
    assert little.piece.chords == first.piece.chords and little.piece.form == first.piece.form
    lead = next(p["instrument"] for p in spec["parts"] if p["role"] == "lead")
    for part in spec["parts"]:  # the accompaniment is the same, note for note
        if part["instrument"] != lead:
            assert _notes(little.piece, part["instrument"]) == _notes(
                first.piece, part["instrument"]), part
    kept_little = melody_kept(first.piece, little.piece)
    assert 0.5 <= kept_little < 1.0
    talk.say("undo")
    lot = talk.say("vary it a lot")
    assert lot.parent == 1 and "strength 0.9" in lot.reply
    assert melody_kept(first.piece, lot.piece) < kept_little


def test_blend_it_with_the_first_one_is_in_the_current_key(talk):
    talk.say("now in D minor and slower")
    current = talk.current
    answer = talk.say("blend it with the first one")
    assert (answer.kind, answer.action, answer.parent) == ("piece", "blend", current.number)
    assert "50% of the way to v1's tune" in answer.reply
    for name in ("key", "tempo_bpm", "parts"):
        assert answer.piece.spec[name] == current.piece.spec[name], name
    assert lead_line(answer.piece) != lead_line(current.piece)
    refused = talk.say(f"blend it with v{answer.version}")
    assert refused.kind == "error" and "itself" in refused.reply


@pytest.mark.slow
def test_tunesmith_blend_writes_a_piece_in_the_first_key_and_the_same_bytes_again(
        composer, tmp_path):
    first = composer.run(__import__("generation").Job(
        text="calm piano in D minor, 15 seconds", seed=3), tmp_path)
    second = composer.run(__import__("generation").Job(
        text="happy folk tune on flute in G major, 15 seconds", seed=4), tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    outputs = []
    for run in ("a", "b"):
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "blend", str(first.json), str(second.json),
             "--mix", "0.7", "--seed", "5", "--out", str(tmp_path / run)],
            capture_output=True, text=True, env=env, timeout=300, check=True)
        outputs.append(json.loads(done.stdout))
    piece = outputs[0]
    assert piece["spec"]["key"] == "D minor" and piece["spec"]["tempo_bpm"] == first.spec[
        "tempo_bpm"]
    assert piece["spec"]["phrase_edits"][-1][:2] == ["blend", 0.7]
    assert Path(piece["midi"]).read_bytes() == Path(outputs[1]["midi"]).read_bytes()
    bad = subprocess.run([sys.executable, "-m", "bot.cli", "blend", str(first.json),
                          str(tmp_path / "missing.json")], capture_output=True, text=True,
                         env=env, timeout=300)
    assert bad.returncode == 2 and "missing.json" in bad.stderr


def test_a_primed_section_is_a_close_neighbour_of_its_model(composer):
    from generation.job import Job
    from generation.music.melody import MelodyWriter
    from generation.music.plan import make_plan
    from generation.music.variation import kept_share

    spec = composer.spec_for(Job(text="happy folk tune on flute, 40 seconds", seed=8)).spec
    plan = make_plan(spec)
    sections = {s.label: s for s in plan.sections}
    assert "A" in sections and "A'" in sections, plan.form()
    a, primed = sections["A"], sections["A'"]
    melody = MelodyWriter(composer.model).write(spec, plan)
    bar = spec.beats_per_bar
    bars = min(a.bars, primed.bars)

    def notes(section):
        return [n for n in melody if section.start * bar <= n.start < (section.start + bars) * bar]

    moved = [type(n)(n.pitch, round(n.start - (primed.start - a.start) * bar, 6), n.duration,
                     n.velocity) for n in notes(primed)]
    share = kept_share(notes(a), moved)
    assert 0.3 <= share < 1.0, share  # the motif is recognisable, and it develops


def test_mixing_in_an_instrument_after_naming_a_version_is_no_blend():
    turn = read_turn("go back to the first one and mix in a cello", has_piece=True)
    assert turn.kind != "blend" and turn.base == 1


def test_the_console_dials_a_variation_and_blends_a_version(composer, tmp_path):
    from bot.chat import ChatSession

    session = ChatSession(Conversation(lambda job: composer.run(job, tmp_path),
                                       random.Random(2)))
    assert session.answer("calm piano in D minor, 15 seconds").version == 1
    varied = session.answer("🎲 0.2")
    assert (varied.action, varied.parent) == ("vary", 1)
    assert tuple(varied.piece.spec["phrase_edits"][-1][:2]) == ("vary", 0.2)
    blended = session.answer("/blend 1 0.8")
    assert (blended.action, blended.parent) == ("blend", 2)
    assert "80% of the way to v1's tune" in blended.reply
    assert session.answer("/vary 7").kind == "error"
    assert session.answer("/blend v9").kind == "error"
