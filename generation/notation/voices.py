"""One MIDI track → bars of voices, each voice a row of notes, chords and rests that fill it.

Notes that start and stop together are one chord; a note that overlaps another without
sharing its span goes to a second voice (a held bass under moving chords), up to `VOICES`; past
that the longest-held note is cut where the new one starts. Onsets keep the model's grid of a
twelfth of a quarter; ends are rounded to the sixteenth (or the triplet the note starts on),
so a note the arranger plays 95 % of its value for air is written at its full value.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import pretty_midi

from generation.notation.rhythm import TICKS, bar_ticks, written

VOICES = 4  # a staff holds four voices in MuseScore, Dorico and Sibelius


@dataclass(frozen=True)
class Event:
    start: int  # ticks from the piece's first bar line
    length: int
    pitches: tuple[int, ...]  # empty: a rest


@dataclass(frozen=True)
class Written:
    """One notehead (or chord, or rest) of a bar: where it starts and its value, in ticks."""

    start: int  # within the bar
    length: int
    pitches: tuple[int, ...]
    tie_in: bool = False  # tied from the notehead before
    tie_out: bool = False  # tied to the one after


def events_of(track: pretty_midi.Instrument, tempo_bpm: float, end: int,
              swing: float = 0.0, legato: float = 1.0, bar: int = 0) -> list[Event]:
    """The track's notes on the tick grid, grouped into chords, nothing past tick `end`.

    `tempo_bpm` is quarter notes a minute (the arrangement is at one tempo); `swing` is how
    late the arranger played the off-beat eighths, in beats: they are written straight, as
    musicians write swung eighths. `legato` is the share of its value a melody note sounds:
    the value is written, never past the next note's start. The notes that sound to the
    piece's last moment, struck in its last bar (`bar` ticks long), are written to the final
    bar line: a piece cut short of it ends on its chord, not on a tied sixteenth and a rest.
    """
    spans: dict[tuple[int, int], set[int]] = {}
    timed = [(note.pitch, *straight(note, tempo_bpm, swing)) for note in track.notes]
    onsets = sorted({round(start) for _, start, _ in timed})
    last = max((stop for _, _, stop in timed), default=0.0)
    for midi_pitch, start, stop in timed:
        start = round(start)
        final = stop > last - 0.5 and start >= end - bar
        stop = start + (stop - start) / legato
        if legato < 1.0:
            later = bisect.bisect_right(onsets, start)
            stop = min(stop, onsets[later] if later < len(onsets) else end)
        stop = end if final else min(end, _rounded_end(start, stop))
        if start < end:
            spans.setdefault((start, stop), set()).add(midi_pitch)
    return [Event(start, stop - start, tuple(sorted(pitches)))
            for (start, stop), pitches in sorted(spans.items())]


def straight(note: pretty_midi.Note, tempo_bpm: float, swing: float) -> tuple[float, float]:
    """(start, end) of a note in ticks, an off-beat eighth the swing delayed put back.

    The arranger plays a swung note its full value from the late start, unless something
    cut it at a beat: the end moves back with the start only where that lands on the grid.
    """
    per_s = tempo_bpm / 60 * TICKS
    start, end = note.start * per_s, note.end * per_s
    late = swing / 2 * TICKS
    if late and abs(start % TICKS - (TICKS / 2 + late)) < 0.25:
        start = start - late
        if abs((end - late) / 3 - round((end - late) / 3)) < 0.1:
            end = end - late
    return start, end


def _rounded_end(start: int, end: float) -> int:
    grid = 3 if start % 3 == 0 else 2  # sixteenths, or the triplet grid the note started on
    return max(start + grid, start + round((end - start) / grid) * grid)


def drum_events(track: pretty_midi.Instrument, tempo_bpm: float, end: int,
                feet: frozenset[int], swing: float = 0.0) -> list[list[Event]]:
    """Drums in two voices, hands above and feet below: each hit lasts until the next hit of
    its voice or the next beat, whichever comes first (a drummer reads onsets, not lengths)."""
    hands: dict[int, set[int]] = {}
    legs: dict[int, set[int]] = {}
    for note in track.notes:
        start = round(straight(note, tempo_bpm, swing)[0])
        if start < end:
            (legs if note.pitch in feet else hands).setdefault(start, set()).add(note.pitch)
    voices = []
    for hits in (hands, legs):
        onsets = sorted(hits)
        voice = []
        for start, following in zip(onsets, onsets[1:] + [end], strict=True):
            beat_end = (start // TICKS + 1) * TICKS
            voice.append(Event(start, max(1, min(following, beat_end) - start),
                               tuple(sorted(hits[start]))))
        if voice:
            voices.append(voice)
    return voices


def split_voices(events: list[Event]) -> list[list[Event]]:
    """Events into voices none of which overlaps itself; the first voice holds the most."""
    voices: list[list[Event]] = []
    for event in events:
        free = next((v for v in voices if _end(v[-1]) <= event.start), None)
        if free is None and len(voices) < VOICES:
            voices.append(free := [])
        if free is None:  # every voice is busy: cut the one that would sound longest
            free = max(voices, key=lambda v: _end(v[-1]))
            last = free.pop()
            if last.start == event.start:  # struck together: one chord, the shorter value
                event = Event(last.start, min(last.length, event.length),
                              tuple(sorted(set(last.pitches) | set(event.pitches))))
            else:
                free.append(Event(last.start, event.start - last.start, last.pitches))
        free.append(event)
    return voices


def _end(event: Event) -> int:
    return event.start + event.length


def bars_of(voice: list[Event], meter: tuple[int, int], bars: int) -> list[list[Written]]:
    """A voice cut into `bars` bars, each filled from its first tick to its last with notes,
    ties and rests (a bar where the voice is silent is one list holding whole-bar rests)."""
    size = bar_ticks(meter)
    rows: list[list[Written]] = [[] for _ in range(bars)]
    at = 0  # where the voice has been written up to
    for event in voice:
        if event.start > at:
            _put(rows, at, event.start - at, (), size, meter)
        _put(rows, event.start, event.length, event.pitches, size, meter)
        at = event.start + event.length
    if at < bars * size:
        _put(rows, at, bars * size - at, (), size, meter)
    return rows


def _put(rows: list[list[Written]], start: int, length: int, pitches: tuple[int, ...],
         size: int, meter: tuple[int, int]) -> None:
    """Write one event into the bars it spans, tied across bar lines and beats."""
    at, end = start, min(start + length, len(rows) * size)
    while at < end:
        bar, within = divmod(at, size)
        room = min(end - at, size - within)
        if not pitches and within == 0 and room == size:  # a whole-bar rest is one rest
            values = [size]
        else:
            values = written(within, room, meter)
        for value in values:
            tie_out = bool(pitches) and at + value < end
            rows[bar].append(Written(within, value, pitches, tie_in=bool(pitches) and at > start,
                                     tie_out=tie_out))
            within += value
            at += value
