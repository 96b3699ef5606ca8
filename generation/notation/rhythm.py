"""Durations as a musician writes them, counted in ticks of a twelfth of a quarter note.

Twelve ticks a quarter hold sixteenths (3) and eighth or sixteenth triplets (4, 2) exactly,
like the model's own grid (models/core/grid.py). A note is cut at bar lines and tied; inside a
bar it is written so the beat stays visible: values of a beat or more start on one, shorter
ones never cross one (a syncopated quarter on the "and" of one is two tied eighths, as in a
classical part), and compound meters (6/8, 9/8, 12/8) beat in dotted quarters.
"""

from __future__ import annotations

TICKS = 12  # per quarter note
# values written from a beat, longest first: whole, dotted half, half, dotted quarter, quarter
# (simple meters); dotted whole, dotted half, dotted quarter (compound meters)
ON_BEAT = {12: (48, 36, 24, 18, 12), 18: (72, 36, 18)}
BINARY = (12, 9, 6, 3)  # quarter, dotted eighth, eighth, sixteenth (within one beat)
TRIPLET = (8, 4, 2, 1)  # quarter, eighth and sixteenth triplets, a thirty-second triplet


def bar_ticks(meter: tuple[int, int]) -> int:
    return meter[0] * 4 * TICKS // meter[1]


def beat_ticks(meter: tuple[int, int]) -> int:
    """The beat a bar is counted in: a dotted quarter in 6/8, 9/8, 12/8; else the quarter
    (the eighth in 5/8 and 7/8 groups as quarters do)."""
    numerator, denominator = meter
    if denominator == 8 and numerator % 3 == 0 and numerator > 3:
        return 18
    return 12


def written(start: int, length: int, meter: tuple[int, int]) -> list[int]:
    """The tied values that write a note `length` ticks long from tick `start` of a bar.

    The note must lie inside the bar. Every value returned is one notehead: [12, 6] is a
    quarter tied to an eighth.
    """
    beat, values = beat_ticks(meter), []
    at, end = start, start + length
    while at < end:
        if at % beat == 0 and end - at >= beat:
            value = next(v for v in ON_BEAT[beat] if v <= end - at)
        else:
            stop = min(end, (at // beat + 1) * beat)
            value = _within_beat(at, stop - at)
        values.append(value)
        at += value
    return values


def _within_beat(at: int, room: int) -> int:
    """The longest value from `at` that fits `room` ticks without crossing the beat."""
    if at % 3 == 0 and room % 3 == 0:
        return next(v for v in BINARY if v <= room)
    return next(v for v in TRIPLET if v <= room and at % min(v, 4) == 0 or v == 1)
