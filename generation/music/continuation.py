"""An uploaded MIDI → the start of a new piece: its melody, chords, key, tempo and meter.

The upload is checked and rewritten by `generation.music.upload` first (limits, child process),
then its top line becomes the melody the model continues, its harmony is fitted bar by bar,
and the parsed request may re-arrange it (another style, key, tempo or instrument): what the
request states wins, the rest is taken from the upload.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import pretty_midi

from generation.job import MAX_BPM, MIN_BPM, Request
from generation.music.keyfind import estimate_key
from generation.music.plan import Plan, Section, make_plan
from generation.music.spec import Spec, parse_key, parse_meter, tonic_shift
from models.core.errors import MidiError
from models.inference import Chord, Note, fit_bars, top_notes

MAX_GIVEN_BARS = 16  # the last bars of a long upload are kept; the model continues after them
DEFAULT_NEW_BARS = 8
GRID = 1 / 12  # onsets snap to sixteenths and triplets (quarter-note beats)


@dataclass(frozen=True)
class Given:
    """What an upload contributes: its melody and chords, in the normalised key."""

    melody: tuple[Note, ...]
    chords: tuple[Chord, ...]

    @property
    def bars(self) -> int:
        return len(self.chords)

    def plan(self, spec: Spec) -> Plan:
        """The given bars, then a plan of their own for the bars the model adds."""
        rest = make_plan(replace(spec, bars=spec.bars - self.bars))
        sections = [Section("given", 0, self.bars)] + [
            Section(s.label, s.start + self.bars, s.bars) for s in rest.sections]
        return Plan(tuple(sections), self.chords + rest.chords)


def _beats(midi: pretty_midi.PrettyMIDI, seconds: float) -> float:
    return round(midi.time_to_tick(seconds) / midi.resolution / GRID) * GRID


def _meter(midi: pretty_midi.PrettyMIDI) -> str:
    if midi.time_signature_changes:
        sig = midi.time_signature_changes[0]
        if sig.denominator in (2, 4, 8) and 1 <= sig.numerator <= 12:
            return f"{sig.numerator}/{sig.denominator}"
    return "4/4"


def top_line(midi: pretty_midi.PrettyMIDI, shift: int) -> list[Note]:
    """The highest pitched note at each onset, in beats, transposed down by `shift`."""
    notes = (Note(note.pitch - shift, start, max(GRID, _beats(midi, note.end) - start),
                  note.velocity)
             for instrument in midi.instruments if not instrument.is_drum
             for note in instrument.notes
             for start in (_beats(midi, note.start),))
    return top_notes(notes)


def read_given(midi: pretty_midi.PrettyMIDI, meter: str, mode: str, shift: int) -> Given:
    numerator, denominator = (int(x) for x in meter.split("/"))
    bar = numerator * 4 / denominator
    melody = top_line(midi, shift)
    if not melody:
        raise MidiError("this MIDI file has no pitched notes to continue (only drums?)")
    bars = math.floor(max(n.start for n in melody) / bar) + 1
    first = max(0, bars - MAX_GIVEN_BARS)
    per_bar: list[list[tuple[float, float, int]]] = [[] for _ in range(bars - first)]
    for instrument in midi.instruments:
        if instrument.is_drum:
            continue
        for note in instrument.notes:
            start = _beats(midi, note.start)
            index = int(start // bar) - first
            if 0 <= index < len(per_bar):
                per_bar[index].append((start - (index + first) * bar,
                                       _beats(midi, note.end) - start, note.pitch - shift))
    beat = 1.5 if denominator == 8 and numerator % 3 == 0 else 4 / denominator
    chords = tuple(fit_bars(per_bar, mode, 0, beat))
    kept = tuple(Note(n.pitch, n.start - first * bar,
                      min(n.duration, (bars - first) * bar - (n.start - first * bar)),
                      n.velocity)
                 for n in melody if n.start >= first * bar)
    return Given(kept, chords)


def read_upload(path: str | None) -> tuple[pretty_midi.PrettyMIDI, float]:
    """A MIDI file checked and rewritten clean, and its tempo; MidiError when it is not fit."""
    from generation.music.upload import clean_upload

    if not path:
        raise MidiError("give a MIDI file to continue")
    source = Path(path)
    if not source.is_file():
        raise MidiError(f"{source.name} does not exist")
    with tempfile.TemporaryDirectory() as folder:
        clean = clean_upload(source.read_bytes(), Path(folder))
        return pretty_midi.PrettyMIDI(str(clean.path)), clean.tempo_bpm


def given_for(spec: Spec, path: str) -> Given:
    """The same given material a continued piece was made from, for its follow-ups."""
    midi, _ = read_upload(path)
    found = estimate_key(midi)
    return read_given(midi, f"{spec.meter[0]}/{spec.meter[1]}", spec.mode, tonic_shift(found.tonic))


def continue_request(request: Request, midi: pretty_midi.PrettyMIDI,
                     file_tempo: float) -> tuple[Request, Given]:
    """The request completed from an upload (key, tempo, meter and bars it did not state), and
    the upload's given bars."""
    found = estimate_key(midi)
    stated = set(request.stated)
    key = request.key if "key" in stated else found.name
    tempo = (request.tempo_bpm if "tempo" in stated
             else int(min(MAX_BPM, max(MIN_BPM, round(file_tempo)))))
    meter = request.meter if "meter" in stated else _meter(midi)
    notes = request.notes + (f"the upload sounds in {found.name} at {round(file_tempo)} bpm "
                             f"in {_meter(midi)}",)
    _, mode = parse_key(key)
    numerator, denominator = parse_meter(meter)
    given = read_given(midi, meter, mode, tonic_shift(found.tonic))
    new_bars = DEFAULT_NEW_BARS
    if "length" in stated:
        bar_s = numerator * 4 / denominator * 60 / tempo
        new_bars = max(2, round(request.duration_s / bar_s) - given.bars)
    full = replace(request, key=key, tempo_bpm=tempo, meter=meter, bars=given.bars + new_bars,
                   notes=notes)
    return full, given
