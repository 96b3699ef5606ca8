"""`tunesmith eval music`: the features, the statistics and the two-sample test can tell."""

import numpy as np
import pytest

from generation.tools.eval_music import Line, features, melodic_stats, notated, two_sample_accuracy
from models.inference import Note


def scale_walk(rng, durations) -> Line:
    """A stepwise line in C major with the given rhythm vocabulary."""
    degrees = np.cumsum(rng.choice([-1, 1], 64))
    pitches = [60 + [0, 2, 4, 5, 7, 9, 11][d % 7] + 12 * (d // 7) for d in degrees]
    lengths = rng.choice(durations, 64)
    onsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return Line(tuple(onsets), tuple(lengths), tuple(pitches), 0)


def test_statistics_read_a_tiny_line_exactly():
    line = Line((0, 1, 1.25, 1.5, 2.5), (1, 0.25, 0.25, 1, 2), (60, 62, 62, 62, 67), 0)
    stats = melodic_stats(line)
    assert stats["stepwise"] == 0.25  # 60→62 of four intervals
    assert stats["repeated"] == 0.5
    assert stats["range"] == 7
    assert stats["longest_run"] == 3
    assert stats["sixteenths"] == 0.5  # two of four inter-onsets are a sixteenth
    assert stats["long_notes"] == 0.2  # one note longer than a beat


def test_played_lengths_are_read_as_written_values():
    assert notated(11 / 12) == 1 and notated(0.45) == 0.5 and notated(1.9) == 2
    # articulation: a quarter played 0.75 long before the next beat is a quarter, an eighth
    # played 0.375 long an eighth; a quarter before a rest stays a quarter
    assert notated(0.75, gap=1.0) == 1 and notated(0.375, gap=0.5) == 0.5
    assert notated(0.97, gap=2.0) == 1 and notated(0.75) == 0.75


def test_the_features_are_histograms():
    line = scale_walk(np.random.default_rng(0), [0.5, 1.0])
    vector = features(line.windows()[0])
    assert vector.shape == (25 + 9 + 9 + 12,)
    assert np.isclose(vector[:25].sum(), 1) and np.isclose(vector[-12:].sum(), 1)


@pytest.mark.slow
def test_the_two_sample_test_tells_rhythms_apart_and_not_twins():
    rng = np.random.default_rng(1)
    eighths = [features(w) for _ in range(40) for w in scale_walk(rng, [0.5, 1.0]).windows()]
    twins = [features(w) for _ in range(40) for w in scale_walk(rng, [0.5, 1.0]).windows()]
    sixteenths = [features(w) for _ in range(40)
                  for w in scale_walk(rng, [0.25, 0.5]).windows()]
    assert two_sample_accuracy(sixteenths, eighths) > 0.9
    assert two_sample_accuracy(twins, eighths) < 0.65


def test_a_line_of_notes_keeps_the_top_note_of_a_chord():
    notes = [Note(60, 0, 1), Note(64, 0, 1), Note(62, 1, 2)]
    line = Line.of_notes(notes, tonic=2)
    assert line.pitches == (64, 62) and line.onsets == (0, 1) and line.durations == (1, 2)


def test_split_by_piece_the_test_does_not_recognise_pieces_it_was_trained_on():
    # both sides from one distribution of pieces, each piece's windows alike: split by
    # window the classifier recognises the pieces; split by piece it is back to guessing
    rng = np.random.default_rng(3)

    def pieces(name: str) -> tuple[list[np.ndarray], list[str]]:
        rows, groups = [], []
        for index in range(16):
            centre = rng.normal(size=24)
            rows += [centre + 0.1 * rng.normal(size=24) for _ in range(10)]
            groups += [f"{name}{index}"] * 10
        return rows, groups

    (ours, our_groups), (theirs, their_groups) = pieces("a"), pieces("b")
    assert two_sample_accuracy(ours, theirs) > 0.8
    assert two_sample_accuracy(ours, theirs, groups=(our_groups, their_groups)) < 0.65
