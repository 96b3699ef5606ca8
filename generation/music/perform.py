"""Arranged MIDI → a performance: how the parts are played, not which notes they play.

The arrangement is a printout: every part in the middle of the stereo field at one volume,
onsets on the grid, no pedal, no swell. This stage plays it the way General MIDI's recommended
practice lets a file carry a performance: pan (CC10) by orchestra seating or band mix, volume
(CC7) with the lead on top, the damper pedal (CC64) on keyboards changed with the harmony,
expression (CC11) swelling with each phrase on sustained parts, reverb and chorus sends
(CC91/CC93) by style; velocities shaped by metre and phrase, a few seeded milliseconds of
timing (laid back where the style lives on it, never on the drum grid of electronic styles),
and a ritardando into the final chord where the style has one.

How each style is played is data (`TOUCH`); the same spec gives the same performance (the
seed drives every random choice). Notation is written from the arrangement, not from this.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass, replace

import pretty_midi

from generation.music.instruments import instrument
from generation.music.patterns import Grid
from generation.music.plan import Plan
from generation.music.spec import Part, Spec

PAN, VOLUME, EXPRESSION, SUSTAIN, REVERB, CHORUS = 10, 7, 11, 64, 91, 93
CENTRE = 64
PEDALLED = {0, 1, 2, 3, 4, 5, 7, 8, 11}  # pianos, electric pianos, clavinet, celesta, vibes
LIFT_S = 0.01  # the pedal comes up this long before a new chord...
PRESS_S = (0.06, 0.15)  # ...and goes down again this long after it (a sixteenth, within these)
PEAK_AT = 0.6  # where in its phrase a swell or a phrase's dynamics peak (share of the phrase)


@dataclass(frozen=True)
class Touch:
    """How a style is played."""

    seating: str  # "orchestra": pan by the seat of each instrument; "band": by the part's role
    reverb: int  # CC91 send, 0..127 (bass and drums get less: a muddy low end is no hall)
    chorus: int  # CC93 send
    pedal: bool  # keyboards hold the damper down, changed with the harmony
    swell: float  # 0..1: how far sustained parts' expression dips between phrase peaks
    accent: float  # share a downbeat's velocity rises (offbeats fall by half of it)
    humanize_ms: float  # standard deviation of the seeded timing of pitched parts (at 120 bpm)
    drum_humanize_ms: float  # ... and of the drums (0 keeps a machine's grid)
    lay_back_ms: float  # lead, comp and counter sit this far behind the beat (at 120 bpm)
    ritardando: float  # the tempo the last bars slow to (1: none), as a share of the tempo


TOUCH: dict[str, Touch] = {
    "classical": Touch("orchestra", 62, 0, True, 0.8, 0.10, 7, 0, 0, 0.75),
    "baroque": Touch("orchestra", 48, 0, False, 0.5, 0.08, 4, 0, 0, 0.8),
    "jazz": Touch("band", 40, 8, False, 0.6, 0.08, 6, 4, 12, 1.0),
    "blues": Touch("band", 36, 10, False, 0.5, 0.08, 5, 4, 8, 1.0),
    "pop": Touch("band", 40, 16, True, 0.6, 0.07, 3, 2, 0, 1.0),
    "rock": Touch("band", 30, 10, False, 0.5, 0.08, 3, 2, 0, 1.0),
    "lofi": Touch("band", 44, 30, True, 0.5, 0.06, 6, 5, 18, 1.0),
    "ambient": Touch("orchestra", 96, 40, True, 1.0, 0.04, 5, 0, 0, 0.8),
    "folk": Touch("band", 40, 6, True, 0.6, 0.08, 7, 3, 0, 0.85),
    "celtic": Touch("band", 52, 6, False, 0.6, 0.08, 5, 3, 0, 1.0),
    "electronic": Touch("band", 48, 28, False, 0.7, 0.05, 2, 0, 0, 1.0),
    "cinematic": Touch("orchestra", 84, 10, True, 1.0, 0.06, 6, 3, 0, 0.75),
    "chiptune": Touch("band", 8, 0, False, 0.0, 0.05, 0, 0, 0, 1.0),
}
# band mix: pan offset from the centre (-64 hard left .. +63 hard right) and CC7 by role
ROLE_PAN = {"lead": 0, "comp": -26, "bass": 0, "pad": 28, "counter": 22, "drums": 0,
            "timpani": 8}
ROLE_VOLUME = {"lead": 112, "counter": 98, "comp": 96, "bass": 100, "pad": 86, "drums": 100,
               "timpani": 94}
# orchestra seating, as the audience hears it: violins left, cellos and basses right,
# winds in the middle, horns left and brass right behind them, harp far left
SEATING = {
    "violin": -34, "strings": -18, "viola": -8, "cello": 24, "contrabass": 38, "harp": -44,
    "piano": -12, "harpsichord": -10, "celesta": -26, "flute": -12, "oboe": 8,
    "clarinet": -18, "bassoon": 16, "horn": -30, "trumpet": 14, "trombone": 28, "brass": 20,
    "timpani": 10, "choir": 0, "organ": 0, "synth pad": 24,
}
SEND_SHARE = {"bass": 0.4, "drums": 0.6, "timpani": 0.7, "pad": 1.15}


def perform(spec: Spec, plan: Plan, midi: pretty_midi.PrettyMIDI) -> pretty_midi.PrettyMIDI:
    """The performed copy of `midi`, the arrangement of `spec` over `plan` (left unchanged)."""
    touch = TOUCH[spec.style]
    played = copy.deepcopy(midi)
    clock = Clock(spec, plan, touch)
    taken: list[int] = []
    for track, part in zip(played.instruments, parts_of(spec, played), strict=True):
        shape(track, part, clock, touch)
        timing(track, part, clock, touch, spec.seed)
        track.control_changes = mix(part, touch, taken) + swells(part, clock, touch) \
            + pedal(track, part, clock, touch)
        track.control_changes.sort(key=lambda change: change.time)
    clock.rit.write_tempo(played)
    return played


def parts_of(spec: Spec, midi: pretty_midi.PrettyMIDI) -> list[Part]:
    """The spec's part behind each track: the arranger writes them in the spec's order and
    leaves out parts that got no notes."""
    parts, found = list(spec.parts), []
    for track in midi.instruments:
        while parts and not (parts[0].is_drum == track.is_drum and (
                track.is_drum or parts[0].program == track.program)):
            parts.pop(0)
        found.append(parts.pop(0) if parts else Part("comp", track.name, track.program,
                                                     track.is_drum, 0, 127, 80))
    return found


class Clock:
    """Where a moment of the arrangement falls: its beat, bar, phrase and performed time."""

    def __init__(self, spec: Spec, plan: Plan, touch: Touch):
        self.grid = Grid(spec.meter)
        self.beat_s = 60.0 / spec.tempo_bpm
        self.bar_s = self.grid.beats * self.beat_s
        self.end_s = spec.total_duration_s
        self.plan = plan
        self.intensity = plan.intensity()
        self.phrases = phrase_spans(plan, spec.profile.phrase_bars)
        self.rit = Ritardando.of(spec, plan.bars, touch.ritardando)

    def bar(self, seconds: float) -> int:
        return max(0, min(self.plan.bars - 1, int((seconds + 1e-4) // self.bar_s)))

    def arch(self, seconds: float) -> float:
        """0 at a phrase's edges, 1 at its peak (PEAK_AT of the way through)."""
        bars = seconds / self.bar_s
        for first, length in self.phrases:
            if first <= bars < first + length:
                where = (bars - first) / length
                return math.sin(math.pi * where ** (math.log(0.5) / math.log(PEAK_AT)))
        return 0.0

    def metric(self, seconds: float) -> float:
        """1 on the downbeat, 0.5 on a pulse group's start, 0 on a beat, -0.5 off it."""
        beat = (seconds / self.beat_s) % self.grid.beats
        if beat < 0.02 or beat > self.grid.beats - 0.02:
            return 1.0
        if any(abs(beat - start) < 0.02 for start in self.grid.group_starts):
            return 0.5
        return 0.0 if abs(beat - round(beat)) < 0.02 else -0.5

    def changes(self) -> list[float]:
        """Seconds at which a chord begins (every bar, and inside bars with more than one)."""
        return [(bar + start / self.grid.beats) * self.bar_s
                for bar in range(self.plan.bars)
                for start, _, _ in self.plan.chords_in(bar, self.grid.beats)]

    def at(self, seconds: float) -> float:
        return self.rit.at(seconds)


