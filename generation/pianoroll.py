"""A piano-roll picture of a piece, sized to read well in Discord's preview (about 550 px wide)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pretty_midi

WIDTH_IN, HEIGHT_IN, DPI = 12.0, 6.0, 100  # 1200 × 600 px
BACKGROUND = "#16181d"
PALETTE = ("#f2c14e", "#4ecdc4", "#ff6b6b", "#a29bfe", "#55efc4", "#fd79a8", "#74b9ff",
           "#ffeaa7", "#e17055", "#81ecec")
DRUM_COLOUR = "#b2bec3"


def _label(instrument: pretty_midi.Instrument) -> str:
    if instrument.name:
        return instrument.name
    if instrument.is_drum:
        return "drums"
    return pretty_midi.program_to_instrument_name(instrument.program)


def draw_piano_roll(midi: pretty_midi.PrettyMIDI, path: Path, *, title: str,
                    subtitle: str = "") -> Path:
    """Write a PNG: one colour per part, bar lines, drums in their own lane below."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    pitched = [inst for inst in midi.instruments if not inst.is_drum and inst.notes]
    drums = [inst for inst in midi.instruments if inst.is_drum and inst.notes]
    end = max((n.end for inst in midi.instruments for n in inst.notes), default=1.0)
    ratios = [5, 1] if drums else [1]
    figure, axes = plt.subplots(len(ratios), 1, figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI,
                                sharex=True, gridspec_kw={"height_ratios": ratios})
    axes = np.atleast_1d(axes)
    figure.patch.set_facecolor(BACKGROUND)
    roll = axes[0]
    pitches = [n.pitch for inst in pitched for n in inst.notes] or [60]
    low, high = min(pitches) - 2, max(pitches) + 7  # headroom for the legend
    for index, instrument in enumerate(pitched):
        colour = PALETTE[index % len(PALETTE)]
        bars = [(n.start, max(n.end - n.start, 0.02)) for n in instrument.notes]
        for note, span in zip(instrument.notes, bars, strict=True):
            alpha = 0.45 + 0.55 * note.velocity / 127
            roll.broken_barh([span], (note.pitch - 0.4, 0.8), facecolors=colour, alpha=alpha)
        roll.plot([], [], color=colour, linewidth=6, label=_label(instrument))
    roll.set_ylim(low, high)
    _octave_ticks(roll, low, high)
    if drums:
        lane = axes[1]
        hits = [n for inst in drums for n in inst.notes]
        lane.scatter([n.start for n in hits], [n.pitch for n in hits], s=10, marker="|",
                     c=DRUM_COLOUR, alpha=0.8)
        lane.set_yticks([])
        lane.set_ylabel("drums", color="white", fontsize=12)
    for axis in axes:
        axis.set_facecolor(BACKGROUND)
        axis.set_xlim(0, end)
        axis.tick_params(colors="white", labelsize=12)
        for spine in axis.spines.values():
            spine.set_color("#444")
        for bar, downbeat in enumerate(_downbeats(midi, end)):
            axis.axvline(downbeat, color="#ffffff", alpha=0.28 if bar % 4 == 0 else 0.1,
                         linewidth=1.0)
    axes[-1].set_xlabel("seconds", color="white", fontsize=12)
    if pitched:
        legend = roll.legend(loc="upper right", fontsize=12, facecolor=BACKGROUND,
                             edgecolor="#444", labelcolor="white", ncol=min(4, len(pitched)))
        legend.get_frame().set_alpha(0.85)
    heading = title if not subtitle else f"{title}\n{subtitle}"
    figure.suptitle(heading, color="white", fontsize=17, fontweight="bold")
    figure.tight_layout()
    figure.savefig(path, facecolor=BACKGROUND)
    plt.close(figure)
    return path


def _downbeats(midi: pretty_midi.PrettyMIDI, end: float) -> list[float]:
    try:
        beats = midi.get_downbeats()
    except (IndexError, ValueError):
        return []
    return [float(b) for b in beats if b <= end][:400]


def _octave_ticks(axis, low: int, high: int) -> None:
    ticks = [p for p in range(low, high + 1) if p % 12 == 0]
    axis.set_yticks(ticks)
    axis.set_yticklabels([pretty_midi.note_number_to_name(p) for p in ticks])
