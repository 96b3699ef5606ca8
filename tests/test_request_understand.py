"""Issue 21: lines the exact readers missed are understood, an unsure line is asked about,
every part of a combined sentence is read, and named ensembles are the whole band."""

from __future__ import annotations

import pytest

from generation.request.changes import read_changes
from generation.request.ensembles import ENSEMBLES
from generation.request.turn import Turn
from generation.request.understand import picked, understand


@pytest.mark.parametrize("line, expected", [
    ("push it up to 132", {"tempo_bpm": 132}),
    ("speed it up to 90", {"tempo_bpm": 90}),  # a number wins over the relative verb
    ("shorter, 20 seconds", {"duration_s": 20.0}),  # the length asked, not a step
    ("make it minor and sadder", {"mode": "minor", "mood": "sad"}),
    ("sparser", {"density": -0.15}),
    ("not so busy", {"density": -0.15}),
    ("fill it out", {"density": 0.15}),
    ("20% faster", {"tempo_factor": 1.2}),
    ("up one tone please", {"transpose": 2}),  # counted steps, the direction anywhere
    ("make higher, a fourth", {"transpose": 5}),
    ("down two half tones", {"transpose": -2}),
    ("up two tones", {"transpose": 4}),
    ("higher, like an octave", {"transpose": 12}),
    ("more slow please", {"tempo_factor": 0.8696}),  # a learner's comparatives
    ("more long please", {"length_factor": 1.5}),
    # bpm said as a step from the tempo: added to it, not read as the tempo itself
    ("10 bpm faster", {"tempo_step": 10}),
    ("take it down by 20 bpm", {"tempo_step": -20}),
    ("slow it down by 15 bpm", {"tempo_step": -15}),
    ("speed it up by 12", {"tempo_step": 12}),
    ("bring the tempo down by 10", {"tempo_step": -10}),
    ("+8 bpm", {"tempo_step": 8}),
    ("up by 3", {}),  # no word of tempo: not a tempo step
])
def test_every_part_of_a_sentence_exactly(line, expected):
    assert {k: v for k, v in read_changes(line).to_json().items()
            if k != "mood_amount"} == expected


@pytest.mark.parametrize(("step", "bpm"), [(-20, 80), (10, 110), (-90, 40)])
def test_a_tempo_step_moves_this_piece_s_tempo_by_that_many_bpm(step, bpm):
    from generation.job import Changes, Request
    from generation.music.revise import revise
    from generation.music.spec import make_spec

    base = make_spec(Request(text="calm piano", mood="calm", moods=("calm",), style="classical",
                             tempo_bpm=100, key="D minor", meter="4/4", instruments=("piano",),
                             duration_s=30.0, bars=None, stated=("tempo",), notes=()), seed=1)
    assert base.tempo_bpm == 100
    assert revise(base, Changes(tempo_step=step)).tempo_bpm == bpm  # 40 bpm is the floor


@pytest.mark.parametrize("text, names", [
    ("a jazz piano trio", {"piano", "acoustic bass", "drums"}),
    ("a string quartet in G", {"violin", "viola", "cello"}),
    ("a wind quintet", {"flute", "oboe", "clarinet", "horn", "bassoon"}),
    ("a brass quintet fanfare", {"trumpet", "horn", "trombone", "tuba"}),
])
def test_a_named_ensemble_is_the_whole_band(text, names):
    from generation.music.spec import make_spec
    from generation.request.parse import parse_request

    request = parse_request(text)
    assert request.whole_band
    assert {p.instrument for p in make_spec(request, 1).parts} == names


@pytest.mark.parametrize("style", ["rock", "jazz", "pop"])
def test_a_style_edit_of_a_named_ensemble_adds_no_rhythm_section(style):
    from generation.job import Changes
    from generation.music.revise import revise
    from generation.music.spec import Spec, make_spec
    from generation.request.parse import parse_request

    quartet = make_spec(parse_request("a string quartet in G"), 1)
    again = Spec.from_json(quartet.to_json())  # as an edit finds it in the stored piece
    edited = revise(again, Changes(style=style))
    assert edited.style == style
    assert {p.instrument for p in edited.parts} == {"violin", "viola", "cello"}
    twice = revise(edited, Changes(style="blues"))  # and after one more edit
    assert {p.instrument for p in twice.parts} == {"violin", "viola", "cello"}


def test_a_solo_gets_no_accompaniment_and_an_open_band_says_what_was_added():
    from generation.music.spec import make_spec
    from generation.request.parse import parse_request

    assert [p.instrument for p in make_spec(parse_request("a violin solo"), 1).parts] == \
        ["violin"]
    rock = make_spec(parse_request("a rock song with a sax"), 1)
    assert "saxophone" in {p.instrument for p in rock.parts} and len(rock.parts) > 1
    assert any("added" in note for note in rock.notes)


