"""Tempo and length said as multiples: "halve it, way too fast", "cut the tempo in half",
"triple the speed", "twice as slow", "double it" (of what? asked back).

    read_multiple("way too fast, halve it") → Multiple(0.5, "tempo")
    read_multiple("triple the length")      → Multiple(3.0, "length")
    read_multiple("double it")              → Multiple(2.0, None): the tempo or the length

The multiplier is exact: "halve" is 0.5, never the large step of "way slower". What it
multiplies is the noun it names ("the tempo", "as long"), else the words around it ("too
fast, halve it"), else nobody knows and `request/understand.py` asks. Doubling a part ("a
cello to double the bass line", "double bass") and half steps are not multiples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TIMES = {"double": 2.0, "doubled": 2.0, "twice": 2.0, "two times": 2.0, "2x": 2.0, "x2": 2.0,
          "halve": 0.5, "half": 0.5, "in half": 0.5, "triple": 3.0, "tripled": 3.0,
          "three times": 3.0, "thrice": 3.0, "3x": 3.0, "x3": 3.0, "2 times": 2.0,
          "3 times": 3.0}
_TEMPO = (r"tempo|speed|bpm|pace|fast\w*|quick\w*|slow\w*|rush\w*|drag\w*|sluggish|"
          r"hurried|frantic")
_LENGTH = r"length|long\w*|short\w*|duration|runtime|minutes?|seconds?|loop|play\s*time"


def _what(group: str) -> str:
    """What a verb multiplies: "it", or a noun (named `group`: "the tempo", "its length")."""
    return rf"it|that|this|things|the\s+thing|(?:the|its)\s+(?P<{group}>[a-z]+)"


_MULTIPLE = re.compile(
    rf"(?<![a-z\d])(?:(?P<verb>double|halve|half|triple)\s+(?:{_what('noun')})(?![a-z])"
    r"|(?P<adverb>twice|half|two\s+times|three\s+times)\s+as\s+(?P<adjective>[a-z]+)"
    r"|(?P<times>twice|two\s+times|three\s+times|[23]\s*x|[23]\s+times)\s+"
    r"(?P<comparative>faster|quicker|slower|longer|shorter)"
    rf"|(?:cut|chop|slash|split)\s+(?:{_what('cut_noun')})\s+(?:in|by)\s+(?P<cut>half)"
    r"|(?P<bare>2x|x2|3x|x3)(?![a-z\d]))")
_SLOWER_WORD = r"slow\w*|short\w*"  # "twice as slow" is half the tempo


@dataclass(frozen=True)
class Multiple:
    """A multiplier and what it multiplies ("tempo", "length", or None: not said)."""

    factor: float
    of: str | None


def read_multiple(text: str) -> Multiple | None:
    """The multiple folded `text` names, if any."""
    found = _MULTIPLE.search(text)
    return None if found is None else _multiple_of(text, found)


def _multiple_of(text: str, found: re.Match[str]) -> Multiple | None:
    word = found.group("verb") or found.group("adverb") or found.group("bare") or \
        found.group("times") or "in half"
    factor = _TIMES[re.sub(r"\s+", " ", word).replace(" x", "x")]
    said = found.group("noun") or found.group("cut_noun") or found.group("adjective") or \
        found.group("comparative") or ""
    if said and not re.fullmatch(rf"{_TEMPO}|{_LENGTH}|time", said):
        return None  # "double the bass line", "twice as loud": not a tempo or a length
    if (found.group("adjective") or found.group("comparative")) and \
            re.fullmatch(_SLOWER_WORD, said):
        factor = 1 / factor
    return Multiple(factor, _family(said) or _family_around(text, found))


def _family(word: str) -> str | None:
    if re.fullmatch(rf"{_TEMPO}|time", word):
        return "tempo"
    if re.fullmatch(_LENGTH, word):
        return "length"
    return None


def _family_around(text: str, found: re.Match[str]) -> str | None:
    """What "it" is, from the rest of the line: "too fast, halve it", "too short, double it"."""
    rest = text[:found.start()] + " " + text[found.end():]
    tempo = re.search(rf"(?<![a-z])(?:{_TEMPO})(?![a-z])", rest)
    length = re.search(rf"(?<![a-z])(?:{_LENGTH})(?![a-z])", rest)
    if bool(tempo) == bool(length):
        return None
    return "tempo" if tempo else "length"


def multiple_changes(text: str, values: dict) -> dict:
    """The tempo or length factor of a multiple in `text`, unless `values` (what the other
    readers found) already holds an exact tempo or length for it."""
    out: dict = {}
    for found in _MULTIPLE.finditer(text):  # "double the tempo and halve the length"
        multiple = _multiple_of(text, found)
        if multiple is None:
            continue
        if multiple.of == "tempo" and not (values.get("tempo_bpm") or values.get("tempo_step")):
            out.setdefault("tempo_factor", multiple.factor)
        if multiple.of == "length" and not values.get("duration_s"):
            out.setdefault("length_factor", multiple.factor)
    return out
