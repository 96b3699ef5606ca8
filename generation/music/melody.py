"""Plan → melody: the lead line from the music model, section by section.

Repeated sections repeat their melody; a primed section (A′, B′) is a close neighbour of its
model: the same phrases moved a little in the phrase VAE's latent space and decoded under the
primed section's own chords (generation/music/variation.py), so a piece develops its motif;
new sections are generated with the last bars as context. The spec's phrase edits (🎲 vary,
blends) then rework the finished line. Everything happens in the normalised key (tonic C);
the arranger transposes to the requested tonic, so the tonic is exact.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import replace

from generation.music import variation
from generation.music.plan import Plan, family_of, make_plan, round_of
from generation.music.spec import Spec, tonic_shift
from models.inference import Controls, Note, phrase_spans

CONTEXT_BARS = 4  # bars of earlier melody given to the model as a prefix
# How far a primed section (A′) moves from its model in the VAE's latent space (0..1); 0
# copies the first half of the model and lets the Transformer write the second half.
NEIGHBOUR = 0.1
# A neighbour that decodes back to its model note for note (8 of 45 seeded A′ sections of
# folk, classical and pop pieces) is tried again at 2× and 3× the distance: A′ develops A.
NEIGHBOUR_TRIES = 3
# A long piece's later rounds (A2, A3 ...: generation/music/plan.py) move a step further from
# their theme each round, up to this distance: past it a variation no longer sounds like A.
MAX_REACH = 0.4
# Lead lines written lately in this process, by (model, spec): a blend's second piece was
# usually composed a moment ago (an earlier version of the conversation), so its melody is
# not written twice.
WRITTEN: OrderedDict[tuple[str, Spec], tuple[Note, ...]] = OrderedDict()
WRITTEN_SIZE = 64
REGISTER_PULL = 0.1  # the sampler's register filter (models/inference/filters.register)


def transposition(spec: Spec) -> int:
    """Semitones from the normalised key to the requested one."""
    return tonic_shift(spec.tonic) + 12 * spec.octave


def controls_of(spec: Spec) -> Controls:
    return Controls(style=spec.style, mode=spec.mode, meter=spec.meter,
                    tempo_bpm=spec.model_tempo or spec.tempo_bpm, density=spec.density,
                    valence=spec.valence, arousal=spec.arousal)


def shifted(notes: list[Note], beats: float) -> list[Note]:
    """The notes `beats` later."""
    return [replace(n, start=round(n.start + beats, 6)) for n in notes]


def _window(notes: list[Note], start: float, stop: float) -> list[Note]:
    """Notes starting in [start, stop), cut so that none sounds past `stop`."""
    kept = []
    for note in notes:
        if start <= note.start < stop:
            kept.append(replace(note, duration=min(note.duration, stop - note.start)))
    return kept


def frame_of(spec: Spec, plan: Plan, spans=None) -> variation.Frame:
    """What the phrase VAE needs of a piece: meter, mode, chords, phrases, the lead's range."""
    lead = spec.part("lead")
    shift = transposition(spec)
    meter = f"{spec.meter[0]}/{spec.meter[1]}"
    return variation.Frame(
        meter, spec.mode, spec.style, tuple(plan.chords),
        variation.phrase_spans(plan.sections, meter) if spans is None else tuple(spans),
        (lead.low - shift, lead.high - shift) if lead else (55, 84),
        spec.scale_strictness >= 0.5)