def phrase_spans(plan: Plan, phrase_bars: int) -> list[tuple[int, int]]:
    """(first bar, bars) of each phrase: the sections, cut into the style's phrase length."""
    spans = []
    for section in plan.sections:
        for first in range(section.start, section.start + section.bars, phrase_bars):
            spans.append((first, min(phrase_bars, section.start + section.bars - first)))
    return spans


@dataclass(frozen=True)
class Ritardando:
    """The last bars slow down pulse by pulse (the meter's beat) to `slowest` of the tempo at
    the final chord, which is held at that tempo until the piece's `end`. Each pulse has one
    tempo, so the file's tempo map can say it and the notes stay on the notated grid."""

    pulse_s: float  # seconds of one pulse at the written tempo
    quarters: float  # quarter notes in one pulse
    first: int  # the first slowed pulse
    arrive: int  # the pulse the final chord starts on
    slowest: float
    end: float
    starts: tuple[float, ...] = ()  # performed start of pulses first .. arrive

    @classmethod
    def of(cls, spec: Spec, bars: int, slowest: float) -> Ritardando:
        pulse_s, per_bar = 60.0 / spec.tempo_bpm * 4 / spec.meter[1], spec.meter[0]
        arrive = (bars - 1) * per_bar
        first = max(0, arrive - (2 if bars >= 6 else 1) * per_bar)
        end = spec.total_duration_s
        while slowest < 1.0:  # the final chord keeps at least 60 % of its length
            rit = cls(pulse_s, 4 / spec.meter[1], first, arrive, slowest, end)
            rit = replace(rit, starts=rit._starts())
            if rit.starts[-1] - arrive * pulse_s <= 0.4 * (end - arrive * pulse_s):
                return rit
            slowest = min(1.0, slowest + 0.05)
        return cls(pulse_s, 4 / spec.meter[1], first, arrive, 1.0, end)

    def length(self, pulse: int) -> float:
        """Performed seconds of pulse `pulse` (from `first`)."""
        if pulse >= self.arrive:
            return self.pulse_s / self.slowest
        share = (pulse - self.first + 1) / (self.arrive - self.first)
        return self.pulse_s / (1 - (1 - self.slowest) * share)

    def _starts(self) -> tuple[float, ...]:
        starts = [self.first * self.pulse_s]
        for pulse in range(self.first, self.arrive):
            starts.append(starts[-1] + self.length(pulse))
        return tuple(starts)

    def at(self, seconds: float) -> float:
        """The performed time of a written moment."""
        if self.slowest >= 1.0 or seconds <= self.first * self.pulse_s:
            return seconds
        if seconds >= self.end - 1e-6:
            return self.end
        pulses = seconds / self.pulse_s
        pulse = min(int(pulses), self.arrive)
        played = self.starts[pulse - self.first] + (pulses - pulse) * self.length(pulse)
        return min(played, self.end - 0.05)

    def write_tempo(self, midi: pretty_midi.PrettyMIDI) -> None:
        """Put the slowing pulses into `midi`'s tempo map (before its notes become ticks).

        pretty_midi keeps the map in `_tick_scales` (tick, seconds a tick) and has no public
        way to change it; `write` turns every time into ticks through it.
        """
        if self.slowest >= 1.0:
            return
        per = round(midi.resolution * self.quarters)  # ticks a pulse
        scales = [(0, self.pulse_s / per)] + [(pulse * per, self.length(pulse) / per)
                                               for pulse in range(self.first, self.arrive + 1)]
        midi._tick_scales = scales
        last = self.arrive * per + (self.end - self.starts[-1]) / scales[-1][1]
        midi._update_tick_to_time(int(last) + midi.resolution)


