"""`tunesmith eval music`: can a simple listener tell the product's melodies from human ones?

The product's own output is measured, every stage included (drafts and the critic's pick, the
VAE's A′, the mood's register, the performance): one-minute pieces over many requests and
seeds are composed, and the lead line is read back from the written MIDI. The human side is
the held-out (test) split of the corpus the model learns from, per style family
(`STYLE_COLLECTION`: folk and pop → Essen, celtic → O'Neill, classical → Bach chorales ...).

Two measures, per style and overall:
- a two-sample test: a logistic regression on interval, inter-onset, duration and
  scale-degree histograms of 32-note windows, product against human, scored on held-out
  halves of balanced classes (50 % = indistinguishable);
- melodic statistics per piece (stepwise motion, repeated notes, range, longest run of one
  pitch, sixteenths, eighths, long notes, leading tones) beside the human interquartile range.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from generation.job import Job
from generation.music.craft import STATS, WINDOW, Line, melodic_stats
from models.evaluation.machine import machine_line

# Requests of the test: (style family as the spec will read it, text). One minute each.
REQUESTS = (
    "a folk tune on the fiddle", "a happy folk song for flute in G major",
    "a sad folk ballad on guitar in E minor", "a calm classical piano piece in D minor",
    "a gentle classical string piece in F major", "a romantic classical violin melody",
    "an upbeat pop song with piano and drums", "a dreamy pop ballad on electric piano",
    "a playful pop tune for marimba", "a celtic jig for tin whistle", "a mysterious celtic air",
    "a baroque minuet for harpsichord", "a slow jazz ballad on saxophone",
    "a cinematic theme for horn and strings", "a lofi beat with electric piano",
    "an epic rock anthem with electric guitar",
)
SEEDS = (1, 2, 3)
FOLK = "essen"  # the folk-tune collection: a second reference for every style
# Inter-onset and duration bins, in quarter notes: sixteenth, triplet eighth, eighth, dotted
# eighth, quarter, dotted quarter, half, longer.
TIME_EDGES = (0.2, 0.3, 0.4, 0.6, 0.9, 1.2, 1.7, 2.5, 1e9)
# a played note at least this share of the time to the next onset is written that long
DETACHED = 0.6
NOTE_VALUES = (1 / 6, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4, 1, 1.5, 2, 3, 4, 6, 8)


# ------------------------------------------------------------------ features

def _histogram(values, edges) -> np.ndarray:
    counts = np.zeros(len(edges))
    for value in values:
        counts[min(int(np.searchsorted(edges, value, side="right")), len(edges) - 1)] += 1
    return counts / max(1, len(values))


def features(line: Line) -> np.ndarray:
    """Interval (−12..12), inter-onset, duration and scale-degree histograms, concatenated."""
    pitches = np.array(line.pitches)
    intervals = np.clip(np.diff(pitches), -12, 12) + 12
    interval_hist = np.bincount(intervals, minlength=25) / max(1, len(intervals))
    iois = np.diff(np.array(line.onsets))
    degrees = np.bincount((pitches - line.tonic) % 12, minlength=12) / len(pitches)
    return np.concatenate([interval_hist, _histogram(iois, TIME_EDGES),
                           _histogram(line.durations, TIME_EDGES), degrees])


# ------------------------------------------------------------------ the two-sample test

def two_sample_accuracy(product: list[np.ndarray], human: list[np.ndarray], draws: int = 5,
                        groups: tuple[list[str], list[str]] | None = None) -> float | None:
    """How often a logistic regression tells product windows from human ones (0.5 = never).

    The larger side is subsampled to the smaller one's size (so guessing scores 50 %), and
    the classifier of `tunesmith eval model` (half trains, half tests) is averaged over
    `draws` such subsamples. `groups` names the piece of each window (product's, human's):
    a piece's windows then stay in one half, so the classifier is tested on pieces it never
    saw (split by window, it partly recognises pieces: about 5 points higher here).
    """
    from models.evaluation.metrics import two_sample_repeated

    n = min(len(product), len(human))
    if n < 10:
        return None
    rng = np.random.default_rng(0)
    scores = []
    for _ in range(draws):
        ours, theirs = rng.permutation(len(product))[:n], rng.permutation(len(human))[:n]
        named = None if groups is None else np.concatenate(
            [np.array(groups[1])[theirs], np.array(groups[0])[ours]])
        scores.append(two_sample_repeated(np.array(human)[theirs], np.array(product)[ours],
                                          seeds=3, groups=named)[0])
    return float(np.mean(scores))


def windowed(lines: list[Line], name: str) -> tuple[list[np.ndarray], list[str]]:
    """The features of every window of `lines`, and the piece each comes from."""
    rows, groups = [], []
    for index, line in enumerate(lines):
        for window in line.windows():
            rows.append(features(window))
            groups.append(f"{name}{index}")
    return rows, groups


# ------------------------------------------------------------------ the two sides

def line_of(piece) -> Line:
    """A corpus piece as a Line in quarter notes (it is already in C)."""
    from models.inference import TICKS

    onsets, durations, pitches, start = [], [], [], 0
    for bar in piece.bars:
        for onset, duration, pitch in bar.notes:
            onsets.append((start + onset) / TICKS)
            durations.append(duration / TICKS)
            pitches.append(pitch)
        start += bar.length
    return Line(tuple(onsets), tuple(durations), tuple(pitches), 0)


def human_lines(cache_dir: Path) -> dict[str, list[Line]]:
    """The held-out corpus melodies, by collection, as Lines in C."""
    from models.training.corpus import load

    lines: dict[str, list[Line]] = defaultdict(list)
    for piece in load(cache_dir, split="test"):
        line = line_of(piece)
        if len(line.pitches) >= 8:
            lines[piece.collection].append(line)
    return lines


def notated(seconds_in_beats: float, gap: float | None = None) -> float:
    """A played length as the written note value a transcriber would put down.

    `gap` is the time to the next onset: a note sounding at least `DETACHED` of it is
    written as long as the gap (articulation shortens what is played, not what is
    written: a quarter played 0.75 beats long before the next beat is a quarter);
    otherwise, and for a last note, the nearest note value.
    """
    if gap is not None and DETACHED * gap <= seconds_in_beats <= gap + 1e-6:
        return min(NOTE_VALUES, key=lambda value: abs(value - gap))
    return min(NOTE_VALUES, key=lambda value: abs(value - seconds_in_beats))


def product_line(midi, spec) -> Line:
    """The lead part read back from the written MIDI, in quarter notes from the start."""
    lead = next(i for i, part in enumerate(spec.parts) if part.role == "lead")
    track = midi.instruments[lead]
    notes = sorted(track.notes, key=lambda n: (n.start, -n.pitch))
    beats = [midi.time_to_tick(n.start) / midi.resolution for n in notes]
    ends = [midi.time_to_tick(n.end) / midi.resolution for n in notes]
    onsets, played, pitches = [], [], []
    for begin, end, note in zip(beats, ends, notes, strict=True):
        begin = round(begin * 12) / 12  # the corpus grid: 12 per quarter note
        if onsets and abs(begin - onsets[-1]) < 1e-6:
            continue  # a chord in the lead: its top note counts
        onsets.append(begin)
        played.append(end - begin)
        pitches.append(note.pitch)
    gaps = [b - a for a, b in zip(onsets, onsets[1:], strict=False)] + [None]
    durations = [notated(length, gap) for length, gap in zip(played, gaps, strict=True)]
    return Line(tuple(onsets), tuple(durations), tuple(pitches), spec.tonic)


def compose_lines(composer, requests=REQUESTS, seeds=SEEDS) -> list[tuple[str, Line, float]]:
    """(style, lead line, seconds) of each request and seed, composed as the product does."""
    made = []
    for text in requests:
        for seed in seeds:
            started = time.perf_counter()
            job = Job(action="compose", text=text, seed=seed, duration_s=60.0)
            resolved = composer.spec_for(job)
            spec, midi, _ = composer.compose_midi(resolved.spec, resolved.given, {})
            made.append((spec.style, product_line(midi, spec), time.perf_counter() - started))
    return made


# ------------------------------------------------------------------ the report

def _quartiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 25)), float(np.percentile(values, 75))


def evaluate(composer, cache_dir: Path, requests=REQUESTS, seeds=SEEDS) -> dict[str, Any]:
    """The two-sample accuracy and melodic statistics, per style and over all pieces."""
    from models.inference import STYLE_COLLECTION

    human = human_lines(cache_dir)
    made = compose_lines(composer, requests, seeds)
    # folk tunes, the reference an outside listener uses for every request
    folk, folk_groups = windowed(human[FOLK], "folk")
    by_style: dict[str, list[Line]] = defaultdict(list)
    for style, line, _ in made:
        by_style[style].append(line)
    rows, all_product, all_groups, all_human = [], [], [], []
    for style, lines in sorted(by_style.items()):
        family = STYLE_COLLECTION[style]
        product, groups = windowed(lines, style)
        reference, reference_groups = windowed(human[family], family)
        all_product += product
        all_groups += groups
        all_human += [(family, r, g) for r, g in zip(reference, reference_groups, strict=True)]
        ours = [melodic_stats(line) for line in lines]
        theirs = [melodic_stats(line) for line in human[family]]
        rows.append({
            "style": style, "family": family, "pieces": len(lines),
            "windows": len(product), "human_windows": len(reference),
            "two_sample": two_sample_accuracy(product, reference,
                                              groups=(groups, reference_groups)),
            "two_sample_folk": two_sample_accuracy(product, folk, groups=(groups, folk_groups)),
            "stats": {k: statistics.median(s[k] for s in ours) for k in STATS},
            "human_iqr": {k: _quartiles([s[k] for s in theirs]) for k in STATS},
        })
    # overall: the human side drawn in the same family proportions as the product's windows
    wanted = defaultdict(int)
    for row in rows:
        wanted[row["family"]] += row["windows"]
    pooled = [(r, g) for family, count in wanted.items()
              for r, g in [(r, g) for f, r, g in all_human if f == family][:count * 3]]
    reference, reference_groups = [r for r, _ in pooled], [g for _, g in pooled]
    ours_all = [melodic_stats(line) for _, line, _ in made]
    return {
        "machine": machine_line(), "pieces": len(made), "windows": len(all_product),
        "two_sample": two_sample_accuracy(all_product, reference,
                                          groups=(all_groups, reference_groups)),
        "two_sample_folk": two_sample_accuracy(all_product, folk,
                                               groups=(all_groups, folk_groups)),
        # the same tests split by window rather than by piece (the figure reported before)
        "two_sample_by_window": two_sample_accuracy(all_product, reference),
        "two_sample_folk_by_window": two_sample_accuracy(all_product, folk),
        "stats": {k: statistics.median(s[k] for s in ours_all) for k in STATS},
        "compose_s_median": statistics.median(s for _, _, s in made),
        "styles": rows,
    }


def report_markdown(result: dict[str, Any]) -> str:
    """The result as a Markdown page: one row a style, the human IQR beside each figure."""
    def cell(value: float, iqr: tuple[float, float]) -> str:
        mark = "" if iqr[0] <= value <= iqr[1] else " ⚠"
        return f"{value:.2f} ({iqr[0]:.2f}–{iqr[1]:.2f}){mark}"

    lines = [
        "# Melodies against human ones (`tunesmith eval music`)", "",
        f"Machine: {result['machine']}", "",
        f"{result['pieces']} one-minute pieces, {result['windows']} windows of {WINDOW} notes; "
        f"two-sample accuracy overall **{result['two_sample']:.0%}** against the styles' own "
        f"corpus families, **{result['two_sample_folk']:.0%}** against folk tunes (50 % = a "
        f"listener cannot tell them apart), the classifier tested on pieces it was not "
        f"trained on; split by window instead (a piece's windows on both sides of the split) "
        f"{result.get('two_sample_by_window', float('nan')):.0%} and "
        f"{result.get('two_sample_folk_by_window', float('nan')):.0%}. "
        f"Median compose {result['compose_s_median']:.2f} s.",
        "",
        "Each statistic: the product's median, then the human interquartile range of the "
        "style's corpus family (⚠: outside it).", "",
        "| style | family | pieces | windows | two-sample | vs folk | " + " | ".join(STATS)
        + " |",
        "|---|---|---|---|---|---|" + "---|" * len(STATS),
    ]
    for row in result["styles"]:
        accuracy, folk = (("–" if row[k] is None else f"{row[k]:.0%}")
                          for k in ("two_sample", "two_sample_folk"))
        cells = [cell(row["stats"][k], row["human_iqr"][k]) for k in STATS]
        lines.append(f"| {row['style']} | {row['family']} | {row['pieces']} | "
                     f"{row['windows']} | {accuracy} | {folk} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
