"""The controls' edits of a finished piece: 🔁 regenerate, 🎲 vary, ⏩ extend, 🐢/🐇
slower/faster and 🎹 a new lead instrument, each keeping everything it does not name. `edit`
is their one entry point; an edit sentence's Changes go through `generation.music.revise`,
which the tempo controls share.
"""

from __future__ import annotations

import random
from dataclasses import replace

from generation.music.instruments import BY_NAME, instrument
from generation.music.revise import MAX_TOTAL_BARS, retimed
from generation.music.spec import Part, Spec, register
from models.errors import RequestError

TEMPO_STEP = 1.15  # 🐢/🐇 change the tempo by 15 %


def edit(base: Spec, action: str, seed: int, *, instrument_name: str | None = None) -> Spec:
    """The Spec that `action` makes of `base`; `seed` is the job's seed."""
    if action == "regenerate":  # a new piece on the same request
        fresh = random.Random(seed)
        return replace(base, seed=seed, melody_seed=fresh.randrange(2**31))
    if action == "vary":  # the same plan, a new melody
        return replace(base, melody_seed=random.Random(seed).randrange(2**31))
    if action == "extend":
        return extended(base)
    if action in ("faster", "slower"):
        return with_tempo(base, TEMPO_STEP if action == "faster" else 1 / TEMPO_STEP)
    if action == "instrument":
        return with_lead(base, instrument_name or "")
    raise RequestError(f"I don't know how to {action!r} a piece")


def extended(spec: Spec) -> Spec:
    """⏩: another section before the ending (two phrases of four bars, or one longer one)."""
    more = spec.profile.phrase_bars * (1 if spec.profile.phrase_bars > 4 else 2)
    if spec.total_bars + more > MAX_TOTAL_BARS:
        raise RequestError(f"the piece already has {spec.total_bars} bars; "
                           f"{MAX_TOTAL_BARS} is the most I write")
    return replace(spec, extensions=spec.extensions + (more,))


def with_tempo(spec: Spec, factor: float) -> Spec:
    """🐢/🐇: the same piece at another tempo (the bars stay; the length follows)."""
    return retimed(spec, factor=factor)


def with_lead(spec: Spec, name: str) -> Spec:
    """🎹: the melody on another instrument, in that instrument's register."""
    if name not in BY_NAME or BY_NAME[name].is_drum:
        raise RequestError(f"{name!r} is not an instrument I can give the melody to")
    old = spec.part("lead")
    lead_instrument = instrument(name)
    low, high = register("lead", lead_instrument.low, lead_instrument.high, spec.profile)
    lead = Part("lead", name, lead_instrument.program, False, low, high,
                old.velocity if old else 80)
    parts = tuple(lead if p.role == "lead" else p for p in spec.parts)
    return replace(spec, parts=parts, notes=spec.notes + (f"melody now on {name}",))
