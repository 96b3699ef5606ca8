"""Evaluation measures on hand-made melodies and sets."""

from __future__ import annotations

import numpy as np
import pytest

from models.core.grid import Bar
from models.core.harmony import Chord
from models.evaluation import metrics
from models.evaluation.ngram import NGram

C = Chord(0, "maj")


def bar(*notes: tuple[int, int, int]) -> Bar:
    return Bar("4/4", 48, tuple(notes), C)


def test_features_of_a_hand_made_melody():
    scale_up = bar((0, 12, 60), (12, 12, 62), (24, 12, 64), (36, 12, 65))
    melody = [scale_up, scale_up, bar()]
    f = metrics.piece_features(melody)
    assert f["pitch_range"] == 5 and f["mean_interval"] == pytest.approx(15 / 7)
    assert f["empty_bar_rate"] == pytest.approx(1 / 3)
    assert f["scale_consistency"] == 1.0 and f["note_density"] == pytest.approx(8 / 3)
    assert f["bar_self_similarity"] == 1.0  # the two sounding bars are identical
    assert f["pitch_class_entropy"] == pytest.approx(2.0)


def test_overlapping_area_separates_alike_from_unlike_sets():
    rng = np.random.default_rng(0)
    real = rng.normal(0, 1, 200)
    assert metrics.overlapping_area(real, rng.normal(0, 1, 200)) > 0.85
    assert metrics.overlapping_area(real, rng.normal(8, 1, 200)) < 0.1


def test_two_sample_accuracy_is_chance_for_one_distribution_and_high_for_two():
    rng = np.random.default_rng(1)
    same = metrics.two_sample_accuracy(rng.normal(0, 1, (200, 5)), rng.normal(0, 1, (200, 5)))
    apart = metrics.two_sample_accuracy(rng.normal(0, 1, (200, 5)), rng.normal(2, 1, (200, 5)))
    assert same < 0.62 and apart > 0.9


def test_key_estimate_finds_c_major_and_a_minor():
    c_major = [bar((0, 24, 60), (24, 12, 64), (36, 12, 67)), bar((0, 48, 72))]
    assert metrics.estimate_key(c_major) == (0, "major")
    a_minor = [bar((0, 24, 57), (24, 12, 60), (36, 12, 64)), bar((0, 12, 59), (12, 36, 69))]
    assert metrics.estimate_key(a_minor) == (9, "minor")


def test_ngram_learns_a_repeating_pattern():
    stream = np.array([1, 5, 6, 7] * 50 + [1, 5, 6, 7] * 5, dtype=np.int16)
    starts = np.array([0, 200], dtype=np.int64)
    model = NGram(3, 10).fit(stream[:200], starts[:1])
    assert model.nll(stream[200:], np.array([0])) < 0.1
    assert model.probability((5, 6), 7) > 0.9


def test_ngram_lower_orders_come_from_the_same_counts():
    stream = np.array([1, 5, 6, 7, 1, 5, 8, 7] * 30, dtype=np.int16)
    starts = np.array([0], dtype=np.int64)
    model = NGram(4, 10).fit(stream, starts)
    assert model.nll(stream, starts, order=4) < model.nll(stream, starts, order=2)
    assert model.nll(stream, starts) == model.nll(stream, starts, order=4)
