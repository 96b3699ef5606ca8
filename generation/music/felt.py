"""A mood edit applied to a Spec: the emotion moved towards the named mood, and what
listeners hear of it moved with it (tempo, density, loudness, articulation, register).

    felt(spec, Changes(mood="sad"))  → valence and arousal 70 % of the way to sad's

A piece already at the end of the scale ("sadder" of the saddest piece) still moves what can
move: its tempo (unless the user stated it), the melody's density and register.
"""

from __future__ import annotations

from dataclasses import replace

from generation.job import LITTLE, LOT, MAX_BPM, MIN_BPM, Changes
from generation.music.instruments import instrument
from generation.music.spec import (
    Spec,
    busyness,
    emotion,
    legato_for,
    loudness,
    octave_for,
    register,
)
from models.core.errors import RequestError

# how far a mood edit moves valence and arousal towards the named mood's: a bit, plain, much
MOOD_STEP = {LITTLE: 0.45, 1.0: 0.7, LOT: 1.0}


def felt(spec: Spec, changes: Changes) -> Spec:
    """The emotion moved towards `changes.mood`, by a step that grows with the amount, and
    what listeners hear of it moved with it (Juslin & Laukka 2004; Gabrielsson & Lindström
    2010): tempo, density and loudness follow arousal and valence, articulation arousal, the
    melody's register valence. The same rules as make_spec, applied to the change."""
    step = MOOD_STEP.get(changes.mood_amount, MOOD_STEP[1.0])
    target_v, target_a = emotion((changes.mood,))
    valence = spec.valence + step * (target_v - spec.valence)
    arousal = spec.arousal + step * (target_a - spec.arousal)
    d_v, d_a = valence - spec.valence, arousal - spec.arousal
    density = min(0.95, max(0.3, spec.density + busyness(valence, arousal)
                            - busyness(spec.valence, spec.arousal)))
    louder = round(loudness(valence, arousal) - loudness(spec.valence, spec.arousal))
    parts = []
    for part in spec.parts:
        part = replace(part, velocity=max(30, min(120, part.velocity + louder)))
        if part.role == "lead":  # the melody's register follows valence (spec.register)
            played = instrument(part.instrument)
            low, high = register("lead", played.low, played.high, spec.profile, valence)
            part = replace(part, low=low, high=high)
        parts.append(part)
    lead = next(p for p in parts if p.role == "lead")
    # Faster when more excited or happier, slower when calmer or sadder; but a tempo the user
    # stated, before or in the same line, is theirs (a named change is applied after this).
    quicken = 1 + 0.15 * d_a + 0.1 * d_v
    named = changes.tempo_bpm is not None or changes.tempo_factor is not None
    keep = "tempo" in spec.stated or named
    tempo = spec.tempo_bpm if keep else int(min(MAX_BPM, max(MIN_BPM,
                                                             round(spec.tempo_bpm * quicken))))
    if abs(d_v) < AT_THE_END and abs(d_a) < AT_THE_END:  # already there: go further
        tempo, density, parts = _further(spec, changes, keep, density, parts)
        lead = next(p for p in parts if p.role == "lead")
    return replace(spec, mood=changes.mood if step >= 0.5 else spec.mood,
                   valence=round(valence, 3), arousal=round(arousal, 3),
                   density=round(density, 3), legato=legato_for(arousal),
                   parts=tuple(parts), velocity=max(30, min(120, spec.velocity + louder)),
                   octave=octave_for(lead, spec.tonic), tempo_bpm=tempo,
                   duration_s=round(spec.duration_s * spec.tempo_bpm / tempo, 3))


AT_THE_END = 0.05  # a mood step smaller than this on both axes: the piece is already there
FURTHER_TEMPO, FURTHER_DENSITY, FURTHER_SEMITONES = 0.08, 0.1, 3


def _further(spec: Spec, changes: Changes, keep_tempo: bool, density: float,
             parts: list) -> tuple[int, float, list]:
    """A mood the piece already has, asked for again ("sadder" of the saddest piece): what
    can still move moves the mood's way: the tempo (unless stated), the melody's density and
    its register. RequestError, saying why, when none of them can."""
    target_v, target_a = emotion((changes.mood,))
    lift = (target_v > 0) - (target_v < 0)  # happier higher, sadder lower
    push = (target_a > 0) - (target_a < 0) or lift  # livelier busier and faster
    tempo = spec.tempo_bpm
    if not keep_tempo:
        tempo = int(min(MAX_BPM, max(MIN_BPM, round(tempo * (1 + FURTHER_TEMPO * push)))))
    density = min(0.95, max(0.3, density + FURTHER_DENSITY * push))
    moved = []
    for part in parts:
        if part.role == "lead" and lift:
            played, was = instrument(part.instrument), spec.part("lead")  # its band as it was
            low, high = was.low + FURTHER_SEMITONES * lift, was.high + FURTHER_SEMITONES * lift
            part = replace(part, low=was.low, high=was.high)
            if played.low <= low and high <= played.high:
                part = replace(part, low=low, high=high)
        moved.append(part)
    lead = next(p for p in moved if p.role == "lead")
    if tempo == spec.tempo_bpm and round(density, 3) == spec.density and \
            lead.low == spec.part("lead").low:
        raise RequestError(
            f"this piece is already as {changes.mood} as I make it (valence "
            f"{spec.valence:+.2f}, arousal {spec.arousal:+.2f}), its tempo is the one you "
            f"stated ({spec.tempo_bpm} bpm) and its melody is at the edge of its range; say "
            "“slower” or “faster” to move the tempo")
    return tempo, density, moved
