"""Small, pure logit filters; the sampler composes them in one loop.

Every filter takes the next-token logits (vocab,) and the `Step` the sampler is at, and
returns new logits with forbidden tokens at -inf (or biased ones shifted). None mutates
its input. A filter's mask depends only on a few integers of the step, so each mask is built
once per table and kept (`TokenTable.mask`): building them afresh for every token cost about
as much as applying them. The sampler forces the bar scaffolding (BAR, BPOS, LAST, CHORD)
itself, so the filters only ever see the three phases inside a bar:

    'event'  next is POS_t (a note onset) or BAR (the bar is over)
    'pitch'  next is PITCH_p
    'dur'    next is DUR_d
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from models.core.ops import softmax
from models.core.tokenizer import Tokenizer

NEG = -math.inf


@dataclass(frozen=True)
class Step:
    """Where the sampler is, in ticks (12 per quarter note)."""

    phase: str  # 'event' | 'pitch' | 'dur'
    bar_start: int  # absolute tick where the current bar starts
    bar_length: int  # ticks in the current bar
    min_pos: int  # earliest onset allowed in the bar (the previous note's end)
    pos: int = 0  # onset of the note being written ('pitch' and 'dur' phases)
    last_end: int = 0  # absolute tick where the last note ended (or the melody started)
    max_end: int = 0  # latest tick (from the bar start) a note may end: a tie into the next
    # bar is allowed except in the final bar; 0 means the bar line
    beat: int = 12  # ticks per beat, for strong positions
    chord_pcs: frozenset[int] = frozenset()  # the bar's chord, pitch classes above C
    recent: tuple[int, ...] = ()  # the latest pitches written (up to 4), the newest last
    # how strongly the bar closes a phrase: 1 its fourth bar (or a section's last), 0.3 the
    # second bar (a half phrase), 0 the others
    phrase_end: float = 0.0
    notes: int = 0  # notes written so far in this generation
    shorts: int = 0  # of which shorter than the rhythm filter's `shortest`
    pitch_sum: int = 0  # their pitches added up: the line's mean register so far


class TokenTable:
    """Per-token facts as arrays (vocab,): each token's family and its numeric value."""

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        size = len(tokenizer)
        self.value = np.full(size, -1, dtype=np.int64)  # POS tick, MIDI pitch or DUR ticks
        self.family = {}  # 'POS' | 'PITCH' | 'DUR' → bool mask of that family's tokens
        for name in ("POS", "PITCH", "DUR"):
            mask = np.zeros(size, dtype=bool)
            for token, index in tokenizer.index.items():
                if token.startswith(name + "_"):
                    mask[index] = True
                    self.value[index] = int(token.split("_")[1])
            self.family[name] = mask
        self.bar = tokenizer.index["BAR"]
        self.pitch_class = np.where(self.family["PITCH"], self.value % 12, -1)
        self._masks: dict[Hashable, np.ndarray] = {}

    def mask(self, key: Hashable, make: Callable[[], np.ndarray]) -> np.ndarray:
        """The array `make()` builds for `key`, built once (keys are a few hundred at most)."""
        made = self._masks.get(key)
        if made is None:
            made = self._masks[key] = make()
        return made


def grammar(logits: np.ndarray, step: Step, table: TokenTable) -> np.ndarray:
    """Only the token family the phase allows: every sample decodes."""

    def barred() -> np.ndarray:
        family = {"event": "POS", "pitch": "PITCH", "dur": "DUR"}[step.phase]
        allowed = table.family[family].copy()
        if step.phase == "event":
            allowed[table.bar] = True
        return ~allowed

    return np.where(table.mask(("grammar", step.phase), barred), NEG, logits)


