"""Moods you can hear: seeded pairs of requests that differ only in their mood word, read back
from the MIDI, move the way listeners expect (Juslin & Laukka 2004; Gabrielsson & Lindström
2010): happy vs sad → major, faster, denser, higher, louder; calm vs energetic → slower,
sparser, softer. Each cue must hold in at least 95 % of the pairs; an edit moves them by a
step that grows from "a bit" to "much"."""

from __future__ import annotations

import statistics
from dataclasses import replace

import pytest

from generation import Changes, Composer, Job
from generation.composer import DRAFTS
from generation.music.keyfind import estimate_key
from generation.music.revise import revise
from generation.music.spec import Spec

pytestmark = [pytest.mark.slow]

PAIRS = 20
TEMPLATES = ("a {} piano piece, 10 seconds", "{} music for strings, 10 seconds",
             "a {} folk tune, 10 seconds", "{} pop song, 10 seconds")
CONTRASTS = {  # (the mood listeners hear as more ..., its opposite): the cues that must follow
    ("happy", "sad"): ("major", "tempo", "density", "register", "loudness"),
    ("joyful", "dark"): ("major", "tempo", "density", "register", "loudness"),
    ("energetic", "calm"): ("tempo", "density", "loudness"),
    ("angry", "gentle"): ("tempo", "density", "loudness"),
}


def heard(composer: Composer, spec: Spec, drafts: int = DRAFTS) -> dict[str, float]:
    """What a listener hears of a piece, read from its MIDI: the mode key-finding hears, the
    tempo the file plays at, notes a second of the melody, the melody's mean pitch and the
    level of the pitched parts (each part's mean velocity, averaged over the parts: a lead
    with more notes is not a louder piece); and the draft kept."""
    spec, midi, _ = composer.compose_midi(spec, None, {}, drafts=drafts)
    lead = sorted(midi.instruments[0].notes, key=lambda n: n.start)
    levels = [statistics.mean(n.velocity for n in track.notes) for track in midi.instruments
              if not track.is_drum and track.notes]
    _, tempi = midi.get_tempo_changes()
    return {"major": float(estimate_key(midi).mode == "major"), "tempo": float(tempi[0]),
            "density": len(lead) / (max(n.end for n in lead) - lead[0].start),
            "register": statistics.mean(n.pitch for n in lead),
            "loudness": statistics.mean(levels), "variant": spec.variant}


def spec_of(composer: Composer, text: str, seed: int) -> Spec:
    return composer.spec_for(Job(text=text, seed=seed)).spec


@pytest.mark.parametrize("contrast", list(CONTRASTS), ids=lambda pair: " vs ".join(pair))
def test_opposite_moods_move_every_cue_the_way_listeners_expect(composer, contrast):
    more, less = contrast
    held = dict.fromkeys(CONTRASTS[contrast], 0)
    for i in range(PAIRS):
        template = TEMPLATES[i % len(TEMPLATES)]
        a = heard(composer, spec_of(composer, template.format(more), 100 + i))
        b = heard(composer, spec_of(composer, template.format(less), 100 + i))
        for cue in held:
            held[cue] += a[cue] > b[cue]  # "major": the first in major, the second not
    print(f"{more} vs {less}, {PAIRS} seeded pairs:", held)
    assert all(count >= 0.95 * PAIRS for count in held.values()), held


def test_a_mood_edit_moves_further_with_much_than_with_a_bit(composer):
    steps = {"a bit": [], "much": []}
    for i in range(PAIRS):
        base = spec_of(composer, TEMPLATES[i % len(TEMPLATES)].format("calm"), 200 + i)
        before = heard(composer, base)
        for amount, size in (("a bit", 0.5), ("much", 2.0)):
            # as the product edits: on the draft the base kept, one draft (no new pick)
            sadder = revise(replace(base, variant=before["variant"]),
                            Changes(mood="sad", mood_amount=size))
            after = heard(composer, sadder, drafts=1)
            steps[amount].append((before["register"] - after["register"],
                                  before["tempo"] - after["tempo"],
                                  before["loudness"] - after["loudness"],
                                  base.valence - sadder.valence))
    for amount, moves in steps.items():  # every cue moves the sad way, for both amounts
        for cue, name in enumerate(("register", "tempo", "loudness", "valence")):
            right = sum(move[cue] > 0 for move in moves)
            assert right >= 0.95 * PAIRS, (amount, name, right)
    for cue in range(4):  # and further with "much" than with "a bit"
        bigger = sum(m[cue] > b[cue] for m, b in zip(steps["much"], steps["a bit"],
                                                      strict=True))
        assert bigger >= 0.95 * PAIRS, (cue, bigger)