def test_the_ensembles_musicians_name_are_all_known():
    for phrase in ("jazz piano trio", "piano trio", "string quartet", "string trio",
                   "power trio", "rock band", "big band", "brass quintet", "wind quintet",
                   "organ trio", "horn section", "rhythm section", "chamber orchestra"):
        assert phrase in ENSEMBLES


@pytest.mark.parametrize("line, expected", [
    ("throw a trumpet on it", {"add": ("trumpet",)}),
    ("bring the bass back", {"add": ("bass",)}),
    ("slap some cello on there", {"add": ("cello",)}),
])
def test_loose_verbs_are_edits_not_help(line, expected):
    reading = understand(line, has_piece=True)
    assert reading.turn.kind == "edit" and reading.turn.changes.to_json() == expected


@pytest.mark.model
@pytest.mark.parametrize("line, expected", [
    ("drop it an octave", {"transpose": -12}),  # the reader says which kind, the line how far
    ("pitch it down 3", {"transpose": -3}),
    ("drop it to F", {"tonic": "F"}),
    ("put it in four", {"meter": "4/4"}),
    ("the outro's weak, rewrite it", {"rewrite": "ending"}),
    ("add bones", {"add": ("trombone",)}),  # what players call them
    ("tenor on the melody", {"lead": "saxophone"}),
    ("Add a recorder on the top line.", {"add": ("recorder",), "lead": "recorder"}),
    ("add a cello under the melody", {"add": ("cello",)}),  # under it: not the melody
])
def test_loosely_said_values_are_found(line, expected):
    reading = understand(line, has_piece=True)
    assert reading.turn.kind == "edit" and reading.turn.changes.to_json() == expected


@pytest.mark.model
def test_back_to_the_original_is_the_first_version():
    reading = understand("go back to the original", has_piece=True)
    assert (reading.turn.kind, reading.turn.base) == ("goto", 1)


@pytest.mark.parametrize("line", ["ugh no, revert that", "the previous one was better"])
def test_regret_is_an_undo(line):
    assert understand(line, has_piece=True).turn.kind == "undo"


def test_a_bare_instrument_is_asked_about_and_the_answer_picks_a_choice():
    reading = understand("trumpet", has_piece=True)
    assert reading.turn.kind == "ask" and len(reading.choices) == 2
    assert picked("2", reading.choices).changes.lead == "trumpet"
    assert picked("add it, keep the harp", reading.choices).changes.add == ("trumpet",)
    assert picked("the melody", reading.choices).changes.lead == "trumpet"
    assert picked("what key is it in?", reading.choices) is None


def test_a_line_that_names_its_own_instrument_is_not_an_answer():
    choices = (("add a trumpet", Turn("edit")), ("give the trumpet the melody", Turn("edit")))
    assert picked("add a flute instead", choices) is None


@pytest.mark.model
def test_gibberish_moves_nothing_and_a_length_is_not_also_a_tempo():
    assert understand("asdfgh", has_piece=True).turn.kind in ("unknown", "help")
    assert understand("halb so lang", has_piece=True).turn.changes.to_json() == {
        "length_factor": 0.5}


@pytest.mark.model
@pytest.mark.parametrize("line, has_piece, kind", [
    ("something for a rainy afternoon... i don't know, piano and cello?", False, "new"),
    ("is it too loud? maybe take the drums out", True, "edit"),  # ends on what it asks
    ("is there a bass in it?", True, "question"),
    ("does it have drums?", True, "question"),
])
def test_a_request_said_as_a_question(line, has_piece, kind):
    assert understand(line, has_piece=has_piece).turn.kind == kind


@pytest.mark.parametrize("line, expected", [
    ("faster, 140", {"tempo_bpm": 140}),  # a number beside a relative word wins
    ("slower, like 110", {"tempo_bpm": 110}),
    ("keep it but 10 bpm slower", {"tempo_step": -10}),  # an offset is a step, no target
    ("bit faster then", {"tempo_factor": 1.07}),  # amount words said apart from their word
    ("hmm slower, maybe a bit", {"tempo_factor": 0.9346}),
    ("sadder? just slightly", {"mood": "sad", "mood_amount": 0.5}),
    ("hmm, faster? a lot faster?", {"tempo_factor": 1.35}),
    ("add a quiet cello", {"add": ["cello"]}),  # describing words before the instrument
    ("add a very quiet string pad underneath", {"add": ["strings"]}),
    ("add a vibraphone lead", {"add": ["vibraphone"], "lead": "vibraphone"}),
    ("give the tune to the bassoon", {"lead": "bassoon"}),
    ("cello lead pls", {"lead": "cello"}),
    ("add drumz", {"add": ["drums"]}),  # names typed in a hurry
    ("add elec guitar", {"add": ["electric guitar"]}),
])
def test_writers_phrasings_read_exactly(line, expected):
    turn = understand(line, has_piece=True).turn
    assert turn.kind == "edit"
    got = {k: list(v) if isinstance(v, tuple) else v for k, v in
           turn.changes.to_json().items() if k != "mood_amount" or "mood" in expected}
    assert got == expected


