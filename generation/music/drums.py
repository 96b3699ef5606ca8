"""Drum grooves as data: General MIDI drum notes on a sixteenth-note grid.

A groove written for 4/4 (16 steps) is used as it is in 4/4 and 2/4 (its first half); any
other meter gets a groove built from the meter's own pulse groups, so a 5/4 or 6/8 bar is
never forced into four.
"""

from __future__ import annotations

KICK, RIM, SNARE, CLAP, CLOSED_HAT, PEDAL_HAT, OPEN_HAT = 36, 37, 38, 39, 42, 44, 46
CRASH, RIDE, LOW_TOM, MID_TOM, HIGH_TOM, FLOOR_TOM, TAMBOURINE = 49, 51, 45, 47, 50, 41, 54

# step → velocity, per drum, over one 4/4 bar of sixteen sixteenths.
GROOVES: dict[str, dict[int, dict[int, int]]] = {
    "rock": {KICK: {0: 110, 8: 105, 10: 90}, SNARE: {4: 110, 12: 112},
             CLOSED_HAT: {s: 80 if s % 4 == 0 else 62 for s in range(0, 16, 2)}},
    "pop": {KICK: {0: 105, 6: 85, 8: 100}, SNARE: {4: 100, 12: 104},
            CLOSED_HAT: {s: 72 if s % 4 == 0 else 55 for s in range(0, 16, 2)},
            TAMBOURINE: {4: 50, 12: 50}},
    "four_on_floor": {KICK: {0: 115, 4: 110, 8: 115, 12: 110}, CLAP: {4: 95, 12: 95},
                      CLOSED_HAT: {s: 60 for s in range(0, 16)} | {2: 75, 6: 75, 10: 75, 14: 75},
                      OPEN_HAT: {2: 70, 6: 70, 10: 70, 14: 70}},
    "lofi": {KICK: {0: 95, 7: 70, 10: 85}, SNARE: {4: 80, 12: 84}, RIM: {14: 40},
             CLOSED_HAT: {s: 55 if s % 4 == 0 else 42 for s in range(0, 16, 2)}},
    "swing": {RIDE: {0: 80, 4: 85, 6: 60, 8: 80, 12: 85, 14: 60}, PEDAL_HAT: {4: 70, 12: 70},
              KICK: {0: 50}},
    "shuffle": {KICK: {0: 100, 8: 95}, SNARE: {4: 100, 12: 100},
                CLOSED_HAT: {0: 75, 2: 55, 4: 75, 6: 55, 8: 75, 10: 55, 12: 75, 14: 55}},
    "cinematic": {KICK: {0: 100, 8: 80}, FLOOR_TOM: {0: 90, 6: 70, 10: 75, 12: 85},
                  LOW_TOM: {14: 80}},
    "celtic": {LOW_TOM: {0: 85, 8: 70}, TAMBOURINE: {s: 50 for s in range(4, 16, 4)}},
    "chiptune": {KICK: {0: 110, 6: 95, 8: 105}, SNARE: {4: 105, 12: 105},
                 CLOSED_HAT: {s: 70 for s in range(0, 16, 2)}},
}
STRONG_DRUM = {"swing": RIDE, "celtic": LOW_TOM, "cinematic": FLOOR_TOM}


def groups_of(numerator: int, denominator: int) -> list[int]:
    """Pulses per group: 6/8 → [3, 3], 5/4 → [3, 2], 7/8 → [2, 2, 3], 4/4 → [2, 2]."""
    if denominator == 8 and numerator % 3 == 0:
        return [3] * (numerator // 3)
    if numerator in (2, 3):
        return [numerator]
    if numerator == 4:
        return [2, 2]
    groups, rest = [], numerator
    while rest > 3:
        groups.append(2)
        rest -= 2
    groups.append(rest)
    return groups[::-1] if numerator == 5 else groups


def bar_hits(groove: str, meter: tuple[int, int], bar_beats: float) -> list[tuple[float, int, int]]:
    """(onset in quarter beats, drum note, velocity) for one bar of `groove` in `meter`."""
    if meter in ((4, 4), (2, 4)) and groove in GROOVES:
        steps = 16 if meter == (4, 4) else 8
        return sorted((step / 4, drum, velocity)
                      for drum, pattern in GROOVES[groove].items()
                      for step, velocity in pattern.items() if step < steps)
    pulse = 4 / meter[1]  # quarter beats per written pulse
    hits: list[tuple[float, int, int]] = []
    at = 0.0
    groups = groups_of(*meter)
    strong = STRONG_DRUM.get(groove, KICK)
    backbeat = SNARE if groove not in STRONG_DRUM else LOW_TOM
    for index, group in enumerate(groups):
        hits.append((at, strong if index % 2 == 0 else backbeat, 100 if index == 0 else 88))
        for step in range(group):
            hat = RIDE if groove == "swing" else CLOSED_HAT
            hits.append((at + step * pulse, hat, 70 if step == 0 else 52))
        at += group * pulse
    return sorted(h for h in hits if h[0] < bar_beats)


def drum_texture(hits: list[tuple[float, int, int]], bar_beats: float,
                 texture: int) -> list[tuple[float, int, int]]:
    """A bar's hits made sparser (`texture` −1: only those on a beat) or busier (+1: a soft
    closed hi-hat on every eighth that has none, or on every sixteenth where the eighths all
    have one); 0: as the groove wrote them."""
    if texture < 0:
        return [h for h in hits if abs(h[0] - round(h[0])) < 1e-6]
    if texture > 0:
        cymbals = {round(onset * 4) for onset, drum, _ in hits if drum in (CLOSED_HAT, RIDE)}
        slots = int(bar_beats * 4)
        step = 2 if any(s not in cymbals for s in range(0, slots, 2)) else 1
        return sorted(hits + [(s / 4, CLOSED_HAT, 48) for s in range(0, slots, step)
                              if s not in cymbals])
    return hits


def fill(bar_beats: float) -> list[tuple[float, int, int]]:
    """A one-beat snare and tom run into the next section."""
    start = bar_beats - 1.0
    drums = (SNARE, SNARE, HIGH_TOM, LOW_TOM)
    return [(start + i * 0.25, drum, 70 + 10 * i) for i, drum in enumerate(drums)]
