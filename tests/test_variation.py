"""Variations and blends of a lead line with the shipped phrase VAE: how much a little and a
lot change, that more is never less, that blends run from A to B, and that nothing but the
melody moves."""

from __future__ import annotations

import statistics

import pytest

from generation.music import variation
from models.core.harmony import MODES, Chord
from models.core.notes import Controls, Note
from models.inference.sampler import MelodyModel

CHORDS = (Chord(0, "maj"), Chord(5, "maj"), Chord(7, "dom7"), Chord(0, "maj"),
          Chord(9, "min"), Chord(2, "min"), Chord(7, "dom7"), Chord(0, "maj"))


@pytest.fixture(scope="module")
def model() -> MelodyModel:
    return MelodyModel.load()


def _frame(chords=CHORDS, meter="4/4", mode="major") -> variation.Frame:
    bars = len(chords)
    spans = tuple((first, min(2, bars - first)) for first in range(0, bars, 2))
    return variation.Frame(meter, mode, "folk", tuple(chords), spans, (55, 84), True)


def _tune(model: MelodyModel, seed: int, chords=CHORDS, meter=(4, 4)) -> list[Note]:
    controls = Controls(style="folk", mode="major", meter=meter, tempo_bpm=100, density=0.5,
                        valence=0.5, arousal=0.0)
    return model.generate(controls, list(chords), seed=seed, sections=["A"] * len(chords))


def _onsets(notes) -> set[float]:
    return {round(n.start, 4) for n in notes}


def test_amount_zero_keeps_the_line_and_a_seed_gives_the_same_variation(model):
    tune = _tune(model, 1)
    assert variation.vary(tune, _frame(), 0.0, 5) == tune
    assert variation.vary(tune, _frame(), 0.5, 5) == variation.vary(tune, _frame(), 0.5, 5)
    assert variation.vary(tune, _frame(), 0.5, 5) != variation.vary(tune, _frame(), 0.5, 6)


def test_more_amount_changes_more_a_little_keeps_the_tune_a_lot_makes_a_new_one(model):
    amounts = (0.05, 0.1, 0.2, 0.5, 0.9)
    kept = {a: [] for a in amounts}
    rhythm = {a: [] for a in amounts}
    for seed in range(4):
        tune = _tune(model, seed)
        for amount in amounts:
            varied = variation.vary(tune, _frame(), amount, 100 + seed)
            kept[amount].append(variation.kept_share(tune, varied))
            rhythm[amount].append(len(_onsets(tune) & _onsets(varied)) / len(_onsets(tune)))
    means = [statistics.mean(kept[a]) for a in amounts]
    assert means == sorted(means, reverse=True), means  # monotonic in the amount
    assert means[1] >= 0.7 and statistics.mean(rhythm[0.1]) >= 0.9  # "a little"
    assert means[-1] <= 0.35  # "a lot": a new tune on the same chords
    assert means[0] > means[-1] + 0.5


def test_new_notes_stay_in_the_scale_or_the_chord_and_in_range(model):
    tune = _tune(model, 2)
    varied = variation.vary(tune, _frame(), 0.9, 3)
    scale = set(MODES["major"])
    new = [n for n in varied if n not in tune]
    assert new
    for note in new:
        chord = CHORDS[int(note.start // 4)]
        assert note.pitch % 12 in scale | chord.pitch_classes(), note
        assert 55 <= note.pitch <= 84
    # the line stays monophonic: no note sounds past the next onset
    for a, b in zip(varied, varied[1:], strict=False):
        assert a.start + a.duration <= b.start + 1e-6


def test_a_repeated_phrase_varies_the_same_way_twice(model):
    phrase = _tune(model, 4, CHORDS[:2])
    repeated = phrase + [Note(n.pitch, n.start + 8, n.duration, n.velocity) for n in phrase]
    frame = _frame(CHORDS[:2] * 2)
    varied = variation.vary(repeated, frame, 0.7, 9)
    first = [(round(n.start, 4), n.pitch) for n in varied if n.start < 8]
    second = [(round(n.start - 8, 4), n.pitch) for n in varied if n.start >= 8]
    assert first == second and varied != repeated


def test_a_blend_runs_from_a_to_b_and_takes_b_into_a_s_chords(model):
    a = _tune(model, 5)
    b_chords = (Chord(0, "min"), Chord(8, "maj"), Chord(3, "maj"), Chord(7, "maj")) * 2
    b = _tune(model, 6, b_chords)
    b_frame = _frame(b_chords, mode="minor")
    assert variation.blend(a, _frame(), b, b_frame, 0.0) == a
    towards_a, towards_b = [], []
    for mix in (0.25, 0.5, 0.75, 1.0):
        blended = variation.blend(a, _frame(), b, b_frame, mix)
        towards_a.append(variation.kept_share(a, blended))
        towards_b.append(len(_onsets(b) & _onsets(blended)) / len(_onsets(b)))
    assert towards_a == sorted(towards_a, reverse=True), towards_a
    assert towards_b[-1] > towards_b[0], towards_b
    # at mix 1 the tune is B's rhythm more than A's
    blended = variation.blend(a, _frame(), b, b_frame, 1.0)
    assert len(_onsets(b) & _onsets(blended)) / len(_onsets(b)) > variation.kept_share(a, blended)
