"""The controls' edits of a finished piece: 🔁 regenerate, 🎲 vary, ⏩ extend, 🐢/🐇
slower/faster, 🎹 a new lead instrument, and blends of two pieces, each keeping everything
it does not name. `edit` is their one entry point; an edit sentence's Changes go through
`generation.music.revise`, which the tempo controls share.

🎲 vary and blends keep the plan (chords, sections, key, tempo, arrangement) and rework only
the lead line with the phrase VAE (generation/music/variation.py): they append a phrase
edit to the spec, which the melody writer applies after writing the line as before.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

from generation.job import BLEND_MIX, VARY_DEFAULT
from generation.music.instruments import BY_NAME, instrument
from generation.music.revise import retimed, within_limit
from generation.music.spec import Part, Spec, melody_seed_of, register
from models.core.errors import RequestError

TEMPO_STEP = 1.15  # 🐢/🐇 change the tempo by 15 %


def edit(base: Spec, action: str, seed: int, *, instrument_name: str | None = None,
         amount: float | None = None, other: dict[str, Any] | None = None) -> Spec:
    """The Spec that `action` makes of `base`; `seed` is the job's seed.

    `amount` is how far a vary moves (default `VARY_DEFAULT`) or a blend's mix; `other` is
    the spec (JSON) of a blend's second piece.
    """
    if action == "regenerate":  # a new piece on the same request
        fresh = random.Random(seed)
        return replace(base, seed=seed, melody_seed=melody_seed_of(
            fresh.randrange(2**31), base.style, base.meter))
    if action == "vary":  # the same plan, the melody moved in latent space
        return varied(base, VARY_DEFAULT if amount is None else amount, seed)
    if action == "blend":
        if other is None:
            raise RequestError("a blend needs a second piece")
        return blended(base, other, BLEND_MIX if amount is None else amount)
    if action == "extend":
        return extended(base)
    if action in ("faster", "slower"):
        return with_tempo(base, TEMPO_STEP if action == "faster" else 1 / TEMPO_STEP)
    if action == "instrument":
        return with_lead(base, instrument_name or "")
    raise RequestError(f"I don't know how to {action!r} a piece")


def varied(spec: Spec, amount: float, seed: int) -> Spec:
    """🎲: the same piece with its melody moved `amount` (0..1) in the phrase VAE."""
    if not 0.0 < amount <= 1.0:
        raise RequestError(f"a variation's strength is above 0 and at most 1, not {amount:g}")
    edit = ("vary", round(float(amount), 3), random.Random(seed).randrange(2**31))
    return replace(spec, phrase_edits=spec.phrase_edits + (edit,))


def blended(spec: Spec, other: dict[str, Any], mix: float) -> Spec:
    """A blend: `spec`'s piece with its melody `mix` of the way to the melody of `other`."""
    if not 0.0 <= mix <= 1.0:
        raise RequestError(f"a blend's mix is between 0 and 1, not {mix:g}")
    text = json.dumps(Spec.from_json(other).to_json(), sort_keys=True)
    return replace(spec, phrase_edits=spec.phrase_edits + (("blend", round(float(mix), 3),
                                                             text),))


def extended(spec: Spec) -> Spec:
    """⏩: another section before the ending (two phrases of four bars, or one longer one)."""
    more = spec.profile.phrase_bars * (1 if spec.profile.phrase_bars > 4 else 2)
    return within_limit(replace(spec, extensions=spec.extensions + (more,)))


def with_tempo(spec: Spec, factor: float) -> Spec:
    """🐢/🐇: the same piece at another tempo (the bars stay; the length follows)."""
    return within_limit(retimed(spec, factor=factor))


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
