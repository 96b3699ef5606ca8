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
from dataclasses import dataclass, replace

from generation.job import LITTLE, LOT, MIN_BPM, NORMAL, Changes
from generation.request.amounts import has
from generation.request.changes import DENSITY_STEP
from generation.request.lexicon import fold
from generation.request.multiples import Multiple
from generation.request.turn import Turn, read_turn
from generation.vocab import DRUM_KITS

TEMPO_STEP = {LITTLE: 1.07, NORMAL: 1.15, LOT: 1.35}
LENGTH_STEP = {LITTLE: 1.25, NORMAL: 1.5, LOT: 2.0}


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


# Words that name two or three edits at once: said alone ("make it bigger", "deeper?"), they
# are asked about; beside a word that settles them ("bigger, more epic") that word is read.
_AMBIGUOUS = (
    (r"bigger|larger|more\s+big|plus\s+grand|mas\s+grande|grosser|更大", ("more epic", "fuller",
                                                                         "longer")),
    (r"deeper|more\s+deep|plus\s+profond|mas\s+profund[oa]", ("an octave lower", "darker")),
    (r"lighter|plus\s+leger|mas\s+liger[oa]|leichter", ("sparser", "happier")),
    (r"softer|plus\s+doux|mas\s+suave|weicher|更柔和|柔和一点", ("calmer", "sparser")),
    (r"higher|plus\s+haut|mas\s+alt[oa]|hoher|高一点", ("up a whole step", "up an octave")),
    (r"lower|plus\s+bas|mas\s+baj[oa]|tiefer|低一点", ("down a whole step", "an octave lower")),
    (r"brighter|plus\s+brillant|mas\s+brillante|heller", ("happier", "up a whole step")),
    (r"(?:hit|hits|punch|punches)\s+harder|harder|heavier|stronger|more\s+strong|"
     r"more\s+(?:weight|power|oomph)", ("more energetic", "fuller")),
    (r"breathe(?:\s+more)?|more\s+breath\w*|(?:more\s+)?breathing\s+room", ("sparser",
                                                                           "slower")),
    # "less" alone: of what? ("more" alone says the last edit again: request/recall.py)
    (r"less|fewer|moins|menos|weniger", ("sparser", "slower", "calmer")),
)
_FILLER = (r"make|it|its|it's|can|could|would|you|u|please|pls|plz|a|an|the|bit|little|tad|"
           r"touch|lot|much|way|more|slightly|ok|okay|now|maybe|hmm+|just|sound|feel|be|this|"
           r"that|thing|whole|some|still|even|little|fais|le|la|hazla|hazlo|mach|es|un|peu|"
           r"poco|plus|mas|bitte|etwas|ein|bisschen|so|kinda|lil|go|get|should|we|us|try|"
           r"yeah|pls|too|and|then|well|really|super|very|一点|再")


def ambiguous(text: str, line: str) -> list[tuple[str, Turn]]:
    """The readings of a line that is one word meaning two edits ("make it lighter"), as far
    as its amount words say; [] when the line says more than that word."""
    for pattern, labels in _AMBIGUOUS:
        found = has(pattern, text)
        if not found:
            continue
        rest = text[:found.start()] + " " + text[found.end():]
        if re.sub(rf"(?<![a-z])(?:{_FILLER})(?![a-z])|[^\w]|\d", " ", rest).strip():
            return []
        amount = LOT if has(r"way|much|a\s+lot|really|super|very", text) else LITTLE if has(
            r"(?:a\s+)?(?:little|bit|touch|tad|lil)|slightly|kinda|un\s+peu|un\s+poco|etwas|"
            r"一点", text) else NORMAL
        return [(label, Turn("edit", text=line, changes=_READINGS[label](amount)))
                for label in labels]
    return []


_READINGS = {  # an ambiguous word's readings, each a change of the asked amount
    "more epic": lambda a: Changes(mood="epic", mood_amount=a),
    "fuller": lambda a: Changes(density=DENSITY_STEP[a]),
    "longer": lambda a: Changes(length_factor=LENGTH_STEP[a]),
    "an octave lower": lambda a: Changes(transpose=-12),
    "darker": lambda a: Changes(mood="dark", mood_amount=a),
    "sparser": lambda a: Changes(density=-DENSITY_STEP[a]),
    "happier": lambda a: Changes(mood="happy", mood_amount=a),
    "calmer": lambda a: Changes(mood="calm", mood_amount=a),
    "up a whole step": lambda a: Changes(transpose=2),
    "down a whole step": lambda a: Changes(transpose=-2),
    "up an octave": lambda a: Changes(transpose=12),
    "more energetic": lambda a: Changes(mood="energetic", mood_amount=a),
    "slower": lambda a: Changes(tempo_factor=round(1 / TEMPO_STEP[a], 4)),
}


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