def meter(logits: np.ndarray, step: Step, table: TokenTable) -> np.ndarray:
    """Onsets inside the bar and after the previous note; notes end by `max_end`."""
    value = table.value
    if step.phase == "event":
        first, stop = step.min_pos, step.bar_length
        bad = table.mask(("onsets", first, stop), lambda: table.family["POS"] & (
            (value < first) | (value >= stop)))
        return np.where(bad, NEG, logits)
    if step.phase == "dur":
        longest = (step.max_end or step.bar_length) - step.pos
        bad = table.mask(("durations", longest),
                         lambda: table.family["DUR"] & (value > longest))
        return np.where(bad, NEG, logits)
    return logits


def silence(logits: np.ndarray, step: Step, table: TokenTable, max_gap: int) -> np.ndarray:
    """No rest longer than `max_gap` ticks: later onsets, and an early bar end, are barred."""
    if step.phase != "event":
        return logits
    latest = step.last_end + max_gap - step.bar_start  # latest onset allowed, in bar ticks
    must_play = step.bar_start + step.bar_length - step.last_end > max_gap

    def rests() -> np.ndarray:
        bad = table.family["POS"] & (table.value > latest)
        if must_play:
            bad[table.bar] = True
        return bad

    bad = table.mask(("rests", latest, must_play), rests)
    if (~bad & np.isfinite(logits)).any():
        return np.where(bad, NEG, logits)
    return logits  # nothing would be left: the other filters keep the grammar


def scale(logits: np.ndarray, step: Step, table: TokenTable, scale_pcs: frozenset[int],
          strictness: float) -> np.ndarray:
    """Pitches outside the scale (and the bar's chord) lose log(1 - strictness).

    0 leaves them alone; 1 removes them (scale and chord tones only).
    """
    if step.phase != "pitch" or strictness <= 0:
        return logits
    pcs = frozenset(scale_pcs | step.chord_pcs)
    outside = table.mask(("outside", pcs), lambda: table.family["PITCH"] & ~np.isin(
        table.pitch_class, sorted(pcs)))
    if strictness >= 1:
        return np.where(outside, NEG, logits)
    penalty = math.log(1.0 - strictness)
    return logits + table.mask(("outside penalty", pcs, penalty), lambda: outside * penalty)


def pitch_range(logits: np.ndarray, step: Step, table: TokenTable, low: int,
                high: int) -> np.ndarray:
    """Pitches outside [low, high] (MIDI, in the normalised key) are barred."""
    if step.phase != "pitch":
        return logits
    value = table.value
    bad = table.mask(("pitches", low, high), lambda: table.family["PITCH"] & (
        (value < low) | (value > high)))
    return np.where(bad, NEG, logits)


def register(logits: np.ndarray, step: Step, table: TokenTable, centre: float,
             pull: float, after: int = 1, furthest: float = 6.0) -> np.ndarray:
    """Once the line has `after` notes, each pitch loses `pull` × the line's drift (its mean
    so far less `centre`, at most `furthest` semitones) × the pitch's distance from `centre`:
    a line drifting high favours notes below the middle; one on the middle is left alone.

    The band (`centre` its middle) is where the mood puts the melody, but one sample's mean
    wandered from it by more than a mood edit moves the band (4 semitones for "a bit
    sadder"): over 60 seeded calm pieces, "a bit sadder", written as one draft, moved the
    melody 5.6 ± 4.6 semitones down, but not down in 8 of them; with a pull of 0.1, 4.2 ± 1.9 down,
    up in none. A tilt, not a well: the line keeps its range (median 14 → 15 semitones)."""
    if step.phase != "pitch" or not pull or step.notes < after:
        return logits
    drift = step.pitch_sum / step.notes - centre
    drift = round(max(-furthest, min(furthest, drift)) * 2) / 2  # half semitones: few masks
    if not drift:
        return logits
    return logits + _pitch_bias(table, ("register", centre, drift, pull),
                                lambda pitches: -pull * drift * (pitches - centre))


