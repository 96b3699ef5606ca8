"""Each instrument of the vocabulary as General MIDI sees it: program, range, what it can play.

The 40 family names come first (with the programs and ranges they have always had), then the
rest of the 128 General MIDI programs by their vocabulary names, then the drum kits.
"""

from __future__ import annotations

from dataclasses import dataclass

from generation.vocab import DRUM_KITS, GM_NAMES


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

# The rest of the General MIDI set: program → (lowest, highest comfortable pitch, how it
# plays: c chordal, s sustained). Ranges are the instrument's written compass, narrowed to
# where it sounds well in the FluidR3 General MIDI SoundFont.
_GM_PLAYING = {
    1: (21, 108, "c"), 2: (28, 103, "c"), 3: (28, 103, "c"), 5: (28, 103, "c"),
    7: (36, 96, "c"),
    9: (72, 108, "c"), 13: (65, 108, "c"), 14: (60, 77, ""), 15: (48, 96, "c"),
    16: (36, 96, "cs"), 17: (36, 96, "cs"), 18: (36, 96, "cs"), 20: (36, 89, "cs"),
    23: (41, 89, "cs"),
    25: (40, 83, "c"), 26: (40, 84, "c"), 28: (40, 76, "c"), 29: (40, 86, "c"),
    30: (40, 86, "c"), 31: (52, 88, ""),
    32: (28, 55, ""), 34: (28, 55, ""), 35: (28, 55, ""), 36: (28, 55, ""), 37: (28, 55, ""),
    38: (24, 55, ""), 39: (24, 55, ""),
    44: (36, 96, "cs"), 45: (36, 96, "c"),
    49: (36, 96, "cs"), 50: (36, 96, "cs"), 51: (36, 96, "cs"), 53: (48, 79, "cs"),
    54: (48, 84, "cs"), 55: (48, 84, "c"),
    58: (28, 58, "s"), 59: (55, 82, "s"), 62: (36, 96, "cs"), 63: (36, 96, "cs"),
    64: (56, 88, "s"), 66: (44, 76, "s"), 67: (36, 69, "s"), 69: (52, 81, "s"),
    72: (74, 108, "s"), 76: (60, 84, "s"), 77: (55, 84, "s"), 78: (72, 96, "s"),
    79: (60, 84, "s"),
    **{program: (48, 96, "s") for program in range(81, 87)}, 87: (36, 84, "s"),
    **{program: (36, 96, "cs") for program in (88, *range(90, 104))},
    105: (48, 84, "c"), 106: (50, 79, ""), 108: (60, 84, "c"), 109: (55, 77, "s"),
    110: (55, 96, "s"), 111: (55, 84, "s"),
    112: (72, 96, ""), 113: (60, 72, ""), 114: (52, 76, "c"), 115: (60, 72, ""),
    116: (36, 60, ""), 117: (40, 64, ""), 118: (40, 64, ""), 119: (48, 72, "s"),
    **{program: (48, 72, "") for program in range(120, 128)}, 123: (60, 84, ""),
}
for _program, (_low, _high, _how) in _GM_PLAYING.items():
    _name = GM_NAMES[_program]
    BY_NAME[_name] = _i(_name, _program, _low, _high, "c" in _how, "s" in _how)
for _name, _program in DRUM_KITS.items():
    BY_NAME.setdefault(_name, _i(_name, _program, 35, 81, is_drum=True))

# Instruments that take the bass line when named after the lead.
BASS_INSTRUMENTS = ("bass", "contrabass", "cello", "bassoon", "trombone", *GM_NAMES[32:40],
                    "tuba", "baritone saxophone", "bass + lead")
# Instruments that play bass lines only: they never take the melody while another can.
BASS_LINES = (*GM_NAMES[32:40], "tuba")


def instrument(name: str) -> Instrument:
    return BY_NAME[name]


def gm_name(program: int) -> str:
    """The vocabulary's name of a General MIDI program (0..127)."""
    return GM_NAMES[program]
