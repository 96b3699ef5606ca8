"""Each instrument of the vocabulary as General MIDI sees it: program, range, what it can play."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    name: str
    program: int  # General MIDI program 0..127 (ignored for drums)
    low: int  # lowest comfortable MIDI pitch
    high: int  # highest comfortable MIDI pitch
    chordal: bool = False  # can comp chords on its own
    sustained: bool = False  # holds notes (bowed, blown, pads) rather than decaying
    is_drum: bool = False


def _i(name, program, low, high, chordal=False, sustained=False, is_drum=False) -> Instrument:
    return Instrument(name, program, low, high, chordal, sustained, is_drum)


# Name (the vocabulary's INSTRUMENTS) → its General MIDI program, range and playing style.
BY_NAME: dict[str, Instrument] = {i.name: i for i in (
    _i("piano", 0, 21, 108, chordal=True),
    _i("electric piano", 4, 28, 103, chordal=True),
    _i("harpsichord", 6, 29, 89, chordal=True),
    _i("celesta", 8, 60, 108, chordal=True),
    _i("music box", 10, 60, 96, chordal=True),
    _i("vibraphone", 11, 53, 89, chordal=True),
    _i("marimba", 12, 45, 96, chordal=True),
    _i("organ", 19, 36, 96, chordal=True, sustained=True),
    _i("accordion", 21, 41, 89, chordal=True, sustained=True),
    _i("harmonica", 22, 60, 84, sustained=True),
    _i("guitar", 24, 40, 83, chordal=True),
    _i("electric guitar", 27, 40, 86, chordal=True),
    _i("bass", 33, 28, 55),
    _i("violin", 40, 55, 96, sustained=True),
    _i("viola", 41, 48, 84, sustained=True),
    _i("cello", 42, 36, 76, sustained=True),
    _i("contrabass", 43, 28, 55, sustained=True),
    _i("harp", 46, 24, 103, chordal=True),
    _i("strings", 48, 36, 96, chordal=True, sustained=True),
    _i("choir", 52, 48, 79, chordal=True, sustained=True),
    _i("timpani", 47, 40, 55),
    _i("trumpet", 56, 55, 82, sustained=True),
    _i("trombone", 57, 40, 72, sustained=True),
    _i("horn", 60, 41, 77, sustained=True),
    _i("brass", 61, 41, 82, chordal=True, sustained=True),
    _i("saxophone", 65, 49, 81, sustained=True),
    _i("oboe", 68, 58, 91, sustained=True),
    _i("bassoon", 70, 34, 72, sustained=True),
    _i("clarinet", 71, 50, 91, sustained=True),
    _i("flute", 73, 60, 96, sustained=True),
    _i("recorder", 74, 60, 96, sustained=True),
    _i("pan flute", 75, 60, 96, sustained=True),
    _i("synth lead", 80, 48, 96, sustained=True),
    _i("synth pad", 89, 36, 96, chordal=True, sustained=True),
    _i("sitar", 104, 48, 84),
    _i("koto", 107, 48, 91, chordal=True),
    _i("erhu", 110, 55, 91, sustained=True),  # GM fiddle: nearest bowed folk timbre
    _i("guzheng", 107, 36, 96, chordal=True),  # GM koto: the nearest plucked zither
    _i("pipa", 105, 45, 88),  # GM banjo: the nearest bright plucked lute
    _i("drums", 0, 35, 81, is_drum=True),
)}

BASS_INSTRUMENTS = ("bass", "contrabass", "cello", "bassoon", "trombone")


def instrument(name: str) -> Instrument:
    return BY_NAME[name]
