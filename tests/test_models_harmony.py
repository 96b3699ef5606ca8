"""Chord fitting: hand-made bars, and agreement with music21's chorale analyses."""

from __future__ import annotations

import numpy as np
import pytest

from models.core.harmony import Chord, fit_bars, fit_chord, pitch_class_weights

# The chord fitter must agree with the analysts on at least this share of bars
# (measured: 67.7 % on the 9 chorales whose analysis maps to a corpus chorale).
AGREEMENT_FLOOR = 0.60


def weights(*pitches: int) -> np.ndarray:
    return pitch_class_weights([(float(i), 1.0, p) for i, p in enumerate(pitches)], 1.0)


def test_arpeggios_give_their_chord():
    assert fit_chord(weights(60, 64, 67, 72)) == Chord(0, "maj")
    assert fit_chord(weights(57, 60, 64, 69)) == Chord(9, "min")
    assert fit_chord(weights(67, 71, 74, 77)) == Chord(7, "dom7")
    assert fit_chord(weights(62, 65, 69), mode="minor", tonic=2) == Chord(0, "min")


def test_passing_tones_on_weak_beats_do_not_change_the_chord():
    bar = [(0.0, 1.0, 64), (1.0, 0.5, 65), (1.5, 0.5, 67), (2.0, 1.0, 72), (3.0, 0.5, 71),
           (3.5, 0.5, 60)]
    assert fit_chord(pitch_class_weights(bar, 1.0)) == Chord(0, "maj")


def test_silent_bars_keep_the_previous_chord():
    bars = [[(0.0, 2.0, 65), (2.0, 1.0, 69), (3.0, 1.0, 72)], [],
            [(0.0, 2.0, 67), (2.0, 1.0, 71), (3.0, 1.0, 74)]]
    chords = fit_bars(bars, "major")
    assert chords[0] == chords[1] == Chord(5, "maj")
    assert chords[2].root == 7


def test_chord_values_are_checked():
    with pytest.raises(ValueError, match="quality 'quartal'"):
        Chord(0, "quartal")
    with pytest.raises(ValueError, match="bass 12"):
        Chord(0, "maj", 12)
    with pytest.raises(ValueError, match="root 12"):
        Chord(12, "maj")
    assert Chord(2, "min7").pitch_classes() == {2, 5, 9, 0}
    assert Chord(2, "min7").token_quality() == "min"


@pytest.mark.slow
def test_agrees_with_the_chorale_analyses_above_the_floor():
    from models.evaluation.chorales import agreement

    result = agreement()
    assert result["chorales"] >= 5 and result["bars"] >= 80
    assert result["root_agreement"] >= AGREEMENT_FLOOR
