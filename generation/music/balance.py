"""Which part a word names, and one part played louder or quieter ("the drums are too loud").

A part's level is its base velocity (`Part.velocity`): the arranger scales every note of the
part from it and the performance shapes it by phrase, so the balance moves and the notes stay.
The mix is brought to the same loudness afterwards, so a quieter part lets the others forward.
"""

from __future__ import annotations

from dataclasses import replace

from generation.music.spec import Part, Spec
from models.core.errors import RequestError

LEVEL_STEP = 10  # velocity a plain "louder" adds (a little: half, much: twice)
LEVELS = (30, 120)  # the quietest and loudest base velocity a part is given


def named(part: Part, said: str) -> bool:
    """Whether `said` names this part: its own name, or the family it belongs to ("the sax"
    is the tenor saxophone, "the bass" the slap bass, "the drums" any drum kit)."""
    if part.instrument == said or part.instrument.endswith(" " + said):
        return True
    return said == "drums" and part.is_drum


def balanced(spec: Spec, levels: tuple[tuple[str, float], ...]) -> Spec:
    """`spec` with each named part's level moved by its step; RequestError when a part is not
    in the piece or is already as loud (or as quiet) as it goes."""
    parts = list(spec.parts)
    for said, step in levels:
        way = "louder" if step > 0 else "quieter"
        found = [i for i, part in enumerate(parts) if named(part, said)]
        if not found:
            raise RequestError(f"there is no {said} in this piece to make {way}")
        for i in found:
            velocity = min(LEVELS[1], max(LEVELS[0], parts[i].velocity
                                          + round(LEVEL_STEP * step)))
            if velocity == parts[i].velocity:
                raise RequestError(f"the {parts[i].instrument} is already as {way[:-2]} as "
                                   "I play it")
            parts[i] = replace(parts[i], velocity=velocity)
    return replace(spec, parts=tuple(parts))
