"""General MIDI drums as a drummer reads them on a five-line staff.

Positions follow the common drum-set legend (Weinberg's *Guide to Standardized Drumset
Notation*): kick in the bottom space, snare on the third space, toms around it, cymbals above
the staff with cross noteheads; the feet (kick, pedal hi-hat) are the lower voice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Drum:
    name: str
    step: str  # where it sits on the staff, as a treble-clef note
    octave: int
    notehead: str  # MusicXML notehead value
    feet: bool = False


KIT: dict[int, Drum] = {
    35: Drum("Acoustic Bass Drum", "F", 4, "normal", feet=True),
    36: Drum("Bass Drum", "F", 4, "normal", feet=True),
    37: Drum("Side Stick", "C", 5, "x"),
    38: Drum("Snare", "C", 5, "normal"),
    39: Drum("Hand Clap", "C", 5, "slash"),
    40: Drum("Electric Snare", "C", 5, "normal"),
    41: Drum("Low Floor Tom", "G", 4, "normal"),
    42: Drum("Closed Hi-Hat", "G", 5, "x"),
    43: Drum("High Floor Tom", "A", 4, "normal"),
    44: Drum("Pedal Hi-Hat", "D", 4, "x", feet=True),
    45: Drum("Low Tom", "B", 4, "normal"),
    46: Drum("Open Hi-Hat", "G", 5, "circle-x"),
    47: Drum("Low-Mid Tom", "D", 5, "normal"),
    48: Drum("Hi-Mid Tom", "D", 5, "normal"),
    49: Drum("Crash Cymbal", "A", 5, "x"),
    50: Drum("High Tom", "E", 5, "normal"),
    51: Drum("Ride Cymbal", "F", 5, "x"),
    52: Drum("Chinese Cymbal", "B", 5, "x"),
    53: Drum("Ride Bell", "F", 5, "diamond"),
    54: Drum("Tambourine", "E", 5, "triangle"),
    55: Drum("Splash Cymbal", "B", 5, "x"),
    56: Drum("Cowbell", "E", 5, "triangle"),
    57: Drum("Crash Cymbal 2", "B", 5, "x"),
    59: Drum("Ride Cymbal 2", "F", 5, "x"),
}
OTHER = Drum("Percussion", "E", 5, "x")  # anything else the kit plays
FEET = frozenset(pitch for pitch, drum in KIT.items() if drum.feet)


def drum(pitch: int) -> Drum:
    return KIT.get(pitch, OTHER)
