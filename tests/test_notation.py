"""The notation stage's parts on tiny inputs: values, spelling, voices, drums, the file."""

from __future__ import annotations

import pretty_midi
import pytest

from generation.notation.rhythm import written
from generation.notation.spelling import Speller
from generation.notation.voices import Event, bars_of, drum_events, events_of, split_voices

NAMES = {-2: "bb", -1: "b", 0: "", 1: "#", 2: "x"}


def name(speller: Speller, midi_pitch: int) -> str:
    step, alter, octave = speller.spell(midi_pitch)
    return f"{step}{NAMES[alter]}{octave}"


@pytest.mark.parametrize(("start", "length", "meter", "values"), [
    (0, 48, (4, 4), [48]),  # a whole note
    (0, 18, (4, 4), [18]),  # a dotted quarter on the beat
    (6, 12, (4, 4), [6, 6]),  # a quarter on the "and" is two tied eighths: beat two shows
    (0, 30, (4, 4), [24, 6]),  # half tied to an eighth
    (0, 36, (6, 8), [36]),  # the whole bar of 6/8
    (6, 12, (6, 8), [12]),  # eighth-quarter inside the dotted-quarter beat
    (12, 12, (6, 8), [6, 6]),  # but not across it
    (0, 54, (9, 8), [36, 18]),
    (0, 4, (4, 4), [4]),  # an eighth triplet
    (0, 60, (5, 4), [48, 12]),
])
def test_written_values_show_the_beat(start, length, meter, values):
    assert written(start, length, meter) == values
    assert sum(values) == length


@pytest.mark.parametrize(("key", "midi_pitches", "names"), [
    ("Eb major", [63, 68, 70, 62, 64], ["Eb4", "Ab4", "Bb4", "D4", "E4"]),  # E natural, not Fb
    ("D minor", [61, 70, 71, 62], ["C#4", "Bb4", "B4", "D4"]),  # raised 7th and 6th
    ("F# major", [65, 70, 61, 62], ["E#4", "A#4", "C#4", "D4"]),
    ("Db major", [61, 66, 68, 60], ["Db4", "Gb4", "Ab4", "C4"]),
    ("C major", [61, 63, 66, 70], ["C#4", "Eb4", "F#4", "Bb4"]),
    ("B major", [63, 68, 60], ["D#4", "G#4", "C4"]),  # C natural, not B#
    ("G dorian", [70, 64, 66], ["Bb4", "E4", "F#4"]),
])
def test_notes_are_named_in_their_key(key, midi_pitches, names):
    tonic, mode = key.split()
    speller = Speller(tonic, mode)
    assert [name(speller, p) for p in midi_pitches] == names


@pytest.mark.parametrize(("key", "fifths"), [
    ("C major", 0), ("Eb major", -3), ("F# major", 6), ("Db major", -5), ("D minor", -1),
    ("C# minor", 4), ("Bb minor", -5), ("G dorian", -1), ("D mixolydian", 1), ("E phrygian", 0),
])
def test_key_signatures(key, fifths):
    tonic, mode = key.split()
    assert Speller(tonic, mode).fifths == fifths


def track(*notes: tuple[int, float, float]) -> pretty_midi.Instrument:
    """(pitch, start, end) in seconds; at 60 bpm a second is a quarter note."""
    part = pretty_midi.Instrument(0)
    part.notes = [pretty_midi.Note(80, p, s, e) for p, s, e in notes]
    return part


def test_a_chord_is_one_event_and_a_held_note_under_it_a_second_voice():
    events = events_of(track((48, 0, 4), (60, 0, 1), (64, 0, 1), (60, 1, 2), (64, 1, 2)),
                       60, 48)
    assert Event(0, 12, (60, 64)) in events
    voices = split_voices(events)
    assert len(voices) == 2
    assert [e.pitches for e in voices[1]] == [(48,)]


def test_an_arranger_s_95_percent_note_is_written_at_its_value():
    assert events_of(track((60, 0, 0.95)), 60, 48) == [Event(0, 12, (60,))]


def test_melody_legato_is_undone_but_never_past_the_next_note():
    melody = track((60, 0, 0.6), (62, 1, 1.3), (64, 1.5, 1.8))
    events = events_of(melody, 60, 48, legato=0.6)
    assert [(e.start, e.length) for e in events] == [(0, 12), (12, 6), (18, 6)]


def test_swung_eighths_are_written_straight():
    # swing 1/3: the off-beat eighth sounds at 2/3 of the beat, its full value from there
    # (to 7/6) or cut at the next beat
    swung = track((60, 0, 0.5), (62, 2 / 3, 7 / 6), (64, 1, 1.5), (65, 5 / 3, 2.0))
    events = events_of(swung, 60, 48, swing=1 / 3)
    assert [(e.start, e.length) for e in events] == [(0, 6), (6, 6), (12, 6), (18, 6)]


def test_a_note_across_the_bar_line_is_tied():
    rows = bars_of([Event(36, 24, (60,))], (4, 4), 2)  # beat four to the next bar's beat two
    first, second = rows
    assert [(w.start, w.length, w.tie_out) for w in first if w.pitches] == [(36, 12, True)]
    assert [(w.start, w.length, w.tie_in) for w in second if w.pitches] == [(0, 12, True)]
    assert sum(w.length for w in first) == sum(w.length for w in second) == 48  # rests fill


def test_drums_are_hands_above_and_feet_below():
    kit = pretty_midi.Instrument(0, is_drum=True)
    kit.notes = [pretty_midi.Note(100, p, s, s + 0.1) for p, s in
                 ((36, 0), (42, 0), (42, 0.5), (38, 1), (42, 1), (36, 2.5))]
    hands, feet = drum_events(kit, 60, 48, frozenset({36}))
    assert [(e.start, e.pitches) for e in hands] == [(0, (42,)), (6, (42,)), (12, (38, 42))]
    assert [(e.start, e.length, e.pitches) for e in feet] == [(0, 12, (36,)), (30, 6, (36,))]


def test_a_piece_cut_short_of_its_last_bar_line_ends_on_its_chord():
    # 4/4 at 60 bpm, two bars (96 ticks); the piece stops at 7.25 beats, its last chord
    # struck on beat one of bar two
    chords = track((60, 0, 4), (64, 0, 4), (62, 4, 7.25), (65, 4, 7.25))
    events = events_of(chords, 60, 96, bar=48)
    assert events[-1] == Event(48, 48, (62, 65))
    assert events[0] == Event(0, 48, (60, 64))  # what ends earlier keeps its value


@pytest.mark.parametrize("meter_text", ["4/4", "5/4", "7/4"])
def test_eighths_are_beamed_by_the_beat_in_quarter_meters(meter_text):
    from generation.notation.score import _beams

    beats = int(meter_text.split("/")[0])
    beams = _beams(meter_text, ((6, True),) * (2 * beats))
    assert [b[0][0] for b in beams] == ["start", "stop"] * beats
