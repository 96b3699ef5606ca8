"""Pitches named as the key names them: E♭ in E♭ major (never D♯), C♯ in D minor.

The key's own seven notes take the letters of its scale from the tonic's letter on. A minor
key also owns its raised sixth and seventh (melodic minor: B♮ and C♯ in D minor). Any other
note is named from the scale note next to it with the fewer accidentals (E♮ in E♭ major, not
F♭); where both need one, sharpened in sharp and minor keys, flattened in flat major keys, and
in a key without accidentals the usual chromatic names (C♯ E♭ F♯ G♯ B♭).
"""

from __future__ import annotations

from generation.chords import ACCIDENTALS
from generation.chords import LETTERS as NATURAL
from models.inference import MODES

LETTERS = "CDEFGAB"
PLAIN_CHROMATIC = {1: ("C", 1), 3: ("E", -1), 6: ("F", 1), 8: ("G", 1), 10: ("B", -1)}
RAISED_IN_MINOR = ("minor", "dorian", "phrygian", "locrian")


class Speller:
    """Names for the pitches of one key, e.g. `Speller("Eb", "major")`."""

    def __init__(self, tonic: str, mode: str):
        letter, alter = tonic[0].upper(), ACCIDENTALS[tonic[1:2]]
        self.tonic_pc = (NATURAL[letter] + alter) % 12
        start = LETTERS.index(letter)
        self.names: dict[int, tuple[str, int]] = {}
        for degree, step in enumerate(MODES[mode]):
            name = LETTERS[(start + degree) % 7]
            self.names[(self.tonic_pc + step) % 12] = (name, _alter(self.tonic_pc + step, name))
        self.signature = dict(self.names.values())  # letter → its alteration in the key
        self.fifths = sum(self.signature.values())  # the key signature's sharps (−: flats)
        self.minor = mode in RAISED_IN_MINOR
        if self.minor:
            for degree in (5, 6):  # the raised sixth and seventh
                name = LETTERS[(start + degree) % 7]
                pc = (self.tonic_pc + MODES[mode][degree] + 1) % 12
                self.names.setdefault(pc, (name, _alter(pc, name)))
        for pc in range(12):
            if pc not in self.names:
                self.names[pc] = self._chromatic(pc)

    def _chromatic(self, pc: int) -> tuple[str, int]:
        """A note outside the key: the neighbour's letter with the fewer accidentals; when
        both need one, sharps (a raised note leads upward) except in flat major keys."""
        if self.fifths == 0:
            return PLAIN_CHROMATIC[pc]
        below, above = self.names[(pc - 1) % 12], self.names[(pc + 1) % 12]
        sharp, flat = (below[0], below[1] + 1), (above[0], above[1] - 1)
        if abs(sharp[1]) != abs(flat[1]):
            return min(sharp, flat, key=lambda name: abs(name[1]))
        return flat if self.fifths < 0 and not self.minor else sharp

    def spell(self, midi_pitch: int) -> tuple[str, int, int]:
        """(letter, alteration, octave) of a MIDI pitch: 63 in E♭ major → ('E', -1, 4)."""
        name, alter = self.names[midi_pitch % 12]
        octave = (midi_pitch - alter - NATURAL[name]) // 12 - 1
        return name, alter, octave


def _alter(pc: int, letter: str) -> int:
    """The alteration that makes `letter` sound pitch class `pc`: -2 … 2."""
    return (pc - NATURAL[letter] + 6) % 12 - 6
