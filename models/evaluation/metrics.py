"""Musical features of melodies in bars, and the overlapping-area comparison of two sets.

Features follow Yang & Lerch (2020), "On the evaluation of generative models in music":
each is computed per piece; for one feature, the distances between pieces of the real set
(intra-set) and between real and generated pieces (inter-set) are smoothed by a Gaussian
kernel density estimate, and the overlapping area (OA) of the two densities says how
closely the generated set sits inside the real set's own spread (1 = indistinguishable).
Both densities share one bandwidth (the wider Scott bandwidth of the two).
"""

from __future__ import annotations

import numpy as np

from models.core.grid import TICKS, Bar
from models.core.harmony import MODES

FEATURES = ("pitch_class_entropy", "scale_consistency", "pitch_range", "note_density",
            "mean_interval", "groove_consistency", "bar_self_similarity", "empty_bar_rate")


def piece_features(bars: list[Bar]) -> dict[str, float]:
    """The `FEATURES` of one melody (bars on the tick grid).

    Units: entropy in bits; scale consistency the share of notes in the best-fitting major
    scale (any diatonic mode has the same notes); range and mean interval in semitones;
    note density in notes per bar; groove consistency 1 − the mean share of sixteenth-note
    cells where consecutive bars' onsets differ; bar self-similarity the mean Jaccard
    overlap of (onset, pitch) sets over all pairs of non-empty bars.
    """
    pitches = [p for bar in bars for _, _, p in bar.notes]
    out = dict.fromkeys(FEATURES, 0.0)
    out["empty_bar_rate"] = float(np.mean([not bar.notes for bar in bars])) if bars else 0.0
    if not pitches:
        return out
    counts = np.bincount(np.array(pitches) % 12, minlength=12).astype(float)
    share = counts / counts.sum()
    nonzero = share[share > 0]
    out["pitch_class_entropy"] = float(-(nonzero * np.log2(nonzero)).sum())
    out["scale_consistency"] = max(
        float(share[[(tonic + step) % 12 for step in MODES["major"]]].sum())
        for tonic in range(12))
    out["pitch_range"] = float(max(pitches) - min(pitches))
    out["note_density"] = len(pitches) / len(bars)
    out["mean_interval"] = float(np.abs(np.diff(pitches)).mean()) if len(pitches) > 1 else 0.0
    grids = [_onset_grid(bar) for bar in bars]
    if len(grids) > 1:
        out["groove_consistency"] = float(np.mean(
            [1 - np.mean(a != b) for a, b in zip(grids, grids[1:], strict=False)
             if len(a) == len(b)] or [1.0]))
    sets = [{(o, p) for o, _, p in bar.notes} for bar in bars if bar.notes]
    pairs = [len(a & b) / len(a | b) for i, a in enumerate(sets) for b in sets[i + 1:]]
    out["bar_self_similarity"] = float(np.mean(pairs)) if pairs else 0.0
    return out


