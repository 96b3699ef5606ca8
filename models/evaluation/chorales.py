"""How well the chord fitter agrees with the Roman-numeral analyses shipped with music21.

music21 ships analyses of some Bach chorales ('bach/choraleAnalyses/riemenschneiderNNN');
for each analysed bar we take the analysis chord that lasts longest in the bar and compare
its root with the root `fit_chord` finds on all four voices of the chorale.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from models.core.harmony import fit_chord, pitch_class_weights

log = logging.getLogger(__name__)


def _bars(score) -> dict[int, tuple[list, int | None, float]]:
    """measure number → (notes of every voice, bass pc on the downbeat, beat length)."""
    bars: dict[int, tuple[list, int | None, float]] = {}
    parts = list(score.parts)
    for index, part in enumerate(parts):
        for measure in part.getElementsByClass("Measure"):
            pad = float(measure.paddingLeft or 0)
            notes = [(float(n.getOffsetInHierarchy(measure)) + pad, float(n.quarterLength),
                      p.midi) for n in measure.recurse().notes for p in n.pitches]
            bass = bars.get(measure.number, ([], None, 1.0))[1]
            if index == len(parts) - 1:  # the last part is the bass
                first = [n for n in notes if n[0] == 0]
                bass = min(first)[2] % 12 if first else None
            beat = 1.0  # in quarters; a measure carries a time signature only where it is set
            if measure.timeSignature is not None:
                beat = float(measure.timeSignature.beatDuration.quarterLength)
            # the voices of one measure number are pooled; the first part's beat is kept
            previous = bars.get(measure.number, ([], None, beat))
            bars[measure.number] = (previous[0] + notes, bass, previous[2])
    return bars


def _analysis_roots(analysis) -> dict[int, tuple[int, int, str]]:
    """measure number → (root pc, tonic pc, mode) of the longest analysed chord."""
    longest: dict[int, tuple[float, int, int, str]] = {}
    for numeral in analysis.recurse().getElementsByClass("RomanNumeral"):
        number, length = numeral.measureNumber, float(numeral.quarterLength)
        if number not in longest or length > longest[number][0]:
            mode = "minor" if numeral.key.mode == "minor" else "major"
            longest[number] = (length, numeral.root().pitchClass, numeral.key.tonic.pitchClass,
                               mode)
    return {n: (root, tonic, mode) for n, (_, root, tonic, mode) in longest.items()}


def agreement(limit: int | None = None) -> dict:
    """Fraction of analysed bars whose fitted root matches the analysis, over the chorales."""
    from music21 import converter, corpus
    from music21.corpus import chorales

    listing = chorales.ChoraleList().byRiemenschneider
    paths = sorted(p for p in corpus.getComposer("bach") if str(p).endswith(".rntxt"))
    hits, total, pieces = 0, 0, 0
    for path in [p for p in paths if "riemenschneider" in str(p)][:limit]:
        number = int(str(path).split("riemenschneider")[1].split(".")[0])
        if number not in listing:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            analysis = converter.parse(path, format="romantext")
            score = corpus.parse(f"bach/bwv{listing[number]['bwv']}")
        roots, bars = _analysis_roots(analysis), _bars(score)
        pieces += 1
        for measure, (root, tonic, mode) in roots.items():
            if measure not in bars or not bars[measure][0]:
                continue
            notes, bass, beat = bars[measure]
            # fitted in the analysis's local key (root above its tonic), compared absolute
            chord = fit_chord(pitch_class_weights(notes, beat), mode, tonic, bass)
            total += 1
            hits += chord is not None and (chord.root + tonic) % 12 == root
    return {"chorales": pieces, "bars": total,
            "root_agreement": float(np.round(hits / max(total, 1), 4))}
