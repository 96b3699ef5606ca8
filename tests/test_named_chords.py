"""Chords the user names are the chords they hear: read in every usual spelling, looped over
the piece, voiced exactly by the arranger, kept by edits, and read back from the MIDI."""

from __future__ import annotations

import random

import pytest

from generation import Composer, Conversation, parse_request
from generation.chords import canonical, key_of, read_numeral, read_symbol, resolve
from generation.job import Job
from generation.music.spec import Spec
from generation.request.chords import read_progression
from generation.request.slots import Text
from generation.tools.chords_heard import heard
from models.core.harmony import Chord


@pytest.fixture(scope="module")
def composer():
    return Composer()


@pytest.fixture(scope="module")
def parse():
    return parse_request


def bars_of(text: str):
    found = read_progression(Text.of(text))
    return None if found is None else [list(bar) for bar in found.bars]


@pytest.mark.parametrize("symbol, read", [
    ("Am7", (9, "min7", None, None)), ("F#m7b5", (6, "hdim7", None, None)),
    ("Bbmaj7", (10, "maj7", None, None)), ("G/B", (7, "maj", 11, None)),
    ("Csus4", (0, "sus4", None, None)), ("Eadd9", (4, "add9", None, None)),
    ("Dbdim7", (1, "dim7", None, None)), ("C+", (0, "aug", None, None)),
    ("Ebm6", (3, "min6", None, None)), ("AbΔ7", (8, "maj7", None, None)),
    ("Bø7", (11, "hdim7", None, None)), ("C7#9", (0, "dom7", None, "7#9")),
    ("E5", (4, "power", None, None)), ("Cm(maj7)", (0, "minmaj7", None, None)),
])
def test_chord_symbols_in_the_usual_spellings(symbol, read):
    assert read_symbol(symbol) == read


def test_canonical_names_and_numerals_in_the_key():
    assert [canonical(n) for n in ("Amin7", "CM7", "G/G", "Dmi", "F♯m")] == \
        ["Am7", "Cmaj7", "G", "Dm", "F#m"]
    assert read_numeral("V7", "minor") == Chord(7, "dom7")
    assert read_numeral("iiø7", "minor") == Chord(2, "hdim7")
    assert read_numeral("bVII", "major") == Chord(10, "maj")
    assert read_numeral("vi", "major") == Chord(9, "min")
    assert resolve("D/F#", 7, "major") == Chord(7, "maj", 11)  # in G: V over its third


@pytest.mark.parametrize("text, bars", [
    ("calm piano in C minor, 8 bars, chord progression Cm G Cm Fm",
     [["Cm"], ["G"], ["Cm"], ["Fm"]]),
    ("Am - F - C - G", [["Am"], ["F"], ["C"], ["G"]]),
    ("| Dm7 G7 | Cmaj7 |", [["Dm7", "G7"], ["Cmaj7"]]),
    ("a jazz tune on a ii–V–I", [["ii"], ["V"], ["I"]]),
    ("The chord sequence of Bb, C, and Gm adds to its character", [["Bb"], ["C"], ["Gm"]]),
    ("chords: F#m7b5 B7 Em Em, two chords per bar", [["F#m7b5", "B7"], ["Em", "Em"]]),
    ("sad strings, chords Dm Bb, each chord for two bars", [["Dm"], ["Dm"], ["Bb"], ["Bb"]]),
    ("G/B C D/F# Em", [["G/B"], ["C"], ["D/F#"], ["Em"]]),
    ("un vals con los acordes Am Dm E7", [["Am"], ["Dm"], ["E7"]]),
    ("Akkorde: C G Am F", [["C"], ["G"], ["Am"], ["F"]]),
])
def test_progressions_are_found_in_requests(text, bars):
    assert bars_of(text) == bars