def _onset_grid(bar: Bar) -> np.ndarray:
    """Which sixteenth-note cells of the bar hold an onset (triplet onsets fall into one)."""
    grid = np.zeros(bar.length // (TICKS // 4) or 1, dtype=bool)  # sixteenth-note cells
    for onset, _, _ in bar.notes:
        grid[min(onset // (TICKS // 4), len(grid) - 1)] = True
    return grid


def _bandwidth(samples: np.ndarray) -> float:
    """Scott's rule for a Gaussian kernel."""
    return float(samples.std() * len(samples) ** (-1 / 5))


def _kde(samples: np.ndarray, grid: np.ndarray, bandwidth: float) -> np.ndarray:
    """Gaussian kernel density of `samples` on `grid`."""
    z = (grid[:, None] - samples[None, :]) / bandwidth
    return np.exp(-0.5 * z**2).sum(axis=1) / (len(samples) * bandwidth * np.sqrt(2 * np.pi))


def overlapping_area(real: np.ndarray, generated: np.ndarray, most: int = 4000) -> float:
    """OA between the real set's intra-set distances and the real↔generated distances.

    At most `most` distances of each kind (a seeded random subset) enter the estimate.
    """
    real, generated = np.asarray(real, float), np.asarray(generated, float)
    intra = np.abs(real[:, None] - real[None, :])[np.triu_indices(len(real), 1)]
    inter = np.abs(real[:, None] - generated[None, :]).ravel()
    rng = np.random.default_rng(0)
    intra = intra if len(intra) <= most else rng.choice(intra, most, replace=False)
    inter = inter if len(inter) <= most else rng.choice(inter, most, replace=False)
    high = max(intra.max(initial=0), inter.max(initial=0))
    if high == 0:
        return 1.0
    grid = np.linspace(-0.1 * high, 1.1 * high, 600)
    # one bandwidth for both (the wider): a feature that is nearly constant in the real set
    # (empty bars) would otherwise get a needle that no other density can overlap
    bandwidth = max(_bandwidth(intra), _bandwidth(inter), 1e-3 * high)
    p, q = _kde(intra, grid, bandwidth), _kde(inter, grid, bandwidth)
    return float(np.minimum(p, q).sum() * (grid[1] - grid[0]))


def phrase_vector(bars: list[Bar]) -> np.ndarray:
    """A fixed-length description of a phrase for the two-sample classifier (65 values).

    Shares of: 12 pitch classes, 25 intervals (-12..12 semitones, clipped), 11 duration
    bins (ticks), 12 onset positions within a quarter note (ticks); then notes per bar / 8,
    range / 24 semitones, share of empty bars, mean pitch from middle C in octaves, and
    whether there is any note.
    """
    notes = [n for bar in bars for n in bar.notes]
    pitches = np.array([p for _, _, p in notes]) if notes else np.zeros(0, int)
    pcs = np.bincount(pitches % 12, minlength=12) / max(len(pitches), 1)
    steps = np.clip(np.diff(pitches), -12, 12) + 12 if len(pitches) > 1 else np.zeros(0, int)
    intervals = np.bincount(steps, minlength=25) / max(len(steps), 1)
    lengths = np.array([d for _, d, _ in notes])
    edges = np.array([0, 2, 3, 4, 6, 9, 12, 18, 24, 36, 48, 1e9])
    durations = np.histogram(lengths, edges)[0] / max(len(lengths), 1)
    positions = np.bincount([o % TICKS for o, _, _ in notes], minlength=TICKS) / max(len(notes), 1)
    extra = [len(notes) / max(len(bars), 1) / 8,
             (np.ptp(pitches) / 24) if len(pitches) else 0.0,
             float(np.mean([not b.notes for b in bars])) if bars else 0.0,
             ((pitches.mean() - 60) / 12) if len(pitches) else 0.0, float(bool(notes))]
    return np.concatenate([pcs, intervals, durations, positions, extra[:5]]).astype(np.float32)


def two_sample_accuracy(real: np.ndarray, generated: np.ndarray, seed: int = 0,
                        groups: np.ndarray | None = None) -> float:
    """Held-out accuracy of a logistic-regression classifier telling real from generated.

    Half of each set trains it (standardised features, L2, 300 full-batch Adam steps); the
    other half tests it. 0.5 means the classifier cannot tell them apart. `groups` (one label
    a row of real, then generated) keeps each group in one half: windows of one piece are
    not independent, and split across the halves they let the classifier recognise the
    piece instead of telling the two sides apart.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: threads only add synchronisation
    try:
        return _fit_and_score(real, generated, seed, groups)
    finally:
        torch.set_num_threads(threads)


def _fit_and_score(real: np.ndarray, generated: np.ndarray, seed: int,
                   groups: np.ndarray | None = None) -> float:
    import torch

    rng = np.random.default_rng(seed)
    x = np.concatenate([real, generated]).astype(np.float32)
    y = np.concatenate([np.ones(len(real)), np.zeros(len(generated))]).astype(np.float32)
    order = rng.permutation(len(x))
    half = len(x) // 2
    if groups is not None:  # whole groups, in a random order, to the training half
        names = rng.permutation(np.unique(groups))
        halves = dict(zip(names, np.arange(len(names)) % 2, strict=True))
        training = np.array([halves[g] == 0 for g in np.asarray(groups)[order]])
        order = np.concatenate([order[training], order[~training]])
        half = int(training.sum())
    x, y = x[order], y[order]
    mean, std = x[:half].mean(0), x[:half].std(0) + 1e-6
    x = (x - mean) / std
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    weights = torch.zeros(x.shape[1], requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.Adam([weights, bias], lr=0.05)
    for _ in range(300):
        logits = xt[:half] @ weights + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt[:half])
        loss = loss + 1e-3 * (weights**2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        predicted = (xt[half:] @ weights + bias) > 0
    return float((predicted.float() == yt[half:]).float().mean())


KEY_PROFILES = {  # Krumhansl–Kessler probe-tone profiles, tonic first
    "major": np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
    "minor": np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
}


def estimate_key(bars: list[Bar]) -> tuple[int, str]:
    """(tonic pc, 'major'|'minor') by the Krumhansl–Schmuckler duration-weighted profile.

    The key whose rotated profile correlates best (Pearson) with the pitch-class durations.
    """
    weights = np.zeros(12)
    for bar in bars:
        for _, duration, pitch in bar.notes:
            weights[pitch % 12] += duration
    best, best_r = (0, "major"), -2.0
    for mode, profile in KEY_PROFILES.items():
        for tonic in range(12):
            r = np.corrcoef(weights, np.roll(profile, tonic))[0, 1] if weights.any() else 0
            if r > best_r:
                best, best_r = (tonic, mode), r
    return best


def _entropy(counts) -> float:
    """Entropy in bits of a histogram (a Counter or an array of counts)."""
    values = np.array(list(counts.values()) if hasattr(counts, "values") else counts, float)
    share = values[values > 0] / values.sum() if values.sum() else np.zeros(0)
    return float(-(share * np.log2(share)).sum())


def diversity(melodies: list[list[Bar]]) -> dict[str, float]:
    """How varied a set of melodies is, pooled over all of them.

    distinct_4grams: distinct runs of 4 consecutive notes, each note (pitch, duration), over
    all runs; pitch_class_spread: entropy (bits) of all notes' pitch classes; rhythm_spread:
    entropy (bits) of all notes' (onset within the quarter, duration). A generator that
    collapses onto a few phrases loses the first; one that narrows its palette, the others.
    Compare sets of the same size only: distinct n-grams fall as a set grows.
    """
    from collections import Counter

    grams, pcs, rhythms = Counter(), Counter(), Counter()
    for bars in melodies:
        notes = [(p, d) for bar in bars for _, d, p in bar.notes]
        grams.update(tuple(notes[i:i + 4]) for i in range(len(notes) - 3))
        pcs.update(p % 12 for p, _ in notes)
        rhythms.update((o % TICKS, d) for bar in bars for o, d, _ in bar.notes)
    return {"distinct_4grams": len(grams) / max(sum(grams.values()), 1),
            "pitch_class_spread": _entropy(pcs), "rhythm_spread": _entropy(rhythms)}


FIELD_METRICS = ("pitch_class_entropy", "scale_consistency", "groove_consistency",
                 "empty_beat_rate", "polyphony", "pitch_range", "n_pitch_classes_used")


def field_metrics(melodies: list[list[Bar]]) -> dict[str, float] | None:
    """muspy's objective metrics (Dong et al. 2020), averaged over melodies.

    None when muspy is not installed. Each melody becomes a one-track `muspy.Music` at 12
    ticks a quarter; groove consistency is measured per bar (the melody's first bar length).
    Melodies without notes are skipped (muspy returns NaN for them).
    """
    try:
        import muspy
    except ImportError:
        return None
    sums: dict[str, list[float]] = {name: [] for name in FIELD_METRICS}
    for bars in melodies:
        notes, offset = [], 0
        for bar in bars:
            notes += [muspy.Note(time=offset + o, pitch=p, duration=d, velocity=80)
                      for o, d, p in bar.notes]
            offset += bar.length
        if not notes:
            continue
        music = muspy.Music(resolution=TICKS, tracks=[muspy.Track(notes=notes)])
        values = {
            "pitch_class_entropy": muspy.pitch_class_entropy(music),
            "scale_consistency": muspy.scale_consistency(music),
            "groove_consistency": muspy.groove_consistency(music, bars[0].length),
            "empty_beat_rate": muspy.empty_beat_rate(music),
            "polyphony": muspy.polyphony(music),
            "pitch_range": muspy.pitch_range(music),
            "n_pitch_classes_used": muspy.n_pitch_classes_used(music),
        }
        for name, value in values.items():
            if not np.isnan(value):
                sums[name].append(float(value))
    return {name: float(np.mean(v)) if v else float("nan") for name, v in sums.items()}


def two_sample_repeated(real: np.ndarray, generated: np.ndarray, seeds: int = 5,
                        groups: np.ndarray | None = None) -> tuple[float, float]:
    """Mean and standard deviation of `two_sample_accuracy` over `seeds` random halvings."""
    scores = [two_sample_accuracy(real, generated, seed, groups) for seed in range(seeds)]
    return float(np.mean(scores)), float(np.std(scores))
