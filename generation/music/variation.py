"""Variations and blends of a lead line with the phrase VAE (models/networks/vae.py).

A lead line (normalised key, beats) is cut into phrases of two bars
(`models.inference.phrases`), each encoded under its own chords to a latent vector μ. A
variation moves every μ towards a seeded random point of the prior by `amount` (0: nothing
moves, 1: a new tune drawn for the same chords); a blend moves A's phrases along the
straight latent path towards B's. The
moved vectors are decoded under A's chords, meter and mode, so the plan never changes.

Only what the move changes is written: at the steps where the moved decoding equals the
decoding of μ itself, the original note stays, with its exact timing. So amount 0 returns
the lead line unchanged, and the VAE's reconstruction errors never count as changes. Equal
phrases (a repeated section) get the same random point, so a repeat stays a repeat.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.inference import MODES, PITCH_RANGE, STYLE_COLLECTION, TICKS, Chord, Note, phrases

STEP_BEATS = phrases.STEP_TICKS / TICKS  # a sixteenth, in quarter-note beats


@functools.cache
def codec():
    """The shipped phrase VAE (numpy), loaded once per process."""
    from models.inference import PhraseCodec

    return PhraseCodec.load()


@dataclass(frozen=True)
class Frame:
    """What a lead line is written over: its meter, mode, style, chords and phrases."""

    meter: str  # "6/8"
    mode: str
    style: str  # a product style; the VAE is conditioned on its corpus collection
    chords: tuple[Chord, ...]  # one a bar
    spans: tuple[tuple[int, int], ...]  # (first bar, bars) of the phrases that may change
    pitch_range: tuple[int, int] = (36, 96)  # in the normalised key
    strict: bool = True  # only the mode's notes and the bar's chord tones may be written

    @property
    def bar_steps(self) -> int:
        return phrases.bar_steps(self.meter)

    def features(self) -> np.ndarray:
        """(phrases, STEPS, FEATURES) conditioning of every span."""
        collection = STYLE_COLLECTION.get(self.style, "essen")
        return np.stack([phrases.features(self.meter, self.chords[first:first + bars], self.mode,
                                          collection, bars) for first, bars in self.spans])

    def allowed(self) -> np.ndarray:
        """(phrases, STEPS, VOCAB) bool: the tokens a decoding may choose at each step."""
        feats = self.features()
        allowed = np.ones((*feats.shape[:2], phrases.VOCAB), bool)
        low, high = self.pitch_range
        pitches = np.arange(phrases.VOCAB) - phrases.PITCH_BASE + PITCH_RANGE[0]
        allowed[..., phrases.PITCH_BASE:] &= (pitches[phrases.PITCH_BASE:] >= low) & (
            pitches[phrases.PITCH_BASE:] <= high)
        if self.strict:
            scale = np.zeros(12, bool)
            scale[list(MODES[self.mode])] = True
            tones = feats[..., 12:24] > 0  # the chord-tone columns, (phrases, STEPS, 12)
            fits = scale[None, None, :] | tones  # (phrases, STEPS, 12)
            allowed[..., phrases.PITCH_BASE:] &= fits[..., pitches[phrases.PITCH_BASE:] % 12]
        return allowed


def phrase_spans(sections, meter: str) -> tuple[tuple[int, int], ...]:
    """The phrases of the melody's sections: (first bar, bars), never across a section line.

    `sections` are a plan's sections (label, start, bars); intros, the final held note
    ("end") and an upload's given bars are left as they are.
    """
    spans = []
    for section in sections:
        if section.label in ("intro", "end", "given", "outro"):
            continue
        for first, bars in phrases.phrase_spans([meter] * section.bars):
            spans.append((section.start + first, bars))
    return tuple(spans)


def _grid(notes: Sequence[Note], steps: int) -> np.ndarray:
    """The whole lead line as tokens over `steps` sixteenths from beat 0."""
    ticks = [(round(n.start * TICKS), max(1, round(n.duration * TICKS)), n.pitch)
             for n in notes]
    return phrases.notes_to_tokens(ticks, steps)


def _slices(frame: Frame) -> list[slice]:
    return [slice(first * frame.bar_steps, (first + bars) * frame.bar_steps)
            for first, bars in frame.spans]


def _phrase_tokens(grid: np.ndarray, frame: Frame) -> np.ndarray:
    """(phrases, STEPS) tokens of every span, padded."""
    out = np.zeros((len(frame.spans), phrases.STEPS), np.int64)
    for row, window in enumerate(_slices(frame)):
        piece = grid[window]
        out[row, :len(piece)] = piece
    return out


def _decode(vae, z: np.ndarray, feats: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """The likeliest allowed token per step, (phrases, STEPS); PAD after each phrase."""
    logits = np.where(allowed, vae.logits(z, feats), -np.inf)
    tokens = logits.argmax(-1)
    tokens[feats[..., -1] == 0] = phrases.PAD
    return tokens


def _rewrite(notes: Sequence[Note], frame: Frame, moved: np.ndarray, steps: int, vae,
             mu: np.ndarray, forced: frozenset[int] = frozenset()) -> list[Note]:
    """The lead line with each phrase decoded from `moved` (phrases, Z) where that decoding
    differs from the decoding of `mu`, and wholly in the `forced` bars; every note the move
    leaves alone is kept as it was."""
    feats, allowed = frame.features(), frame.allowed()
    both = _decode(vae, np.concatenate([mu, moved]), np.concatenate([feats, feats]),
                   np.concatenate([allowed, allowed]))
    still, new = both[:len(mu)], both[len(mu):]
    grid = _grid(notes, steps)
    out = grid.copy()
    for row, window in enumerate(_slices(frame)):
        length = window.stop - window.start
        bars = (window.start + np.arange(length)) // frame.bar_steps
        changed = (new[row, :length] != still[row, :length]) | np.isin(bars, list(forced))
        out[window] = np.where(changed, new[row, :length], grid[window])
    if (out == grid).all():
        return list(notes)
    return _notes(notes, grid, out)


def _notes(notes: Sequence[Note], grid: np.ndarray, out: np.ndarray) -> list[Note]:
    """`out` tokens back to notes; a note equal on the grid to an original keeps its timing,
    length and velocity, a new note takes the velocity of the original sounding nearest."""
    by_grid = {}  # grid step → the original note the grid holds there (as `_grid` orders
    # them, the last of a shared step wins)
    for note in sorted(notes, key=lambda n: (round(n.start * TICKS), n.duration, n.pitch)):
        by_grid[round(round(note.start * TICKS) / phrases.STEP_TICKS)] = note
    before = {(o, d, p) for o, d, p in phrases.tokens_to_notes(grid)}
    velocities = sorted((n.start, n.velocity) for n in notes)
    starts = [s for s, _ in velocities]
    result = []
    for onset, duration, pitch in phrases.tokens_to_notes(out):
        step = onset // phrases.STEP_TICKS
        original = by_grid.get(step)
        if (onset, duration, pitch) in before and original is not None:
            result.append(original)
            continue
        start = step * STEP_BEATS
        index = min(range(len(starts)), key=lambda i: abs(starts[i] - start)) if starts else None
        velocity = velocities[index][1] if index is not None else 80
        result.append(Note(pitch, round(start, 6), round(duration / TICKS, 6), velocity))
    # a kept note may have held on into a step that now starts a new note: cut it there
    result.sort(key=lambda n: n.start)
    for i, note in enumerate(result[:-1]):
        gap = result[i + 1].start - note.start
        if note.duration > gap + 1e-9:
            result[i] = Note(note.pitch, note.start, round(gap, 6), note.velocity)
    return result


def _steps(notes: Sequence[Note], frame: Frame) -> int:
    bars = max([first + count for first, count in frame.spans] + [len(frame.chords)])
    last = max((n.start + n.duration for n in notes), default=0.0)
    return max(bars * frame.bar_steps, math.ceil(last / STEP_BEATS))


def encode(vae, notes: Sequence[Note], frame: Frame) -> np.ndarray:
    """μ (phrases, Z) of every phrase of the lead line."""
    grid = _grid(notes, _steps(notes, frame))
    return vae.encode(_phrase_tokens(grid, frame), frame.features())


def vary(notes: Sequence[Note], frame: Frame, amount: float, seed: int, vae=None,
         source_chords: Sequence[Chord] | None = None) -> list[Note]:
    """The lead line moved by `amount` (0..1) in latent space, phrase by phrase.

    z = cos(θ)·μ + sin(θ)·ε with θ = amount·π/2 and ε ~ N(0, I) drawn per distinct phrase
    from `seed`: 0 keeps μ, 1 is a prior sample (a new tune on the same chords).
    `source_chords`, one a bar from the first phrase on, are the chords the notes were
    written over when they differ from the frame's (a section copied under new chords): the
    bars whose chord changed are decoded anew, not kept.
    """
    first = frame.spans[0][0] if frame.spans else 0
    forced = frozenset(first + i for i, chord in enumerate(source_chords or ())
                       if chord != frame.chords[first + i])
    if not frame.spans or (amount <= 0 and not forced):
        return list(notes)
    vae = vae or codec()
    with vae.running():
        return _vary(notes, frame, amount, seed, vae, forced)


def _vary(notes, frame: Frame, amount: float, seed: int, vae, forced) -> list[Note]:
    steps = _steps(notes, frame)
    grid = _grid(notes, steps)
    tokens = _phrase_tokens(grid, frame)
    mu = vae.encode(tokens, frame.features())
    rng = np.random.default_rng(seed)
    points: dict[bytes, np.ndarray] = {}  # equal phrases (tokens and chords) move together
    noise = np.empty_like(mu)
    for row, (first, bars) in enumerate(frame.spans):
        key = tokens[row].tobytes() + repr(frame.chords[first:first + bars]).encode()
        if key not in points:
            points[key] = rng.standard_normal(mu.shape[1]).astype(np.float32)
        noise[row] = points[key]
    theta = min(amount, 1.0) * math.pi / 2
    moved = math.cos(theta) * mu + math.sin(theta) * noise
    return _rewrite(notes, frame, moved, steps, vae, mu, forced)


def blend(notes: Sequence[Note], frame: Frame, other: Sequence[Note], other_frame: Frame,
          mix: float, vae=None) -> list[Note]:
    """A's lead line moved `mix` (0..1) of the way to B's, phrase by phrase, under A's plan.

    Phrase i of A goes towards phrase i of B (B's phrases repeat when B is shorter); B's
    phrases are encoded under B's own chords, and every phrase is decoded under A's.
    """
    if not frame.spans or not other_frame.spans or mix <= 0:
        return list(notes)
    vae = vae or codec()
    with vae.running():
        mu = encode(vae, notes, frame)
        towards = encode(vae, other, other_frame)
        paired = towards[np.arange(len(mu)) % len(towards)]
        # the straight path: on held-out pairs it moves from A to B more steadily than the
        # spherical one (reports/vae.md), as the codes' norms differ
        mix = min(mix, 1.0)
        moved = ((1 - mix) * mu + mix * paired).astype(np.float32)
        return _rewrite(notes, frame, moved, _steps(notes, frame), vae, mu)


def kept_share(before: Sequence[Note], after: Sequence[Note]) -> float:
    """The share of `before`'s notes that `after` plays at the same onset and pitch."""
    if not before:
        return 1.0
    played = {(round(n.start, 4), n.pitch) for n in after}
    return sum((round(n.start, 4), n.pitch) in played for n in before) / len(before)
