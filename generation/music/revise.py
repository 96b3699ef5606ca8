"""An edit sentence's `Changes` applied to a finished piece's Spec: the next version.

Each change touches only what it names, and the seed, the form and the melody stay unless the
change cannot keep them:

    tempo, transposition, instruments   same notes (transposed, re-voiced)
    longer                              same notes, new sections before the ending
    mood, style, mode, meter, shorter   same seed and form; the melody is written anew,
                                        because the model is conditioned on these

Whether the notes were kept is read back from the MIDI by the conversation, not promised here.
"""

from __future__ import annotations

import math
from dataclasses import replace

from generation.chords import spell
from generation.job import (
    LONGEST,
    MAX_BPM,
    MAX_LENGTH_S,
    MIN_BPM,
    MIN_LENGTH_S,
    Changes,
    Request,
)
from generation.music.balance import balanced, named
from generation.music.felt import felt
from generation.music.plan import make_plan
from generation.music.recast import kept_only, voiced
from generation.music.spec import (
    TONICS,
    Spec,
    make_spec,
    tonic_shift,
)
from generation.vocab import MINOR_MODES, MOOD_KEY, STYLE_TEMPO
from models.core.errors import RequestError
from models.inference import density_of

OVER_LIMIT = f"the piece lasts {LONGEST}"  # the end of the note a too-long ask gets


def key_name(tonic: int, mode: str, spelled: str | None = None) -> str:
    """"Ab minor": the tonic as `spelled` (the name the piece or the user gave it) when that
    names this pitch, else as the mode's key signature spells it (Ab major → minor stays Ab
    minor, not G# minor)."""
    name = spelled if spelled and TONICS.get(spelled) == tonic else spell(tonic, mode)
    return f"{name} {mode}"


def minutes(seconds: float) -> str:
    """'24 minutes', '20.5 minutes', '45 seconds': a length as a user says it."""
    if seconds < 60:
        return f"{seconds:.0f} seconds"
    return f"{round(seconds / 60, 1):g} minutes"


def within_limit(spec: Spec) -> Spec:
    """`spec`, or a RequestError when it would last longer than the longest piece (an edit
    that adds bars or slows the tempo of a long piece)."""
    if spec.total_duration_s > MAX_LENGTH_S + 0.01:
        raise RequestError(f"that would last {minutes(spec.total_duration_s)}; {LONGEST} is "
                           "the longest I write")
    return spec


def revise(base: Spec, changes: Changes) -> Spec:
    """The Spec `changes` make of `base` (the same seed); RequestError if none applies."""
    if not changes:
        raise RequestError("I didn't find anything to change in that")
    spec = base
    if changes.style or changes.meter or changes.mood or _mode_changes(base, changes):
        spec = _rewritten(base, changes)
    spec = _keyed(spec, changes)
    if changes.only:  # "just the piano. take the bass out": the bass is gone with the rest
        spec = kept_only(spec, changes.only)
        changes = replace(changes, remove=tuple(
            n for n in changes.remove if any(named(p, n) for p in spec.parts)))
    spec = voiced(spec, changes)
    if changes.levels:
        spec = balanced(spec, changes.levels)
    spec = _lengthened(spec, changes)
    if changes.rewrite:
        spec = _restructured(spec, changes.rewrite)
    if changes.intro or changes.outro:  # accompaniment around the same melody
        spec = within_limit(replace(spec, intro=spec.intro + changes.intro,
                                     outro=spec.outro + changes.outro))
    if changes.density:
        spec = _thinned(spec, changes.density)
    if changes.tempo_bpm is not None or changes.tempo_factor is not None:
        spec = retimed(spec, bpm=changes.tempo_bpm, factor=changes.tempo_factor)
    elif changes.tempo_step:  # "10 bpm faster": a factor of this piece's own tempo
        spec = retimed(spec, factor=(spec.tempo_bpm + changes.tempo_step) / spec.tempo_bpm)
    stated = tuple(dict.fromkeys(spec.stated + _stated(changes)))
    return within_limit(replace(spec, stated=stated))


