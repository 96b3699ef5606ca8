"""A piano-roll picture of a piece, sized to read well in Discord's preview (about 550 px wide).

Drawn with numpy and Pillow: matplotlib took 0.13–0.46 s a picture (most of it laying out one
artist per note) and about a second to import on a cold start; this takes about 20 ms, most of
it the PNG compression, and imports nothing heavy.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pretty_midi
from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 600
BACKGROUND = "#16181d"
PALETTE = ("#f2c14e", "#4ecdc4", "#ff6b6b", "#a29bfe", "#55efc4", "#fd79a8", "#74b9ff",
           "#ffeaa7", "#e17055", "#81ecec")
DRUM_COLOUR = "#b2bec3"
SPINE_COLOUR = "#444444"
TEXT_COLOUR = "#ffffff"
LEFT, RIGHT, TOP, BOTTOM = 48, 1175, 88, 536  # plot area in pixels
DRUM_LANE = 73  # pixels of the drum lane below the roll, after a gap
LANE_GAP = 19
BAR_LINE_GAP = 6  # pixels at least between two bar lines drawn: closer, a long piece's roll
# is a grey wash; such a piece shows every 2nd, 4th, 8th ... bar line instead
MINUTES_FROM_S = 180  # a piece this long or longer has its time axis in minutes (m:ss)


@dataclass(frozen=True)
class Area:
    """A plot area: pixel box and the value range it shows (time across, pitch up)."""

    left: int
    top: int
    right: int
    bottom: int
    end_s: float
    low: float
    high: float

    def x(self, seconds: float) -> float:
        return self.left + (self.right - self.left) * seconds / self.end_s

    def y(self, pitch: float) -> float:
        return self.bottom - (self.bottom - self.top) * (pitch - self.low) / (self.high - self.low)


def _label(instrument: pretty_midi.Instrument) -> str:
    if instrument.name:
        return instrument.name
    if instrument.is_drum:
        return "drums"
    return pretty_midi.program_to_instrument_name(instrument.program)


@cache
def _font(size: int, bold: bool = False) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """DejaVu Sans (what the matplotlib pictures used) if found, else Pillow's own font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    folders = [Path("/usr/share/fonts/truetype/dejavu")]
    spec = importlib.util.find_spec("matplotlib")  # finds the package without importing it
    if spec is not None and spec.origin:
        folders.insert(0, Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    for folder in folders:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size)