# "make it 60": nothing but a number, no unit and no word of tempo or length
_BARE_NUMBER = (r"\W*(?:(?:ok|okay|hmm+|so|maybe|just|let'?s|can|could|we|you|u|it|make|be|try|"
                r"set|to|do|go|with|how|about|what|please|pls|plz|then|instead)\W+)*"
                r"\d{2,3}(?:\W+(?:then|instead|please|pls|plz|maybe|ok))*\W*")
_PRONOUN_SWAP = re.compile(r"\b(?:swap|replace|switch|trade|change|exchange)\s+(?:it|that|this)"
                           r"(?:\s+out)?\s+(?:for|with|to|by)\b")


# A bare number up to a minute and a half may be a length in seconds as well as a tempo:
# "make it 60" is asked about. A bare number above it is a tempo ("make it 132", "120 pls":
# two minutes is said "2 min").
SAID_AS_SECONDS = 90


def unsure_value(turn: Turn, line: str, playing: tuple[str, ...]) -> list[tuple[str, Turn]]:
    """The readings of a value said without what it is: "make it 60" (60 bpm or 60
    seconds?), "change it to a minor" (the key of A minor, or minor?), "swap it for guitar"
    in a piece of several parts (which part?); [] when the line says."""
    changes, text = turn.changes, fold(line)
    signed = re.fullmatch(r"\W*([+-])\s*(\d{1,2})\W*", text)
    if signed and 1 <= (n := int(signed.group(2))) <= 12:  # "+2": semitones or bpm?
        way = 1 if signed.group(1) == "+" else -1
        return [(f"{'up' if way > 0 else 'down'} {n} semitone{'s' if n > 1 else ''}",
                 Turn("edit", text=line, changes=Changes(transpose=way * n))),
                (f"{n} bpm {'faster' if way > 0 else 'slower'}",
                 Turn("edit", text=line, changes=Changes(tempo_step=way * n)))]
    if turn.kind in ("edit", "unknown", "help") and re.fullmatch(_BARE_NUMBER, text) and \
            changes in (Changes(), Changes(tempo_bpm=changes.tempo_bpm)) and \
            10 <= (n := int(re.search(r"\d+", text).group(0))) <= SAID_AS_SECONDS:
        long = (f"{n} seconds long", Turn("edit", text=line,
                                          changes=Changes(duration_s=float(n))))
        if n < MIN_BPM:  # no tempo is that slow: only the length is meant
            return [long]
        return [(f"tempo {n} bpm", Turn("edit", text=line, changes=Changes(tempo_bpm=n))), long]
    if turn.kind != "edit":
        return []
    if changes.mode == "minor" and changes.tonic in (None, "A") and re.search(
            r"\b(?:to|into|make\s+it)\s+a\s+minor\s*(?:$|[,.;!?)]|(?:please|pls|plz|now|"
            r"instead|then|and|lol)\b)", fold(line)):  # "in a minor": A minor; "a minor blues"
        return [("the key of A minor", replace(turn, changes=replace(
                    changes, tonic="A", mode="minor"))),
                ("just minor mode", replace(turn, changes=replace(changes, tonic=None)))]
    parts = [p for p in dict.fromkeys(playing) if p not in DRUM_KITS]
    new = changes.lead or (changes.add[0] if len(changes.add) == 1 else None)
    if new and len(parts) >= 2 and _PRONOUN_SWAP.search(text) and not changes.swap:
        return [(f"swap the {old} for {new}", Turn("edit", text=line, changes=Changes(
                    swap=((old, new),)))) for old in parts[:3] if old != new]
    return []


_CHOICE_WORDS = {"tempo": r"fast|tempo|speed|bpm|quick",
                 "key of": r"key|tonic|note|the\s+a\b",
                 "mode": r"just\s+(?:the\s+)?minor|only\s+minor|mode|same\s+key|keep\s+the\s+key",
                 "add": r"add|both|keep|also|too|on\s+top|in\s+the\s+back|as\s+well",
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
    for label, turn in choices:  # "the octave", "darker": a word of the choice itself
        if any(has(re.escape(word), text) for word in re.findall(r"[a-z]{4,}", label)
               if word not in ("more", "than", "give", "melody", "whole")):
            return turn
    first = re.fullmatch(r"\W*(?:the\s+)?(first|second|third)(?:\s+one)?\W*", text)
    if first:
        index = ("first", "second", "third").index(first.group(1))
        return choices[index][1] if index < len(choices) else None
    return None
