"""Who plays, changed on a finished piece's Spec: instruments added, left out, swapped, given
the melody, or kept alone ("just piano"). The notes stay; only the parts change."""

from __future__ import annotations

from dataclasses import replace

from generation.job import Changes
from generation.music.balance import named
from generation.music.instruments import BASS_INSTRUMENTS, BY_NAME, instrument
from generation.music.spec import Part, Spec, register
from models.core.errors import RequestError


def voiced(spec: Spec, changes: Changes) -> Spec:
    """Instruments added, left out, swapped, or given the melody; the notes stay."""
    parts = list(spec.parts)
    octave = spec.octave

    def lead_to(name: str) -> None:
        nonlocal parts, octave
        lead = next(p for p in parts if p.role == "lead")
        moved, octaves = _relead(lead, name, spec)
        parts = [moved if p is lead else p for p in parts]
        octave += octaves

    for old, new in changes.swap:
        if not any(named(p, old) for p in parts):
            raise RequestError(f"there is no {old} in this piece to swap")
        _check(new, drums_ok=instrument(new).is_drum and instrument(old).is_drum)
        if spec.part("lead") and named(spec.part("lead"), old):
            lead_to(new)
        parts = [_recast(p, new, spec) if named(p, old) and p.role != "lead" else p
                 for p in parts]
    for name in changes.remove:
        if not any(named(p, name) for p in parts):
            raise RequestError(f"there is no {name} in this piece to leave out")
        parts = [p for p in parts if not named(p, name)]
        if not any(p.role == "lead" for p in parts):
            # the melody goes to a part that can sing it: not the bass while another is left
            heir = next((p for p in parts if not p.is_drum and p.role != "bass"),
                        next((p for p in parts if not p.is_drum), None))
            if heir is None:
                raise RequestError(f"without the {name} nothing would be left to play the "
                                   "melody; swap it for another instrument instead")
            parts.insert(0, spec.part("lead"))
            lead_to(heir.instrument)
    for name in changes.add:
        _check(name, drums_ok=True)
        if name in {p.instrument for p in parts}:
            continue
        if instrument(name).is_drum and any(p.is_drum for p in parts):  # one kit: the new one
            parts = [_recast(p, name, spec) if p.is_drum else p for p in parts]
            continue
        parts.append(_added(name, parts, spec))
    if changes.lead:  # "guitar lead" in a piece with an electric guitar: that one
        said = next((p.instrument for p in parts if named(p, changes.lead)), changes.lead)
        _check(said)
        lead_to(said)
    if parts == list(spec.parts):
        return spec
    return replace(spec, parts=tuple(parts), octave=octave)


def kept_only(spec: Spec, names: tuple[str, ...]) -> Spec:
    """Only `names` left playing ("just piano", "everything but the drums out"): the ones the
    piece lacks are added first, then every other part is left out, the melody going to the
    first of `names` when its own instrument leaves."""
    if all(BY_NAME[n].is_drum for n in names if n in BY_NAME):
        raise RequestError(f"the {' and '.join(names)} alone cannot play the melody; name an "
                           "instrument to keep with them")
    added = tuple(n for n in names if not any(named(p, n) for p in spec.parts))
    spec = voiced(spec, Changes(add=added)) if added else spec
    gone = tuple(dict.fromkeys(p.instrument for p in spec.parts
                               if not any(named(p, n) for n in names)))
    if not gone:
        return spec
    lead = spec.part("lead")
    keeps_lead = lead is not None and any(named(lead, n) for n in names)
    kept = voiced(spec, Changes(remove=gone))
    first = next((n for n in names if not instrument(n).is_drum), None) if not keeps_lead else None
    return voiced(kept, Changes(lead=first)) if first else kept


def _check(name: str, drums_ok: bool = False) -> None:
    if name not in BY_NAME or (BY_NAME[name].is_drum and not drums_ok):
        raise RequestError(f"{name!r} is not an instrument I can give a part to")


def _recast(part: Part, name: str, spec: Spec) -> Part:
    """`part` played by `name`: its register kept where the instrument can play it."""
    new = instrument(name)
    if new.low <= part.low and part.high <= new.high:
        low, high = part.low, part.high
    else:
        low, high = register(part.role, new.low, new.high, spec.profile, spec.valence)
    return Part(part.role, name, new.program, new.is_drum, low, high, part.velocity)


def _relead(lead: Part, name: str, spec: Spec) -> tuple[Part, int]:
    """The melody given to `name`, and the octaves it moves: the same notes, moved by whole
    octaves into the instrument's range when they do not fit (a cello plays the flute's
    tune an octave or two lower). The model sees the same band in C, so writes the same
    notes; only when no octave fits is the band the instrument's own (and the tune new)."""
    new = instrument(name)
    for octaves in sorted(range(-3, 4), key=abs):
        low, high = lead.low + 12 * octaves, lead.high + 12 * octaves
        if new.low <= low and high <= new.high:
            return Part("lead", name, new.program, False, low, high, lead.velocity), octaves
    return _recast(lead, name, spec), 0


def _added(name: str, parts: list[Part], spec: Spec) -> Part:
    """A new part for `name`, in the role the ensemble lacks that the instrument can fill."""
    new = instrument(name)
    roles = {p.role for p in parts}
    lead = next((p.velocity for p in parts if p.role == "lead"), spec.velocity)
    if new.is_drum:
        role = "drums"
    elif name in BASS_INSTRUMENTS and "bass" not in roles:
        role = "bass"
    elif new.chordal and "comp" not in roles:
        role = "comp"
    elif new.sustained and "pad" not in roles:
        role = "pad"
    else:
        role = "counter"
    offset = {"comp": -14, "bass": -6, "pad": -24, "drums": -8, "counter": -10}[role]
    low, high = register(role, new.low, new.high, spec.profile)
    return Part(role, name, new.program, new.is_drum, low, high,
                max(30, min(120, lead + offset)))
