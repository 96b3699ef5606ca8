"""Issue 21: a line read against the conversation it is said in. Regret in words is an undo to
the version that had what the line misses, "put it back" after an undo is a redo, "them" and
"one" are the instruments just named, and "even more" repeats the last step."""

from __future__ import annotations

import pytest

from generation.job import Changes
from generation.request.recall import History, Past, recalled
from generation.request.turn import Turn
from generation.request.understand import understand


def spec(**values) -> dict:
    base = {"tempo_bpm": 100, "key": "C minor", "tonic": 0, "mode": "minor", "mood": "sad",
            "style": "classical", "instruments": ["piano"], "total_duration_s": 30.0,
            "meter": "4/4", "density": 0.5,
            "parts": [{"instrument": "piano", "role": "lead"}]}
    return base | values


def history(*specs: dict, undone: tuple[int, ...] = (), current: int | None = None,
            last: Changes | None = None, named: tuple[str, ...] = ()) -> History:
    """A straight line of versions v1 ← v2 ← ..., the last one current unless said."""
    versions = tuple(Past(n, n - 1 or None, s) for n, s in enumerate(specs, 1))
    return History(versions, current or len(versions), undone, last, named)


def read(line: str, past: History) -> Turn:
    return recalled(understand(line, has_piece=True).turn, line, past)


@pytest.mark.parametrize("line", [
    "the previous one was better",
    "hmm, the previous cue was better",
    "ugh no the one before was better",
    "the take before was better",
])
def test_regret_in_words_is_one_undo(line):
    turn = read(line, history(spec(), spec(tempo_bpm=120)))
    assert (turn.kind, turn.steps) == ("undo", 1)


def test_back_to_a_value_goes_back_to_the_version_that_had_it():
    # v1 in minor, v2 major, v3 faster: "back to minor" is two steps back, not a new edit
    major = {"mode": "major", "key": "C major"}
    past = history(spec(), spec(**major), spec(tempo_bpm=120, **major))
    turn = read("ugh. no. back to minor please", past)
    assert (turn.kind, turn.steps) == ("undo", 2)


def test_a_faster_version_was_better_means_the_faster_one():
    past = history(spec(tempo_bpm=140), spec(tempo_bpm=100))
    assert read("nah quicker was better go back", past).kind == "undo"


def test_back_to_a_value_no_version_had_is_an_edit():
    past = history(spec(), spec(tempo_bpm=120))
    turn = read("back to 90 bpm", past)
    assert turn.kind == "edit" and turn.changes.tempo_bpm == 90


def test_put_it_back_after_an_undo_is_a_redo():
    # v2 added the violin; the user undid it; "put the violin back" brings v2 back
    past = history(spec(), spec(instruments=["piano", "violin"]), current=1, undone=(2,))
    assert read("hmm actually, no, put the violin back", past).kind == "redo"


def test_bring_back_what_an_edit_removed_is_an_edit():
    past = history(spec(instruments=["piano", "drums"]), spec())
    turn = read("hmm, i miss them. bring the drums back", past)
    assert turn.kind == "edit" and turn.changes.add == ("drums",)


@pytest.mark.parametrize("line, names, kind", [
    ("maybe add one then", ("trumpet",), "add"),
    ("hmm ok add them", ("drums",), "add"),
    ("hmm, no, i need them back", ("drums",), "add"),
    ("the strings are weird. remove them", (), "remove"),
])
def test_them_and_one_are_the_instruments_just_named(line, names, kind):
    past = history(spec(instruments=["piano", "strings"]), named=names)
    turn = read(line, past)
    assert turn.kind == "edit"
    assert getattr(turn.changes, kind) == (names or ("strings",))


def test_even_more_repeats_the_last_step():
    past = history(spec(), spec(density=0.4), last=Changes(density=-0.15))
    turn = read("even fewer? i don't know", past)
    assert turn.kind == "edit" and turn.changes.density == -0.15


def test_undo_then_an_edit_stays_an_edit():
    turn = read("undo that and make it faster instead", history(spec(), spec(mode="major")))
    assert turn.kind == "edit" and turn.changes.tempo_factor


def test_no_to_what_was_just_added_is_an_undo():
    past = history(spec(), spec(instruments=["piano", "organ"]))
    assert read("no, not the organ", past).kind == "undo"


def test_down_again_after_going_up_is_an_undo():
    past = history(spec(), spec(tempo_bpm=115), last=Changes(tempo_factor=1.15))
    assert read("hmm, no, down again", past).kind == "undo"


def test_the_version_before_an_instrument_is_the_one_without_it():
    past = history(spec(), spec(total_duration_s=20.0),
                   spec(total_duration_s=20.0, instruments=["piano", "trumpet"]))
    turn = read("can i hear the version before the trumpet", past)
    assert (turn.kind, turn.steps) == ("undo", 1)


def test_preferring_an_earlier_lead_is_no_new_piece():
    lead = [{"instrument": "bassoon", "role": "lead"}]
    past = history(spec(instruments=["clarinet", "bassoon"],
                        parts=[{"instrument": "clarinet", "role": "lead"}]),
                   spec(instruments=["clarinet", "bassoon"], parts=lead))
    assert read("hm, no, i preferred the clarinet on the tune", past).kind == "undo"


def test_undo_then_the_value_the_version_before_had_is_that_undo():
    past = history(spec(total_duration_s=30.0), spec(total_duration_s=60.0))
    assert read("undo that, the 30 seconds was right", past).kind == "undo"


def test_back_to_a_version_named_by_what_it_had():
    past = history(spec(meter="7/8"), spec(), spec(tempo_bpm=120), spec(tempo_bpm=130))
    turn = read("go back to the 7/8 version", past)
    assert (turn.kind, turn.base) == ("goto", 1)


def test_undo_the_last_change_and_make_another_is_an_edit_of_the_version_before():
    # the version before was already minor: "make it minor" is no reason to call it an undo
    past = history(spec(), spec(instruments=["piano", "bass"]))
    turn = read("undo the bass n make it minor", past)
    assert (turn.kind, turn.base, turn.changes.mode) == ("edit", -1, "minor")


def test_undo_that_and_an_edit_said_as_an_order_stays_an_edit():
    past = history(spec(tempo_bpm=120), spec(tempo_bpm=100))
    turn = read("wait no undo that and make it faster actually", past)
    assert (turn.kind, turn.base) == ("edit", -1)


def test_maybe_not_an_instrument_is_an_edit():
    past = history(spec(), spec(instruments=["piano", "cello"]))
    assert read("maybe not the cello", past).kind == "edit"


def test_one_in_the_same_line_as_a_question_is_the_instrument_asked_about():
    turn = read("does it need a piano? maybe add one", history(spec(instruments=["cello"])))
    assert turn.kind == "edit" and turn.changes.add == ("piano",)
