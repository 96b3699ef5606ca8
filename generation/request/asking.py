"""A question back: the readings of a line that could mean two things, and how the answer
picks one ("2", "the melody", "add it").

    multiple_choices(Multiple(2.0, None), "double it")
      → [("twice as fast", Turn(edit, tempo_factor=2)), ("twice as long", Turn(...))]
    picked("the tempo", choices) → the choice about the tempo

`request/understand.py` asks when the exact readers and the learned reader leave a line
unsure; the conversation keeps the choices until the next line answers them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generation.job import LITTLE, LOT, NORMAL, Changes
from generation.request.changes import has
from generation.request.lexicon import fold
from generation.request.multiples import Multiple
from generation.request.turn import Turn, read_turn

TEMPO_STEP = {LITTLE: 1.07, NORMAL: 1.15, LOT: 1.35}


@dataclass(frozen=True)
class Reading:
    """A turn, how sure the reading is, and the choices of a question back (kind 'ask')."""

    turn: Turn
    sure: float = 1.0
    choices: tuple[tuple[str, Turn], ...] = ()


def ask(*choices: tuple[str, Turn]) -> Reading:
    return Reading(Turn("ask", text=" or ".join(label for label, _ in choices)), 0.5,
                   tuple(choices))


_TIMES_SAID = {2.0: "twice as", 0.5: "half as", 3.0: "three times as"}


def multiple_choices(multiple: Multiple, line: str) -> list[tuple[str, Turn]]:
    """"Double it", "halve it": the tempo or the length, by that factor."""
    said = _TIMES_SAID.get(multiple.factor, f"{multiple.factor:g} times as")
    return [(f"{said} fast", Turn("edit", text=line, changes=Changes(
                tempo_factor=multiple.factor))),
            (f"{said} long", Turn("edit", text=line, changes=Changes(
                length_factor=multiple.factor)))]


def directions(text: str, line: str) -> list[tuple[str, Turn]]:
    """The readings of a direction said of nothing ("take it way down", "crank it up"):
    the tempo or the energy, as far as the intensifier says."""
    direction = re.search(r"(?<![a-z])(up|down)(?![a-z])", text)
    if direction is None:
        return []
    amount = LOT if has(r"way|much|a\s+lot|all\s+the\s+way|right", text) else LITTLE if has(
        r"notch|(?:a\s+)?(?:little|bit|touch|tad|hair)|slightly", text) else NORMAL
    up = direction.group(1) == "up"
    step = TEMPO_STEP[amount] if up else round(1 / TEMPO_STEP[amount], 4)
    return [("faster" if up else "slower",
             Turn("edit", text=line, changes=Changes(tempo_factor=step))),
            ("more energetic" if up else "calmer",
             Turn("edit", text=line, changes=Changes(mood="energetic" if up else "calm",
                                                     mood_amount=amount)))]


def fallback(text: str, instruments: list[str], line: str) -> list[tuple[str, Turn]]:
    """Readings of a line that names something known but nothing sure: an instrument is
    added or gets the melody; a number is a tempo or a length."""
    if instruments:
        name = instruments[0]
        return [(f"add a {name}", Turn("edit", text=line, changes=Changes(add=(name,)))),
                (f"give the {name} the melody", Turn("edit", text=line,
                                                     changes=Changes(lead=name)))]
    number = re.search(r"(?<![\d.])(\d{2,3})(?![\d%])", text)
    if number and 40 <= int(number.group(1)) <= 240:
        n = int(number.group(1))
        return [(f"tempo {n} bpm", Turn("edit", text=line, changes=Changes(tempo_bpm=n))),
                (f"{n} seconds long", Turn("edit", text=line,
                                           changes=Changes(duration_s=float(n))))]
    return []


_CHOICE_WORDS = {"add": r"add|both|keep|also|too|on\s+top|in\s+the\s+back|as\s+well",
                 "melody": r"melody|lead|tune|solo|instead|replace|swap|main",
                 "fast": r"fast|tempo|speed|bpm|quick", "long": r"long|length|second|minute",
                 "slow": r"slow\w*|tempo|speed|bpm", "calm": r"calm\w*|mood|energy|chill\w*|"
                 r"soft\w*|quiet\w*|mellow\w*", "energ": r"energ\w*|mood|intens\w*|hype\w*|"
                 r"loud\w*|pump\w*",
                 "drop": r"drop|remove|without|lose"}


def picked(line: str, choices: tuple[tuple[str, Turn], ...]) -> Turn | None:
    """The choice a line answering a question back picks: by its number ("2"), or in words
    ("the melody", "add it"); None when the line is something else (read as usual)."""
    text = fold(line).strip()
    number = re.fullmatch(r"\W*(?:#|option\s+|number\s+)?(\d)\W*", text)
    if number and 1 <= int(number.group(1)) <= len(choices):
        return choices[int(number.group(1)) - 1][1]
    own = read_turn(line, True)
    if own.kind == "edit" and (own.changes.add or own.changes.lead or own.changes.remove
                               or own.changes.swap):
        return None  # it says what it wants itself
    for label, turn in choices:
        for word, pattern in _CHOICE_WORDS.items():
            if word in label and has(pattern, text):
                return turn
    first = re.fullmatch(r"\W*(?:the\s+)?(first|second|third)(?:\s+one)?\W*", text)
    if first:
        index = ("first", "second", "third").index(first.group(1))
        return choices[index][1] if index < len(choices) else None
    return None
