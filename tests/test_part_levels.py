"""One part louder or quieter: "the drums are too loud" turns the drums down and keeps the rest
(the reader, the spec change, the words of the reply, and the MIDI a listener gets)."""

from __future__ import annotations

import random
import statistics
from dataclasses import replace

import pretty_midi
import pytest

from generation import Conversation
from generation.conversation import lead_line
from generation.differences import change_words
from generation.job import LITTLE, LOT, NORMAL, Request
from generation.music.balance import LEVEL_STEP, LEVELS, balanced
from generation.music.spec import Part, Spec, make_spec
from generation.request.changes import read_changes
from models.core.errors import RequestError


@pytest.mark.parametrize(("line", "levels"), [
    ("the drums are too loud", (("drums", -NORMAL),)),
    ("drums way too loud lol", (("drums", -LOT),)),
    ("the piano is a bit too quiet", (("piano", LITTLE),)),
    ("turn up the sax", (("saxophone", NORMAL),)),
    ("turn the drums down a bit", (("drums", -LITTLE),)),
    ("turn up the bass a bit", (("bass", LITTLE),)),
    ("make the strings softer", (("strings", -NORMAL),)),
    ("make the bass way louder", (("bass", LOT),)),
    ("i can barely hear the flute", (("flute", NORMAL),)),
    ("boost the piano", (("piano", NORMAL),)),
])
def test_a_line_about_one_part_s_level_reads_as_that_level_and_nothing_else(line, levels):
    changes = read_changes(line)
    assert changes.levels == levels
    # the instrument is not added, and "softer" said of a part is not the calm mood
    assert (changes.add, changes.remove, changes.lead, changes.mood) == ((), (), None, None)


@pytest.mark.parametrize("line", ["make it softer", "louder", "bring the drums back",
                                  "add drums", "turn it up", "more piano", "drop the drums",
                                  "the cello is too loud, drop it"])
def test_lines_that_are_not_about_one_part_s_level_keep_their_own_reading(line):
    assert read_changes(line).levels == ()


def test_several_edits_in_one_line_each_keep_their_reading():
    changes = read_changes("boost the piano and add a cello")
    assert (changes.levels, changes.add) == ((("piano", NORMAL),), ("cello",))


def spec_with(*parts: tuple[str, str, int]) -> Spec:
    request = Request(text="pop", mood="happy", moods=("happy",), style="pop", tempo_bpm=110,
                      key="C major", meter="4/4", instruments=("piano",), duration_s=10.0,
                      bars=None, stated=(), notes=())
    made = tuple(Part(role, name, 0, name == "drums", 40, 90, velocity)
                 for role, name, velocity in parts)
    return replace(make_spec(request, seed=1), parts=made)


def test_a_level_moves_the_named_parts_velocity_and_no_other():
    spec = spec_with(("lead", "piano", 80), ("comp", "piano", 70), ("drums", "drums", 80))
    quieter = balanced(spec, (("drums", -LOT),))
    assert [p.velocity for p in quieter.parts] == [80, 70, 80 - 2 * LEVEL_STEP]
    louder = balanced(spec, (("piano", LITTLE),))  # both piano parts
    assert [p.velocity for p in louder.parts] == [85, 75, 80]


def test_a_part_that_is_not_there_or_cannot_move_further_is_said_plainly():
    spec = spec_with(("lead", "piano", LEVELS[1]), ("drums", "drums", 80))
    with pytest.raises(RequestError, match="no saxophone in this piece to make louder"):
        balanced(spec, (("saxophone", NORMAL),))
    with pytest.raises(RequestError, match="already as loud"):
        balanced(spec, (("piano", NORMAL),))


def test_the_reply_names_the_balance_moved_and_not_a_mood_s_loudness():
    def parts(*velocities):
        return {"parts": [{"role": role, "instrument": name, "velocity": v} for (role, name), v
                          in zip((("lead", "piano"), ("comp", "piano"), ("drums", "drums")),
                                 velocities, strict=True)]}

    assert change_words(parts(80, 70, 80), parts(80, 70, 70)) == ["drums quieter"]
    assert change_words(parts(80, 70, 80), parts(90, 80, 80)) == ["piano louder"]
    assert change_words(parts(80, 70, 80), parts(60, 50, 60)) == []  # every part alike


def drum_and_other_levels(piece) -> tuple[float, float]:
    midi = pretty_midi.PrettyMIDI(str(piece.midi))
    drums = [n.velocity for t in midi.instruments if t.is_drum for n in t.notes]
    others = [n.velocity for t in midi.instruments if not t.is_drum for n in t.notes]
    return statistics.mean(drums), statistics.mean(others)


@pytest.mark.model
@pytest.mark.slow
def test_too_loud_drums_are_turned_down_and_everything_else_is_kept(composer, tmp_path):
    talk = Conversation(lambda job: composer.run(job, tmp_path), random.Random(5))
    assert talk.say("an upbeat pop song with piano and drums, 15 seconds").kind == "piece"
    before = talk.current.piece
    answer = talk.say("the drums are way too loud")
    assert answer.kind == "piece", answer.reply
    assert answer.reply == "v2 ← v1: drums quieter; same melody"
    assert answer.changed == {}
    after = answer.piece
    for name in ("key", "tempo_bpm", "meter", "style", "instruments", "bars", "melody_seed"):
        assert after.spec[name] == before.spec[name], name
    assert lead_line(after) == lead_line(before)
    drums_before, others_before = drum_and_other_levels(before)
    drums_after, others_after = drum_and_other_levels(after)
    assert drums_after < drums_before - LEVEL_STEP  # heard in the MIDI, not only promised
    assert others_after == pytest.approx(others_before, abs=1.0)
    missing = talk.say("make the trumpet louder")
    assert missing.kind == "error"
    assert "no trumpet" in missing.reply