def chord_tones(logits: np.ndarray, step: Step, table: TokenTable,
                bias: float) -> np.ndarray:
    """On a strong beat (the downbeat, and the third beat of a 4/4 bar), the bar's chord
    tones gain `bias` (in logits); the weak beats are left to passing and neighbour tones.
    On every beat, folk-family lines sat on the tone I and V share (the fifth degree: 30 %
    of notes, Essen's tunes 19 %)."""
    strong = step.pos == 0 or (step.bar_length == 4 * step.beat and step.pos == 2 * step.beat)
    if step.phase != "pitch" or bias == 0 or not step.chord_pcs or not strong:
        return logits
    pcs = step.chord_pcs

    def boost() -> np.ndarray:
        return (table.family["PITCH"] & np.isin(table.pitch_class, sorted(pcs))) * bias

    return logits + table.mask(("chord", pcs, bias), boost)


def common_tone(logits: np.ndarray, step: Step, table: TokenTable,
                bias: float) -> np.ndarray:
    """On a beat, the previous pitch gains `bias` when the bar's chord holds it: a tune sits
    on a tone the harmony keeps (Essen's tunes repeat 22 % of their notes, the network under
    the chord-tone bias alone 16 %)."""
    if step.phase != "pitch" or not bias or not step.chord_pcs or step.pos % step.beat \
            or not step.recent or step.recent[-1] % 12 not in step.chord_pcs:
        return logits
    last = step.recent[-1]
    return logits + table.mask(("common", last, bias),
                               lambda: (table.family["PITCH"] & (table.value == last)) * bias)


def nucleus(logits: np.ndarray, top_p: float) -> np.ndarray:
    """Keep the smallest set of tokens whose probability reaches `top_p`."""
    if top_p >= 1:
        return logits
    order = np.argsort(-logits, kind="stable")  # most likely first
    probabilities = softmax(logits[order])
    drop = np.cumsum(probabilities) - probabilities >= top_p  # keeps the first
    kept = np.full_like(logits, NEG)
    kept[order[~drop]] = logits[order[~drop]]
    return kept


# --- the melody's craft: what the network alone gets wrong (measured in reports/music.md) --

def _pitch_bias(table: TokenTable, key: Hashable, bias: Callable[[np.ndarray], np.ndarray]
                ) -> np.ndarray:
    """(vocab,) logits added to PITCH tokens, `bias(pitches)`, zero elsewhere; built once."""

    def make() -> np.ndarray:
        added = np.zeros(len(table.value), np.float32)
        pitches = table.family["PITCH"]
        added[pitches] = bias(table.value[pitches])
        return added

    return table.mask(key, make)


def repetition(logits: np.ndarray, step: Step, table: TokenTable, longest: int,
               penalty: float) -> np.ndarray:
    """The previous pitch again loses `penalty`; after `longest` of one pitch it is barred."""
    if step.phase != "pitch" or not step.recent:
        return logits
    last, run = step.recent[-1], 0
    for pitch in reversed(step.recent):
        if pitch != last:
            break
        run += 1
    cost = NEG if run >= longest else -penalty
    return logits + _pitch_bias(table, ("repeat", last, cost),
                                lambda pitches: np.where(pitches == last, cost, 0.0))


def oscillation(logits: np.ndarray, step: Step, table: TokenTable) -> np.ndarray:
    """No fifth note of a trill-like a-b-a-b: after a, b, a, b, the a is barred."""
    if step.phase != "pitch" or len(step.recent) < 4:
        return logits
    a, b, c, d = step.recent[-4:]
    if a != c or b != d or a == b:
        return logits
    return logits + _pitch_bias(table, ("oscillate", a),
                                lambda pitches: np.where(pitches == a, NEG, 0.0))