def shape(track: pretty_midi.Instrument, part: Part, clock: Clock, touch: Touch) -> None:
    """Velocities by metre (pitched parts: the drum patterns carry their own accents) and by
    where the note falls in its phrase."""
    for note in track.notes:
        lift = 0.12 * (clock.arch(note.start) - 0.5)
        if not track.is_drum:
            lift += touch.accent * clock.metric(note.start)
        note.velocity = max(1, min(127, round(note.velocity * (1 + lift))))


def nudge_of(seed: int, part: Part, beat: float, sigma: float) -> float:
    """A note's seeded humanize (s): drawn from where it falls (its part's role and its grid
    position), so a note an edit leaves in place (a new key, a new instrument, another part
    added) is played the same in every version, and a chord's notes move together."""
    if not sigma:
        return 0.0
    draw = random.Random(f"{seed}:{part.role}:{round(beat * 12)}")
    return max(-2.5 * sigma, min(2.5 * sigma, draw.gauss(0, sigma)))


def timing(track: pretty_midi.Instrument, part: Part, clock: Clock, touch: Touch,
           seed: int) -> None:
    """Ritardando, lay-back and seeded humanize; notes held to the end still end there, and
    a repeated pitch never sounds over its own next onset."""
    # the style's milliseconds are at 120 bpm and scale with the beat, so a note sits at the
    # same place in its beat at any tempo: a tempo edit moves no note off its grid position
    scale = clock.beat_s / 0.5 / 1000
    sigma = (touch.drum_humanize_ms if track.is_drum else touch.humanize_ms) * scale
    late = touch.lay_back_ms * scale if part.role in ("lead", "comp", "counter") else 0.0
    for note in track.notes:
        nudge = late + nudge_of(seed, part, note.start / clock.beat_s, sigma)
        held = note.end >= clock.end_s - 1e-3
        start = max(0.0, clock.at(note.start) + nudge)
        end = clock.end_s if held else max(start + 0.03, clock.at(note.end) + nudge)
        note.start, note.end = start, min(end, clock.end_s)
    latest: dict[int, pretty_midi.Note] = {}
    for note in sorted(track.notes, key=lambda n: n.start):
        before = latest.get(note.pitch)
        if before is not None and before.end > note.start:
            before.end = max(before.start + 0.01, note.start - 0.002)
        latest[note.pitch] = note