class MelodyWriter:
    """Writes the lead line of a plan with a loaded MelodyModel (and the phrase VAE)."""

    def __init__(self, model, vae=None):
        self.model = model
        self._vae = vae

    @property
    def _version(self) -> str:
        """The model's version (a fake model in a test: its identity)."""
        return getattr(self.model, "version", None) or f"id-{id(self.model)}"

    @property
    def vae(self):
        if self._vae is None:
            self._vae = variation.codec()
        return self._vae

    def _generate(self, spec: Spec, plan: Plan, first: int, count: int, melody: list[Note],
                  seed: int) -> list[Note]:
        """`count` new bars starting at bar `first`, continuing `melody` (absolute beats)."""
        bar = spec.beats_per_bar
        context_start = max(0, first - CONTEXT_BARS)
        prefix = shifted(_window(melody, context_start * bar, first * bar), -context_start * bar)
        lead = spec.part("lead")
        shift = transposition(spec)
        notes = self.model.generate(
            controls_of(spec), list(plan.chords[first:first + count]), seed=seed,
            sections=plan.section_of_bar()[first:first + count], prefix=prefix or None,
            scale_strictness=spec.scale_strictness,
            pitch_range=(lead.low - shift, lead.high - shift) if lead else (55, 84),
            register_pull=REGISTER_PULL if lead else 0.0,
        )
        # the model starts its bars at the first bar line after the prefix's last onset
        offset = (math.floor(max(n.start for n in prefix) / bar + 1e-9) + 1) * bar \
            if prefix else 0.0
        new = [n for n in notes if n.start >= offset - 1e-6]
        return _window(shifted(new, first * bar - offset), first * bar, (first + count) * bar)

    def write(self, spec: Spec, plan: Plan, prefix: list[Note] | None = None) -> list[Note]:
        """The whole lead line, in the normalised key, in absolute quarter-note beats.

        `prefix` is a melody already written (an uploaded piece): it fills the bars it
        covers, labelled "given" in the plan, and the model continues from it. The bars of
        `spec.rewrites` are then written again, each on a seed of its own, after the melody
        that leads into them; every other note stays as it was first written.
        """
        melody = self._first_draft(spec, plan, prefix)
        bar = spec.beats_per_bar
        for turn, (first, count) in enumerate(spec.rewrites, 1):
            start, stop = first * bar, (first + count) * bar
            # a note held into the bars written anew stops where they begin
            before = [replace(n, duration=min(n.duration, start - n.start))
                      for n in melody if n.start < start]
            new = self._generate(spec, plan, first, count, before,
                                 spec.melody_seed + 7_919 * turn + 1_000_003 * spec.variant)
            melody = sorted(before + new + [n for n in melody if n.start >= stop],
                            key=lambda n: n.start)
        for edit in spec.phrase_edits:
            melody = self.rework(spec, plan, melody, edit)
        if prefix is None:
            WRITTEN[(self._version, spec)] = tuple(melody)
            while len(WRITTEN) > WRITTEN_SIZE:
                WRITTEN.popitem(last=False)
        return melody

    def rework(self, spec: Spec, plan: Plan, melody: list[Note], edit: tuple) -> list[Note]:
        """One phrase edit of the spec: ("vary", amount, seed) or ("blend", mix, other)."""
        kind, amount, value = edit
        frame = frame_of(spec, plan)
        if kind == "vary":
            return variation.vary(melody, frame, float(amount), int(value), self.vae)
        if kind == "blend":
            other = Spec.from_json(json.loads(value))
            other_plan = make_plan(other)
            known = WRITTEN.get((self._version, other))
            other_melody = list(known) if known is not None else self.write(other, other_plan)
            return variation.blend(melody, frame, other_melody, frame_of(other, other_plan),
                                   float(amount), self.vae)
        raise ValueError(f"unknown phrase edit {kind!r}")

    def _first_draft(self, spec: Spec, plan: Plan, prefix: list[Note] | None) -> list[Note]:
        """The lead line section by section: repeats copied, the rest from the model."""
        bar = spec.beats_per_bar
        melody: list[Note] = list(prefix or [])
        heard: dict[str, tuple[int, int]] = {}  # label → (first bar, bars) of its first statement
        for index, section in enumerate(plan.sections):
            start, count = section.start, section.bars
            if section.label == "given":
                continue
            seed = spec.melody_seed + 101 * index + 1_000_003 * spec.variant
            family = family_of(section.label)
            if section.label == "intro":
                continue
            if section.label == "end":
                melody += self._final_note(spec, melody, start, plan.chords[start].root)
                continue
            if section.label in heard and heard[section.label][1] == count:
                source, _ = heard[section.label]
                copied = _window(melody, source * bar, (source + count) * bar)
                melody += shifted(copied, (start - source) * bar)
                continue
            if family in heard and count >= 2 and NEIGHBOUR > 0:
                reach = min(MAX_REACH, NEIGHBOUR * (1 + round_of(section.label)))
                melody += self._neighbour(spec, plan, melody, heard[family], start, count, seed,
                                          reach)
            elif family in heard and count >= 2:
                source, length = heard[family]
                half = min(count, length) // 2
                melody += shifted(_window(melody, source * bar, (source + half) * bar),
                                 (start - source) * bar)
                melody += self._generate(spec, plan, start + half, count - half, melody, seed)
            else:
                melody += self._generate(spec, plan, start, count, melody, seed)
            heard.setdefault(section.label, (start, count))
            heard.setdefault(family, (start, count))
        return melody

    def _neighbour(self, spec: Spec, plan: Plan, melody: list[Note], model: tuple[int, int],
                   start: int, count: int, seed: int, reach: float = NEIGHBOUR) -> list[Note]:
        """A primed section: its model's bars moved `reach` in latent space, under the
        section's own chords; bars beyond the model's length come from the Transformer."""
        bar = spec.beats_per_bar
        source, length = model
        same = min(count, length)
        copied = shifted(_window(melody, source * bar, (source + same) * bar),
                         (start - source) * bar)
        meter = f"{spec.meter[0]}/{spec.meter[1]}"
        frame = frame_of(spec, plan, [(start + first, bars) for first, bars in
                                      phrase_spans([meter] * same)])
        for step in range(1, NEIGHBOUR_TRIES + 1):  # further while the VAE hands A back
            written = variation.vary(copied, frame, reach * step, seed, self.vae,
                                     source_chords=plan.chords[source:source + same])
            if variation.kept_share(copied, written) < 1.0:
                break
        if count > same:
            written += self._generate(spec, plan, start + same, count - same, melody + written,
                                      seed)
        return written

    @staticmethod
    def _final_note(spec: Spec, melody: list[Note], bar_index: int, root: int = 0) -> list[Note]:
        """The last chord's root (the tonic, unless a named progression ends elsewhere),
        nearest to where the melody last was, held for the whole last bar."""
        lead = spec.part("lead")
        shift = transposition(spec)
        low, high = (lead.low - shift, lead.high - shift) if lead else (55, 84)
        last = melody[-1].pitch if melody else (low + high) // 2
        candidates = [p for p in range(low, high + 1) if p % 12 == root] or [60 + root]
        tonic = min(candidates, key=lambda p: abs(p - last))
        return [Note(tonic, bar_index * spec.beats_per_bar, spec.beats_per_bar, 80)]