@pytest.mark.parametrize("line, topic", [
    ("is it in 3/4 right now?", "meter"),
    ("nice, what key is that", "key"),  # the question after a word of praise
    ("is that too slow? what's the tempo", "tempo"),
    ("hmm is it sad? it doesn't feel sad", "mood"),  # a question, then what is heard
    ("i think it's too long? how long is it", "length"),
    ("maybe drums? does it have drums", "instruments"),
    ("whats the time sig", "meter"),
])
def test_questions_said_around_other_words_are_answered(line, topic):
    turn = understand(line, has_piece=True).turn
    assert (turn.kind, turn.topic) == ("question", topic)


@pytest.mark.parametrize("line", ["sounds great", "perf", "good for now",
                                  "perfect, locking this one", "i think it's good now?",
                                  "hmm i don't know. that's fine", "lmaooo"])
def test_a_verdict_is_small_talk_not_help(line):
    assert understand(line, has_piece=True).turn.kind == "smalltalk"


@pytest.mark.parametrize("text, bpm", [("pop song happy 110", 110),
                                       ("techno 135 dark electronic", 135),
                                       ("ambient synth pad thing super slow like 60", 60)])
def test_a_bare_number_in_a_request_is_its_tempo(text, bpm):
    from generation.request.parse import parse_request

    assert parse_request(text).tempo_bpm == bpm


@pytest.mark.parametrize("line, expected", [
    ("could the timpani go? i'm not sure about it", {"remove": ["timpani"]}),
    ("hmm maybe add something else... a flute?", {"add": ["flute"]}),  # no new piece
    ("maybe a music box along with it? or would it clash", {"add": ["music box"]}),
    ("the viola... could it be a clarinet instead? hmm", {"swap": [["viola", "clarinet"]]}),
    ("swap trombone w bassoon", {"swap": [["trombone", "bassoon"]]}),
    ("keep the strings but lose the drums", {"remove": ["drums"]}),
    ("bring the tension way down", {"mood": "calm", "mood_amount": 0.5}),
    ("tone down the epic", {"mood": "calm", "mood_amount": 0.5}),
    ("ok and sad now", {"mood": "sad"}),
])
def test_instruments_and_moods_said_loosely(line, expected):
    turn = understand(line, has_piece=True).turn
    assert turn.kind == "edit"
    got = {k: [list(p) for p in v] if k == "swap" else list(v) if isinstance(v, tuple) else v
           for k, v in turn.changes.to_json().items()
           if k != "mood_amount" or "mood_amount" in expected}
    assert got == expected


@pytest.mark.parametrize("line, expected", [
    ("parallel minor", {"mode": "minor"}),  # the same tonic, not the relative key
    ("take it up a half step higher", {"transpose": 1}),
    ("slow to 120", {"tempo_bpm": 120}),
    ("cut it to exactly 35", {"duration_s": 35.0}),
    ("longer loop, double it", {"length_factor": 2.0}),
    ("waltz time", {"meter": "3/4"}),
])
def test_values_said_the_way_writers_say_them(line, expected):
    turn = understand(line, has_piece=True).turn
    assert turn.kind == "edit"
    assert {k: v for k, v in turn.changes.to_json().items() if k in expected} == expected
    assert not {k for k in turn.changes.to_json() if k not in expected} - {"mood_amount"}


def test_a_version_named_with_a_number_word_is_gone_to():
    turn = understand("go back to phase two, version 2", has_piece=True).turn
    assert (turn.kind, turn.base) == ("goto", 2)


@pytest.mark.parametrize("line, expected", [
    ("add a glockenspiel... no, make that celesta", {"add": ["celesta"]}),  # corrected
    ("add a piano, sparse", {"add": ["piano"]}),  # how the piano plays, not the density
])
def test_what_an_added_instrument_is_said_to_be(line, expected):
    turn = understand(line, has_piece=True).turn
    assert {k: list(v) for k, v in turn.changes.to_json().items() if k != "mood_amount"} \
        == expected


@pytest.mark.parametrize("line, expected", [
    ("oh lol theres no trumpet. remove flute then", {"remove": ["flute"]}),  # heard, not asked
    ("hmm, could the vibraphone be replaced by a marimba? or no",
     {"swap": [["vibraphone", "marimba"]]}),
])
def test_what_is_heard_is_not_what_is_asked(line, expected):
    turn = understand(line, has_piece=True).turn
    got = {k: [list(p) for p in v] if k == "swap" else list(v)
           for k, v in turn.changes.to_json().items() if k != "mood_amount"}
    assert got == expected