def _stated(changes: Changes) -> tuple[str, ...]:
    named = {"tempo": changes.tempo_bpm or changes.tempo_factor or changes.tempo_step,
             "form": changes.rewrite or changes.intro or changes.outro,
             "key": changes.tonic or changes.mode or changes.transpose,
             "instruments": changes.add or changes.remove or changes.swap or changes.lead
             or changes.only,
             "length": changes.duration_s or changes.length_factor, "meter": changes.meter,
             "mood": changes.mood, "style": changes.style}  # density: not a slot said
    return tuple(name for name, said in named.items() if said)


# ------------------------------------------------------------------ notes kept

def retimed(spec: Spec, *, bpm: int | None = None, factor: float | None = None) -> Spec:
    """Another tempo (`bpm`, or the tempo times `factor`), the same notes: the melody stays
    conditioned on its first tempo, and the bars stay (the length follows)."""
    wanted = bpm or spec.tempo_bpm * factor
    tempo = int(min(MAX_BPM, max(MIN_BPM, round(wanted))))
    if tempo == spec.tempo_bpm:
        if bpm is None:
            limit = MAX_BPM if factor > 1 else MIN_BPM
            raise RequestError(f"the tempo is already {spec.tempo_bpm} bpm, at the "
                               f"{limit} bpm limit")
        return spec
    scaled = replace(spec, tempo_bpm=tempo, model_tempo=spec.model_tempo or spec.tempo_bpm)
    return replace(scaled, duration_s=round(spec.duration_s * spec.tempo_bpm / tempo, 3))


def _keyed(spec: Spec, changes: Changes) -> Spec:
    """A transposition: the same notes in another key (a mode change was written anew)."""
    tonic = spec.tonic
    if changes.tonic:
        tonic = TONICS[changes.tonic]
    tonic = (tonic + changes.transpose) % 12
    if changes.relative and changes.mode:  # relative minor: down a minor third
        tonic = (spec.tonic + (-3 if changes.mode in MINOR_MODES else 3)) % 12
    if tonic == spec.tonic and not (changes.mode and changes.mode != spec.mode):
        return spec
    mode = changes.mode or spec.mode
    moved = _interval(spec.tonic, tonic, changes.transpose)
    # the lead's register moves with the key, so the model writes the same notes: it sees the
    # melody in C, within the register less the transposition
    parts = tuple(replace(p, low=p.low + moved, high=p.high + moved) if p.role == "lead" else p
                  for p in spec.parts)
    octaves = (moved - tonic_shift(tonic) + tonic_shift(spec.tonic)) // 12
    spelled = changes.tonic or (spec.key.split()[0] if tonic == spec.tonic else None)
    return replace(spec, tonic=tonic, mode=mode, key=key_name(tonic, mode, spelled), parts=parts,
                   octave=spec.octave + octaves)


def _interval(old: int, new: int, said: int) -> int:
    """How far the music moves: the stated transposition, else the nearest way to `new`."""
    if said:
        return said
    step = (new - old) % 12
    return step if step <= 6 else step - 12


def _lengthened(spec: Spec, changes: Changes) -> Spec:
    """Longer: new sections before the ending, the notes kept. Shorter: fewer bars, anew.
    A length in seconds is exact: the nearest whole bars with the last one held or cut to
    it, else (a last bar is cut only down to two beats) whole bars short of it, the last
    one held the rest."""
    if changes.duration_s is None and changes.length_factor is None:
        return spec
    asked = changes.duration_s or spec.total_duration_s * changes.length_factor
    if asked > MAX_LENGTH_S and spec.total_duration_s > MAX_LENGTH_S - spec.bar_s:
        raise RequestError(f"it already lasts {minutes(spec.total_duration_s)}; {LONGEST} "
                           "is the longest I write")
    made = _stretched(spec, changes, round)
    said = changes.duration_s
    if said is not None and abs(made.total_duration_s - _bounded(said)) >= 0.01:
        made = _stretched(spec, changes, math.floor)
    kept = tuple(note for note in made.notes if not note.endswith(OVER_LIMIT))  # said before
    if asked > MAX_LENGTH_S + 0.01:
        kept = (f"{minutes(asked)} is over my limit of {LONGEST}; {OVER_LIMIT}",) + kept
    return replace(made, notes=kept)