def draw_piano_roll(midi: pretty_midi.PrettyMIDI, path: Path, *, title: str,
                    subtitle: str = "") -> Path:
    """Write a 1200 × 600 PNG: one colour per part, bar lines, drums in their own lane below."""
    pitched = [inst for inst in midi.instruments if not inst.is_drum and inst.notes]
    drums = [inst for inst in midi.instruments if inst.is_drum and inst.notes]
    end = max((n.end for inst in midi.instruments for n in inst.notes), default=1.0) or 1.0
    pitches = [n.pitch for inst in pitched for n in inst.notes] or [60]
    roll_bottom = BOTTOM - DRUM_LANE - LANE_GAP if drums else BOTTOM
    roll = Area(LEFT, TOP, RIGHT, roll_bottom, end, min(pitches) - 2, max(pitches) + 7)
    canvas = np.empty((HEIGHT, WIDTH, 3), dtype=np.uint8)  # (H, W, RGB)
    canvas[:] = _rgb(BACKGROUND)
    for index, instrument in enumerate(pitched):
        start, stop, pitch, velocity = _columns(instrument.notes)
        _paint(canvas, PALETTE[index % len(PALETTE)], roll.x(start), roll.y(pitch + 0.4),
               roll.x(np.maximum(stop, start + 0.02)), roll.y(pitch - 0.4),
               0.45 + 0.55 * velocity / 127)
    areas = [roll]
    if drums:
        start, _, pitch, _ = _columns([n for inst in drums for n in inst.notes])
        margin = max(1.0, 0.05 * (pitch.max() - pitch.min()))
        lane = Area(LEFT, BOTTOM - DRUM_LANE, RIGHT, BOTTOM, end, pitch.min() - margin,
                    pitch.max() + margin)
        x, y = lane.x(start), lane.y(pitch)  # a short vertical tick per hit
        _paint(canvas, DRUM_COLOUR, x - 0.75, y - 5, x + 0.75, y + 5, np.full_like(x, 0.8))
        areas.append(lane)
    downbeats = np.array(_downbeats(midi, end))
    every = _bar_stride(len(downbeats), RIGHT - LEFT)
    downbeats = downbeats[::every]
    strength = np.where(np.arange(len(downbeats)) % 4 == 0, 0.28, 0.1)  # every 4th line
    for area in areas:
        x = area.x(downbeats)
        _paint(canvas, TEXT_COLOUR, x - 0.5, np.full_like(x, area.top), x + 0.5,
               np.full_like(x, area.bottom), strength)
    image = Image.fromarray(canvas, "RGB")
    draw = ImageDraw.Draw(image)
    for area in areas:
        draw.rectangle((area.left, area.top, area.right, area.bottom), outline=SPINE_COLOUR)
    _pitch_axis(draw, roll)
    if drums:
        _vertical_text(image, "drums", LEFT - 10, (areas[1].top + areas[1].bottom) // 2)
    _time_axis(draw, areas[-1])
    if pitched:
        _legend(draw, roll, [(_label(inst), PALETTE[i % len(PALETTE)])
                             for i, inst in enumerate(pitched)])
    _heading(draw, title, subtitle)
    image.save(path, format="PNG", compress_level=3)  # level 3: 4× faster, files ~10 % larger
    return path


def _columns(notes: list[pretty_midi.Note]) -> tuple[np.ndarray, ...]:
    """Starts, ends, pitches and velocities of `notes` as float arrays."""
    table = np.array([(n.start, n.end, n.pitch, n.velocity) for n in notes], dtype=np.float64)
    return tuple(table.T)


def _paint(canvas: np.ndarray, colour: str, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray,
           y1: np.ndarray, alpha: np.ndarray) -> None:
    """Blend boxes [x0, x1) × [y0, y1) (pixels) of one colour into `canvas`, in order.

    Each box covers at least one pixel each way, so a short note or a bar line never vanishes.
    """
    left, top = np.rint(x0).astype(int), np.rint(y0).astype(int)
    right = np.maximum(np.rint(x1).astype(int), left + 1).tolist()
    bottom = np.maximum(np.rint(y1).astype(int), top + 1).tolist()
    keep = (1 - alpha).tolist()
    add = alpha[:, None] * _rgb(colour) + 0.5  # (N, RGB); + 0.5 rounds when cast to uint8
    left, top = np.maximum(left, 0).tolist(), np.maximum(top, 0).tolist()
    for k in range(len(keep)):
        box = canvas[top[k]:bottom[k], left[k]:right[k]]
        box[:] = box * keep[k] + add[k]


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def _pitch_axis(draw: ImageDraw.ImageDraw, roll: Area) -> None:
    font = _font(17)
    for pitch in range(math.ceil(roll.low), int(roll.high) + 1):
        if pitch % 12:
            continue
        y = round(roll.y(pitch))
        draw.line((roll.left - 5, y, roll.left - 1, y), fill=TEXT_COLOUR)
        draw.text((roll.left - 8, y), pretty_midi.note_number_to_name(pitch), font=font,
                  fill=TEXT_COLOUR, anchor="rm")


def _tick_step(span: float, most: int = 8) -> float:
    """A round step (1, 2 or 5 × 10^k) giving at most `most` intervals over `span`."""
    magnitude = 10 ** math.floor(math.log10(max(span, 1e-9) / most))
    for factor in (1, 2, 5, 10):
        if span / (factor * magnitude) <= most:
            return float(factor * magnitude)
    return float(10 * magnitude)


def _bar_stride(bars: int, width: int) -> int:
    """Draw every how-many-th bar line (1, 2, 4, 8 ...) so that lines stay BAR_LINE_GAP
    pixels apart or more: phrase and section lines of a long piece, every bar of a short one."""
    every = 1
    while bars / every > width / BAR_LINE_GAP:
        every *= 2
    return every


def _minute_step(span: float, most: int = 8) -> float:
    """A round step in seconds (30 s, 1, 2, 5, 10 ... minutes) giving at most `most`
    intervals over `span` seconds."""
    return next(step for step in (30, 60, 120, 300, 600, 1200, 1800, 3600)
                if span / step <= most or step == 3600)


def _time_axis(draw: ImageDraw.ImageDraw, area: Area) -> None:
    font = _font(17)
    minutes = area.end_s >= MINUTES_FROM_S
    step = _minute_step(area.end_s) if minutes else _tick_step(area.end_s)
    for k in range(int(area.end_s / step + 1e-3) + 1):
        seconds = k * step
        x = round(area.x(seconds))
        draw.line((x, area.bottom + 1, x, area.bottom + 5), fill=TEXT_COLOUR)
        text = f"{int(seconds // 60)}:{int(seconds % 60):02d}" if minutes else f"{seconds:g}"
        draw.text((x, area.bottom + 8), text, font=font, fill=TEXT_COLOUR, anchor="mt")
    draw.text(((area.left + area.right) // 2, area.bottom + 30),
              "minutes" if minutes else "seconds", font=font, fill=TEXT_COLOUR, anchor="mt")


def _legend(draw: ImageDraw.ImageDraw, roll: Area, entries: list[tuple[str, str]]) -> None:
    """The parts' names and colours in a box at the roll's top right, up to 4 a row."""
    font = _font(17)
    columns = min(4, len(entries))
    swatch, gap, pad, spacing, row_h = 40, 8, 10, 24, 24
    widths = [swatch + gap + round(draw.textlength(label, font=font)) for label, _ in entries]
    column_w = [max(widths[i::columns]) for i in range(columns)]
    rows = -(-len(entries) // columns)
    box_w = sum(column_w) + 2 * pad + spacing * (columns - 1)
    box_h = rows * row_h + pad
    x0, y0 = roll.right - 10 - box_w, roll.top + 10
    draw.rounded_rectangle((x0, y0, x0 + box_w, y0 + box_h), radius=4, fill=BACKGROUND,
                           outline=SPINE_COLOUR)
    for index, (label, colour) in enumerate(entries):
        row, column = divmod(index, columns)
        x = x0 + pad + sum(column_w[:column]) + spacing * column
        y = y0 + pad // 2 + row * row_h + row_h // 2
        draw.rectangle((x, y - 3, x + swatch, y + 3), fill=colour)
        draw.text((x + swatch + gap, y), label, font=font, fill=TEXT_COLOUR, anchor="lm")


def _heading(draw: ImageDraw.ImageDraw, title: str, subtitle: str) -> None:
    font = _font(24, bold=True)
    lines = [title] + ([subtitle] if subtitle else [])
    top = 12 if subtitle else 26
    for index, line in enumerate(lines):
        draw.text((WIDTH // 2, top + 29 * index), line, font=font, fill=TEXT_COLOUR,
                  anchor="mt")


def _vertical_text(image: Image.Image, text: str, right: int, middle: int) -> None:
    """`text` turned a quarter left, its right edge at x = `right`, centred on y = `middle`."""
    font = _font(17)
    box = ImageDraw.Draw(image).textbbox((0, 0), text, font=font)
    label = Image.new("RGBA", (box[2] + 2, box[3] + 2), (0, 0, 0, 0))
    ImageDraw.Draw(label).text((1, 1), text, font=font, fill=TEXT_COLOUR)
    label = label.rotate(90, expand=True)
    image.paste(label, (right - label.width, middle - label.height // 2), label)


def _downbeats(midi: pretty_midi.PrettyMIDI, end: float) -> list[float]:
    try:
        beats = midi.get_downbeats()
    except (IndexError, ValueError):
        return []
    return [float(b) for b in beats if b <= end]