def mix(part: Part, touch: Touch, taken: list[int]) -> list[pretty_midi.ControlChange]:
    """Pan, volume and the sends, set at the start. A band's bass and drums hold the centre;
    a part that would sit where an earlier one sits moves aside, so no two share a place: a
    lower keyboard part to the left (where a piano's bass strings are), a lower orchestral
    part to the right (where the cellos sit), a band's comp and pad outwards."""
    role = "drums" if part.is_drum else part.role
    offset = ROLE_PAN.get(role, 0)
    orchestra = touch.seating == "orchestra"
    if orchestra:
        offset = SEATING.get(part.instrument, offset)
    pan = CENTRE + offset
    if role != "drums" and (orchestra or role != "bass"):
        keyboard = part.program in PEDALLED or part.instrument == "harpsichord"
        side = -1 if keyboard or touch.seating != "orchestra" else 1
        step = 0
        while any(abs(pan - other) < 8 for other in taken) and step < 8:
            step += 1
            pan = CENTRE + offset + side * 14 * ((step + 1) // 2) * (1 if step % 2 else -1)
        taken.append(pan)
    share = SEND_SHARE.get(role, 1.0)
    return [_cc(number, value, 0.0) for number, value in (
        (PAN, max(0, min(127, pan))), (VOLUME, ROLE_VOLUME.get(role, 96)),
        (REVERB, min(127, round(touch.reverb * share))),
        (CHORUS, min(127, round(touch.chorus * share))))]


def _cc(number: int, value: int, seconds: float) -> pretty_midi.ControlChange:
    return pretty_midi.ControlChange(number, int(value), float(seconds))


def swells(part: Part, clock: Clock, touch: Touch) -> list[pretty_midi.ControlChange]:
    """Expression (CC11) on a sustained part: rising into each phrase's peak and easing off
    after it, higher in louder sections; a half-beat curve, only where the value moves."""
    if part.is_drum or not touch.swell or not instrument(part.instrument).sustained:
        return []
    changes, last = [], None
    steps = int(clock.end_s / (clock.beat_s / 2)) + 1
    for step in range(steps):
        written = step * clock.beat_s / 2
        lift = 0.65 * clock.arch(written) + 0.35 * clock.intensity[clock.bar(written)]
        value = round(127 * (1 - 0.45 * touch.swell * (1 - lift)))
        if value != last:
            changes.append(_cc(EXPRESSION, value, clock.at(written)))
            last = value
    return changes


def pedal(track: pretty_midi.Instrument, part: Part, clock: Clock,
          touch: Touch) -> list[pretty_midi.ControlChange]:
    """The damper pedal of a keyboard part: down just after each chord begins, up just
    before the next (a legato pedal: the old harmony stops as the new one sounds)."""
    if not touch.pedal or part.is_drum or part.program not in PEDALLED or not track.notes:
        return []
    first = min(note.start for note in track.notes)
    press = max(PRESS_S[0], min(PRESS_S[1], clock.beat_s / 4))
    changes: list[pretty_midi.ControlChange] = []
    for written in clock.changes():
        at = clock.at(written)
        if at + press >= clock.end_s or at < first - 0.05:
            continue
        if changes:
            changes.append(_cc(SUSTAIN, 0, max(changes[-1].time + 0.02, at - LIFT_S)))
        changes.append(_cc(SUSTAIN, 127, at + press))
    if changes:
        changes.append(_cc(SUSTAIN, 0, clock.end_s))
    return changes