@pytest.mark.parametrize("text", [
    "calm piano in D minor", "Cmaj7 vibes", "in C, G and D", "A calm piece, then E",
    "with chords Am to C major", "I want a happy tune", "a song for Amy in E",
])
def test_ordinary_words_are_not_chords(text):
    assert bars_of(text) is None


def test_the_12_bar_blues_is_the_form_not_the_length(parse):
    request = parse("the 12-bar blues in A minor")
    assert request.style == "blues" and "length" not in request.stated
    assert [bar[0] for bar in request.chords][:5] == ["i7", "i7", "i7", "i7", "iv7"]


@pytest.mark.parametrize("names, key", [
    ("Am F C G", (9, "minor")), ("C G Am F", (0, "major")), ("Dm7 G7 Cmaj7", (0, "major")),
    ("Bb C Gm", (7, "minor")), ("A7 D7 E7", (9, "major")), ("Cm G Cm Fm", (0, "minor")),
])
def test_an_unsaid_key_is_the_one_the_chords_imply(names, key):
    assert key_of(names.split()) == key


def test_parse_says_what_it_read_and_what_it_could_not_play_exactly(parse):
    request = parse("in C major: chords C E7 Am F, then C7#9")
    assert request.key == "C major" and "chords" in request.stated
    assert request.chords[:2] == (("C",), ("E7",))
    assert any("E7" in note and "outside C major" in note for note in request.notes)
    assert any("played C7 for C7#9" in note for note in request.notes)
    inferred = parse("Am - F - C - G on guitar")
    assert inferred.key == "A minor" and "key" not in inferred.stated
    assert parse("calm piano in D minor").to_json()["chords"] == []


CASES = [
    "calm piano in C minor, 8 bars, chord progression Cm G Cm Fm",
    "jazz in Bb, chords | Cm7 F7 | Bbmaj7 | Gm7 C7 | Fmaj7 |",
    "a waltz in 3/4 with the chords Am Dm E7 Am",
    "baroque harpsichord, chords C G/B Am Em/G F C/E Dm G",
    "the 12-bar blues in E",
    "lofi chords Dm9 G13 Cmaj7 A7b9",
]


def test_named_chords_are_heard_in_the_accompaniment(composer, tmp_path):
    spans = []
    for index, text in enumerate(CASES):
        piece = composer.run(Job(text=text, seed=11 + index), tmp_path)
        found = heard(piece.midi, Spec.from_json(piece.spec))
        assert sum(ok for _, _, ok in found) >= 0.9 * len(found), (text, found)
        spans += found
    assert sum(ok for _, _, ok in spans) >= 0.95 * len(spans)


def test_the_progression_is_looped_and_listed_in_the_answer(composer, tmp_path):
    piece = composer.run(Job(text="calm piano in C minor, 8 bars, chord progression "
                                  "Cm G Cm Fm", seed=3), tmp_path)
    assert list(piece.chords) == ["Cm", "G", "Cm", "Fm"] * 2
    assert any("ends on Fm" in note for note in piece.notes)  # 8 bars end on Fm: said so
    unstated = composer.run(Job(text="folk guitar, chords Am F C G", seed=3), tmp_path)
    assert unstated.chords[-1] == "Am" and len(unstated.chords) % 4 == 1  # home at the end
    two = composer.run(Job(text="smooth jazz | Dm7 G7 | Cmaj7 |", seed=3), tmp_path)
    assert two.chords[:2] == ("Dm7 G7", "Cmaj7")


def test_edits_keep_the_named_chords_and_move_them_with_the_key(composer, tmp_path):
    talk = Conversation(lambda job: composer.run(job, tmp_path), random.Random(5))
    first = talk.say("folk guitar in A minor, chords Am F C G")
    assert first.piece.chords[:4] == ("Am", "F", "C", "G")
    up = talk.say("up a whole step")
    assert up.piece.chords[:4] == ("Bm", "G", "D", "A")
    sadder = talk.say("sadder and slower")
    assert sadder.piece.chords[:4] == ("Bm", "G", "D", "A")