def contour(logits: np.ndarray, step: Step, table: TokenTable, step_bias: float,
            recovery: float, leap: int = 5, far: float = 0.0) -> np.ndarray:
    """Steps (1–2 semitones) gain `step_bias`; after a leap of `leap` or more, a step back
    gains `recovery` and a move on in the leap's direction loses it; leaps beyond a fifth
    lose `step_bias` (the octave excepted) and `far` for each semitone beyond the fifth."""
    if step.phase != "pitch" or not step.recent:
        return logits
    last = step.recent[-1]
    moved = last - step.recent[-2] if len(step.recent) > 1 else 0
    direction = int(np.sign(moved)) if abs(moved) >= leap else 0

    def bias(pitches: np.ndarray) -> np.ndarray:
        interval = pitches - last
        size = np.abs(interval)
        added = np.where((size >= 1) & (size <= 2), step_bias, 0.0)
        added = added - np.where((size > 7) & (size != 12), step_bias, 0.0)
        added = added - far * np.maximum(0, size - 7)
        if direction:
            back = (interval * direction < 0) & (size <= 2) & (size >= 1)
            added = added + np.where(back, recovery, 0.0)
            added = added - np.where(interval * direction > 0, recovery, 0.0)
        return added

    return logits + _pitch_bias(table, ("contour", last, direction, step_bias, recovery, far),
                                bias)


def cadence(logits: np.ndarray, step: Step, table: TokenTable, bias: float) -> np.ndarray:
    """A phrase ends on a held note: in its last bar, a note on one of the last three beats
    gains `bias` for lengths of two beats or more that end by the bar line (or, with less
    room left, for reaching the bar line), and notes shorter than a beat lose it, all
    scaled by how strongly the bar closes (`step.phrase_end`: 1, or less for a half phrase)."""
    if (step.phase != "dur" or not step.phrase_end or step.pos % step.beat
            or step.pos < step.bar_length - 3 * step.beat):
        return logits
    room, weight = step.bar_length - step.pos, bias * step.phrase_end

    def shape() -> np.ndarray:
        value, durations = table.value, table.family["DUR"]
        held = durations & (value >= min(room, 2 * step.beat)) & (value <= room)
        short = durations & (value < min(room, step.beat))
        return held * weight - short * weight

    return logits + table.mask(("cadence", room, step.beat, weight), shape)


def rhythm(logits: np.ndarray, step: Step, table: TokenTable, shortest: int,
           share: float, penalty: float, target: float = 0.0, bonus: float = 0.0
           ) -> np.ndarray:
    """Notes shorter than `shortest` ticks lose `penalty` while they make more than `share`
    of the notes so far: a run of them is a figure, a flood of them a texture. While they
    make less than `target`, a short note in the second half of a beat (the eighth-and-two-
    sixteenths and dotted figures of folk tunes: 70 % of the corpus's short notes start
    there) gains `bonus`: under DENS_2 the network alone writes a third of the corpus's."""
    if step.phase != "dur":
        return logits
    if step.shorts > share * max(step.notes, 8):
        return logits - table.mask(("short", shortest, penalty), lambda: penalty * (
            table.family["DUR"] & (table.value < shortest)))
    if bonus and step.notes >= 8 and step.shorts < target * step.notes \
            and step.pos % 12 >= 6:
        return logits + table.mask(("short bonus", shortest, bonus), lambda: bonus * (
            table.family["DUR"] & (table.value < shortest)))
    return logits


def leading_tone(logits: np.ndarray, step: Step, table: TokenTable,
                 penalty: float) -> np.ndarray:
    """The leading tone (B in C) loses `penalty`, half of it where the bar's chord holds it.

    The network learned its chords fitted to the corpus melodies, so a bar asked for V sings
    V's third as if the melody had chosen that chord: with the plans' V in a quarter of the
    bars it wrote the leading tone on 9.6 % of notes (the corpus 3.8 %)."""
    if step.phase != "pitch" or not penalty:
        return logits
    cost = penalty / 2 if 11 in step.chord_pcs else penalty
    return logits - _pitch_bias(table, ("leading", cost),
                                lambda pitches: np.where(pitches % 12 == 11, cost, 0.0))