def _bounded(seconds: float) -> float:
    return max(MIN_LENGTH_S, min(MAX_LENGTH_S, seconds))


def _stretched(spec: Spec, changes: Changes, whole) -> Spec:
    target = _bounded(changes.duration_s or spec.total_duration_s * changes.length_factor)
    said = changes.duration_s
    extra = whole((target - spec.total_duration_s) / spec.bar_s)
    if changes.length_factor and changes.length_factor > 1:
        extra = max(extra, 2)  # "longer" always adds something: a two-bar phrase at least
    if extra >= 2:
        phrase = spec.profile.phrase_bars
        sections = [phrase] * (extra // phrase)
        if extra % phrase:
            if extra % phrase >= 2 or not sections:
                sections.append(max(2, extra % phrase))
            else:
                sections[-1] += extra % phrase
        longer = replace(spec, extensions=spec.extensions + tuple(sections))
        return within_limit(_held_to(longer, changes.duration_s))
    shorter = changes.length_factor is not None and changes.length_factor < 1
    if extra > -2 and not shorter:
        held = _held_to(spec, said)  # within a bar or so of what it is
        if whole is round or abs(held.total_duration_s - target) < 0.01:
            return held
    bars = max(2, whole(target / spec.bar_s))
    if bars >= spec.total_bars:
        if spec.total_bars <= 2:
            raise RequestError(f"the piece is already as short as I write ({spec.total_bars} "
                               "bars)")
        bars = spec.total_bars - 1  # "shorter" always takes something off
    cut = replace(spec, bars=bars, extensions=(), duration_s=round(bars * spec.bar_s, 3))
    return _held_to(cut, changes.duration_s)


def _held_to(spec: Spec, seconds: float | None) -> Spec:
    """A length asked in seconds made exact, as a first request's is: the last bar is held
    (or cut) until the piece lasts `seconds`; it keeps at least two beats."""
    if seconds is None:
        return spec
    seconds = _bounded(seconds)
    held = spec.duration_s + seconds - spec.total_duration_s
    shortest = (spec.bars - 1) * spec.bar_s + 2 * spec.bar_s / spec.meter[0]
    return replace(spec, duration_s=round(max(shortest, held), 3))


# ------------------------------------------------------------------ written anew

DENSITY_RANGE = (0.3, 0.95)  # the notes a beat the melody model is asked for, as make_spec


def _thinned(spec: Spec, step: float) -> Spec:
    """Sparser or busier. The melody is written anew at another note density where it can
    be: the model hears density as a band at the piece's tempo (models.core.tokenizer.
    density_of), so a step that stays in the band goes on to the next band. Where there is
    none, or where the accompaniment was moved the other way before, the accompaniment moves
    (`Spec.texture`); only when neither can is the edit refused, with the reason."""
    way = 1 if step > 0 else -1
    if spec.texture * way < 0:  # busier after a thinned accompaniment: undo that first
        return replace(spec, texture=0)
    density = _next_band(spec, step)
    if density != spec.density:
        return replace(spec, density=density)
    if spec.texture != way and _texture_heard(spec, way):
        return replace(spec, texture=way)
    word = "sparse" if step < 0 else "busy"
    raise RequestError(f"the melody and its accompaniment are already as {word} as I write "
                       f"them at {spec.tempo_bpm} bpm; try {'slower' if step < 0 else 'faster'}"
                       " or another instrument")


def _texture_heard(spec: Spec, way: int) -> bool:
    """Whether moving the accompaniment's texture `way` changes what is heard: drums, or a
    comping part (a held pad pattern has nothing to thin)."""
    return any(p.role == "drums" or (p.role == "comp" and (
        way > 0 or spec.profile.comp_pattern != "pad")) for p in spec.parts)


def _next_band(spec: Spec, step: float) -> float:
    """The melody's density `step` away, moved on into the next band the model hears at
    the piece's tempo; the density as it is when there is none that way."""
    low, high = DENSITY_RANGE
    tempo = spec.model_tempo or spec.tempo_bpm
    heard = density_of(spec.density, tempo)
    density = round(min(high, max(low, spec.density + step)), 3)
    if density_of(density, tempo) == heard:
        bound = high if step > 0 else low
        further = (round(density + (bound - density) * i / 20, 3) for i in range(1, 21))
        density = next((d for d in further if density_of(d, tempo) != heard), spec.density)
    return density


def _restructured(spec: Spec, where: str) -> Spec:
    """A third of the melody written anew ("a new ending", "redo the middle", "another
    opening"): the whole bars inside that third of the melody (one bar at least); the notes
    before and after it stay as they were. The thirds are of the bars the melody is written
    in: after the intro (accompaniment alone) and before the last bar (the held final note)."""
    plan = make_plan(spec)
    start = plan.sections[0].bars if plan.sections[0].label == "intro" else 0
    bars = max(1, plan.bars - 1 - start)
    thirds = {"beginning": (0, bars // 3), "middle": (-(-bars // 3), 2 * bars // 3),
              "ending": (-(-2 * bars // 3), bars)}
    if where not in thirds:
        raise RequestError(f"I can write the beginning, the middle or the ending again, "
                           f"not {where!r}")
    first, stop = thirds[where]
    if stop <= first:  # a piece too short for whole bars in each third
        first = {"beginning": 0, "middle": bars // 2, "ending": bars - 1}[where]
        stop = first + 1
    return replace(spec, rewrites=spec.rewrites + ((start + first, stop - first),))


def _mode_changes(base: Spec, changes: Changes) -> bool:
    return bool(changes.mode) and changes.mode != base.mode


def _rewritten(base: Spec, changes: Changes) -> Spec:
    """Mood, style, mode or meter: the piece's request asked again with the change, on the
    same seed and form, keeping everything the user stated before."""
    stated = set(base.stated)
    mood, style = base.mood, changes.style or base.style
    key = base.key
    if changes.mood and "key" not in stated and changes.mood_amount >= 1.0:
        wanted = MOOD_KEY[changes.mood].split()[1]  # the mode listeners hear in this mood
        if (wanted == "minor") != (base.mode in MINOR_MODES):
            key = key_name(base.tonic, wanted, base.key.split()[0])
    if changes.mode:
        key = key_name(base.tonic, changes.mode, base.key.split()[0])
    tempo = base.tempo_bpm
    if changes.style and "tempo" not in stated:  # the nearest tempo the new style allows
        low, high = STYLE_TEMPO[style]
        tempo = min(high, max(low, tempo))
    meter = changes.meter or f"{base.meter[0]}/{base.meter[1]}"
    instruments = tuple(dict.fromkeys(p.instrument for p in base.parts if p.role in (
        "lead", "comp", "counter", "pad") or "instruments" in stated))
    request = Request(
        text=base.text, mood=mood, moods=(mood,), style=style, tempo_bpm=tempo, key=key,
        meter=meter, instruments=instruments if "instruments" in stated else (),
        duration_s=base.duration_s, bars=None if changes.meter else base.bars,  # the form
        stated=tuple(stated), notes=(), chords=base.chords, whole_band=base.whole_band)
    spec = make_spec(request, base.seed)
    spec = replace(spec, valence=base.valence, arousal=base.arousal, density=base.density,
                   octave=base.octave if changes.style is None else spec.octave,
                   chords_tonic=base.chords_tonic)
    if not changes.meter:  # the same bars, the last one held as long as before
        spec = replace(spec, duration_s=base.duration_s)
    if changes.style is None:
        spec = replace(spec, parts=base.parts, velocity=base.velocity)  # the same ensemble
    if changes.mood:
        spec = felt(spec, changes)
    # sections added by ⏩ keep their length in seconds in the new meter
    extensions = tuple(max(2, round(bars * base.bar_s / spec.bar_s)) for bars in base.extensions)
    return replace(spec, extensions=extensions, notes=())
