"""Lead sheet + style profile → a multi-track MIDI.

The melody comes from the model; everything under it (comping, bass line, pad, drums) is
written here from the plan's chords with the patterns the style profile names. Patterns
work on the eighth-note grid and the meter's pulse groups, so they fit 3/4, 6/8 and 5/4 as
well as 4/4. Drums are on channel 10 (pretty_midi's `is_drum`).
"""

from __future__ import annotations

import random

import pretty_midi

from generation.music.drums import CRASH, KICK, bar_hits, drum_texture, fill
from generation.music.melody import transposition
from generation.music.patterns import (
    COMP_PATTERNS,
    Grid,
    Voicing,
    bass_hits,
    bass_root,
    bass_tone,
    chord_tones,
    into_range,
    nearest_tone,
    root_position,
    textured,
    voice,
)
from generation.music.plan import Plan
from generation.music.spec import Part, Spec
from models.inference import Note

# --- the arranger -------------------------------------------------------------------------

class Arranger:
    def __init__(self, spec: Spec, plan: Plan):
        self.spec = spec
        self.plan = plan
        self.grid = Grid(spec.meter)
        self.beat_s = 60.0 / spec.tempo_bpm
        self.end_s = spec.total_duration_s
        self.rng = random.Random(spec.seed * 31 + 7)
        self.intensity = plan.intensity()

    def seconds(self, beats: float) -> float:
        """Beats → seconds, with swing applied to off-beat eighths."""
        whole, part = divmod(beats, 1.0)
        if self.spec.swing and abs(part - 0.5) < 1e-6:
            part += self.spec.swing * 0.5
        return min((whole + part) * self.beat_s, self.end_s)

    def add(self, track: pretty_midi.Instrument, start: float, length: float, pitch: int,
            velocity: float, until: float | None = None) -> None:
        """A note `length` beats long from beat `start`; never past beat `until` (swung)."""
        begin, end = self.seconds(start), min(self.seconds(start) + length * self.beat_s,
                                              self.end_s)
        if until is not None:
            end = min(end, self.seconds(until))
        if end - begin > 0.01 and 0 <= pitch <= 127:
            level = int(round(velocity + self.rng.uniform(-3, 3)))
            track.notes.append(pretty_midi.Note(max(1, min(127, level)), pitch, begin, end))

    def level(self, part: Part, bar: int, loudness: float = 1.0) -> float:
        return part.velocity * (0.75 + 0.4 * self.intensity[bar]) * loudness

    def lead(self, part: Part, melody: list[Note]) -> pretty_midi.Instrument:
        track = pretty_midi.Instrument(part.program, name=part.instrument)
        shift = transposition(self.spec)
        final_bar = self.plan.bars - 1
        for note in melody:
            pitch = into_range(note.pitch + shift, part.low, part.high)
            bar = min(int(note.start // self.grid.beats), final_bar)
            accent = 1.08 if abs(note.start % self.grid.beats) < 1e-6 else 1.0
            if bar == final_bar:
                length = (self.end_s - self.seconds(note.start)) / self.beat_s
            else:
                length = max(0.1, note.duration * self.spec.legato)
            self.add(track, note.start, length, pitch, self.level(part, bar, accent))
        return track

    def harmony(self, part: Part, pattern: str, ceilings: list[int | None] | None = None,
                texture: int = 0) -> pretty_midi.Instrument:
        """Comp or pad: the style's pattern on each bar's chord, voiced smoothly, kept under
        the melody's lowest note of the bar (`ceilings`) so the parts never cross, and made
        sparser or busier by `texture` (patterns.textured)."""
        track = pretty_midi.Instrument(part.program, name=part.instrument)
        high = part.high
        previous: Voicing | None = None
        # chords the user named must be heard as named: without a bass part, the comp plays
        # each chord over its own bass note
        bassless = bool(self.spec.chords) and self.spec.part("bass") is None
        for bar, chord in enumerate(self.plan.chords):
            ceiling = ceilings[bar] if ceilings else None
            bar_high = high if ceiling is None else max(part.low + 7, min(high, ceiling - 1))
            start = bar * self.grid.beats
            if bar == self.plan.bars - 1:  # the final chord, in root position
                tones = chord_tones(chord, self.spec.tonic)
                voicing = root_position(tones[:3], part.low)
                held = (self.end_s - self.seconds(start)) / self.beat_s
                for pitch in voicing:
                    self.add(track, start, held, pitch, self.level(part, bar, 0.8))
                continue
            spans = self.plan.chords_in(bar, self.grid.beats)
            for begin, stop, sounding in spans:
                tones = chord_tones(sounding, self.spec.tonic)
                if pattern == "pad":  # a held seventh blurs the key; sustained parts hold triads
                    tones = tones[:3]
                if bassless:  # the named chord's bass is the lowest note, played by the comp
                    low_pc = bass_tone(sounding, self.spec.tonic)
                    tones = [low_pc] + [pc for pc in tones if pc != low_pc]
                voicing = voice(tones, part.low, bar_high, previous, root_first=bassless)
                previous = voicing
                hits = COMP_PATTERNS[pattern](self.grid, voicing, self.rng, tones[0])
                hits = textured(hits, self.grid, texture)
                if len(spans) > 1:  # the pattern's hits that fall in this chord's span
                    hits = [(onset - begin, min(length, stop - onset), pitch, loud)
                            for onset, length, pitch, loud in hits if begin <= onset < stop]
                # a named chord is heard alone in its span: nothing rings over into the next
                until = start + stop if self.spec.chords else None
                for onset, length, pitch, loud in hits:
                    self.add(track, start + begin + onset, length, pitch,
                             self.level(part, bar, loud), until)
        return track

    def counter(self, part: Part, melody: list[Note]) -> pretty_midi.Instrument:
        """A second voice under the melody: each note's nearest chord tone a third or more
        below it, so the two always agree with the bar's harmony."""
        track = pretty_midi.Instrument(part.program, name=part.instrument)
        shift = transposition(self.spec)
        last = self.plan.bars - 1
        for note in melody:
            bar = min(int(note.start // self.grid.beats), last)
            sounding = self.plan.chord_at(bar, note.start - bar * self.grid.beats,
                                          self.grid.beats)
            tones = set(chord_tones(sounding, self.spec.tonic))
            top = note.pitch + shift - 3
            below = [p for p in range(top - 9, top + 1) if p % 12 in tones]
            if not below:
                continue
            pitch = into_range(below[-1], part.low, part.high)
            length = ((self.end_s - self.seconds(note.start)) / self.beat_s if bar == last
                      else max(0.1, note.duration * self.spec.legato))
            self.add(track, note.start, length, pitch, self.level(part, bar, 0.85))
        return track

    def timpani(self, part: Part) -> pretty_midi.Instrument:
        """Tonic and dominant strokes where sections begin and swell, a roll into the end."""
        track = pretty_midi.Instrument(part.program, name=part.instrument)
        labels = self.plan.section_of_bar()
        last = self.plan.bars - 1
        for bar, chord in enumerate(self.plan.chords):
            if chord.root not in (0, 7):
                continue
            pitch = bass_root(chord_tones(chord, self.spec.tonic), part.low)
            start = bar * self.grid.beats
            if bar == last:
                self.add(track, start, 1.0, pitch, self.level(part, bar))
            elif bar == last - 1 or self.intensity[bar] >= 0.8:
                strokes = 8 if bar == last - 1 else 1
                for i in range(strokes):
                    onset = self.grid.beats - 2 + i * 0.25 if strokes > 1 else 0.0
                    self.add(track, start + onset, 0.25, pitch,
                              self.level(part, bar, 0.6 + 0.05 * i))
            elif bar == 0 or labels[bar - 1] != labels[bar]:
                self.add(track, start, 1.0, pitch, self.level(part, bar))
        return track

    def bass(self, part: Part) -> pretty_midi.Instrument:
        track = pretty_midi.Instrument(part.program, name=part.instrument)
        spans = [(bar * self.grid.beats + begin, stop - begin, bar, chord)
                 for bar in range(self.plan.bars)
                 for begin, stop, chord in self.plan.chords_in(bar, self.grid.beats)]
        for index, (start, length, bar, chord) in enumerate(spans):
            tones = chord_tones(chord, self.spec.tonic)
            drone = self.spec.profile.bass_pattern == "drone"
            if drone:  # a pedal on the key's tonic
                tones = [self.spec.tonic, (self.spec.tonic + 7) % 12]
            root = bass_root([tones[0] if drone else bass_tone(chord, self.spec.tonic)], part.low)
            if index == len(spans) - 1:
                held = (self.end_s - self.seconds(start)) / self.beat_s
                self.add(track, start, held, root, self.level(part, bar))
                continue
            following = bass_root([bass_tone(spans[index + 1][3], self.spec.tonic)], part.low)
            hits = bass_hits(self.spec.profile.bass_pattern, self.grid, tones, root, following)
            if length < self.grid.beats - 1e-6:  # the hits that fall in this chord's span
                hits = [(onset, min(size, length - onset), pitch, loud)
                        for onset, size, pitch, loud in hits if onset < length - 1e-6]
            if self.spec.chords:  # chords the user named are heard as named: no passing tones
                allowed = set(tones) | {bass_tone(chord, self.spec.tonic)}
                hits = [(onset, size, nearest_tone(pitch, allowed), loud)
                        for onset, size, pitch, loud in hits]
            for onset, size, pitch, loud in hits:
                while pitch > part.high:
                    pitch -= 12
                self.add(track, start + onset, size, pitch, self.level(part, bar, loud))
        return track

    def drums(self, part: Part) -> pretty_midi.Instrument:
        track = pretty_midi.Instrument(part.program, is_drum=True, name=part.instrument)
        groove = self.spec.profile.groove or "pop"
        labels = self.plan.section_of_bar()
        for bar in range(self.plan.bars):
            start = bar * self.grid.beats
            if labels[bar] == "intro":
                continue
            if bar == self.plan.bars - 1:
                for drum in (CRASH, KICK):
                    self.add(track, start, 1.0, drum, self.level(part, bar))
                continue
            hits = drum_texture(bar_hits(groove, self.spec.meter, self.grid.beats),
                                self.grid.beats, self.spec.texture)
            if bar + 1 < self.plan.bars and labels[bar + 1] != labels[bar] \
                    and self.grid.beats >= 2:
                hits = [h for h in hits if h[0] < self.grid.beats - 1.0] + fill(self.grid.beats)
            if bar == 0 or labels[bar - 1] != labels[bar]:
                hits = hits + [(0.0, CRASH, 95)]
            for onset, drum, velocity in hits:
                self.add(track, start + onset, 0.25, drum,
                         self.level(part, bar, velocity / 100))
        return track


def arrange(spec: Spec, plan: Plan, melody: list[Note]) -> pretty_midi.PrettyMIDI:
    """The finished multi-track MIDI of a planned, melodised spec."""
    arranger = Arranger(spec, plan)
    midi = pretty_midi.PrettyMIDI(initial_tempo=float(spec.tempo_bpm), resolution=480)
    midi.time_signature_changes.append(pretty_midi.TimeSignature(*spec.meter, 0.0))
    major_like = spec.mode in ("major", "lydian", "mixolydian")
    midi.key_signature_changes.append(
        pretty_midi.KeySignature(spec.tonic + (0 if major_like else 12), 0.0))
    ceilings: list[int | None] = [None] * plan.bars
    roles: list[str] = []
    for part in spec.parts:
        if part.role == "lead":
            track = arranger.lead(part, melody)
            ceilings = lowest_per_bar(track, plan.bars, arranger.grid.beats * arranger.beat_s)
        elif part.role == "comp":
            track = arranger.harmony(part, spec.profile.comp_pattern, ceilings, spec.texture)
        elif part.role == "pad":
            track = arranger.harmony(part, "pad")
        elif part.role == "counter":
            track = arranger.counter(part, melody)
        elif part.role == "timpani":
            track = arranger.timpani(part)
        elif part.role == "bass":
            track = arranger.bass(part)
        else:
            track = arranger.drums(part)
        if track.notes:
            midi.instruments.append(track)
            roles.append(part.role)
    names = [track.name for track in midi.instruments]
    for track, role in zip(midi.instruments, roles, strict=True):
        if names.count(track.name) > 1 and role != "lead":  # "piano" and "piano (comp)"
            track.name = f"{track.name} ({role})"
    return midi


def lowest_per_bar(track: pretty_midi.Instrument, bars: int, bar_s: float) -> list[int | None]:
    """The lowest pitch the track starts in each bar (None where it rests)."""
    lowest: list[int | None] = [None] * bars
    for note in track.notes:
        bar = min(bars - 1, int((note.start + 1e-3) // bar_s))
        lowest[bar] = note.pitch if lowest[bar] is None else min(lowest[bar], note.pitch)
    return lowest
