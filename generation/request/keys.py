"""Exact reading of a stated key: "D minor", "F#m", "key of Bb", "Fis-Moll", "ré mineur",
"C大调", or a mode alone ("in minor"). Part of the slot readers of `request/slots.py`: it takes
their `Text` and marks the span it read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generation.request.slots import Text

_MODE_WORDS = {
    "major": "major", "maj": "major", "majeur": "major", "mayor": "major", "dur": "major",
    "maggiore": "major", "ionian": "major", "大调": "major", "调": "major", "大調": "major",
    "調": "major", "小調": "minor",
    "minor": "minor", "min": "minor", "mineur": "minor", "menor": "minor", "moll": "minor",
    "minore": "minor", "aeolian": "minor", "小调": "minor", "m": "minor",
    "harmonic minor": "minor", "melodic minor": "minor", "natural minor": "minor",
    "dorian": "dorian", "phrygian": "phrygian", "lydian": "lydian",
    "mixolydian": "mixolydian", "locrian": "locrian",
}
_MODE = (r"(?:harmonic\s+minor|melodic\s+minor|natural\s+minor|mixolydian|major|minor|"
         r"majeur|mineur|mayor|menor|maggiore|minore|maj|min|ionian|dorian|phrygian|lydian|"
         r"aeolian|locrian)")
_ACC = r"(?:\s*-?\s*(?:sharp|flat)|\s+(?:diese|bemol|sostenido|bemolle|diesis)|#|♯|b|♭)"
_SOLFEGE = {"do": "C", "re": "D", "mi": "E", "fa": "F", "sol": "G", "la": "A", "si": "B"}
_ENHARMONIC = {"E#": "F", "B#": "C", "Fb": "E", "Cb": "B"}


@dataclass(frozen=True)
class Key:
    """A read key (`tonic` None when only the mode was said), and any notes about it."""

    tonic: str | None
    mode: str
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.tonic} {self.mode}"


def _accidental(raw: str | None) -> str:
    raw = (raw or "").strip().lower().lstrip("-").strip()
    if raw in ("#", "♯", "sharp", "diese", "sostenido", "diesis"):
        return "#"
    if raw in ("b", "♭", "flat", "bemol", "bemolle"):
        return "b"
    return ""


def _mode(raw: str | None) -> str:
    raw = re.sub(r"\s+", " ", (raw or "major").strip().lower())
    return _MODE_WORDS.get(raw, "major")


def _key(letter: str, accidental: str, mode: str) -> Key:
    tonic = letter.upper() + accidental
    if tonic in _ENHARMONIC:
        plain = _ENHARMONIC[tonic]
        return Key(plain, mode, (f"{tonic} is the same note as {plain}; using {plain} {mode}",))
    return Key(tonic, mode)


def _german(match: re.Match[str]) -> Key:
    letter, suffix = match.group("t"), (match.group("de") or "").lower()
    mode = "minor" if match.group("mode").lower() == "moll" else "major"
    if letter.lower() == "h":
        return Key("B", mode)
    if letter.lower() == "b" and not suffix:
        return Key("Bb", mode)
    return _key(letter, "#" if suffix == "is" else "b" if suffix in ("es", "s") else "", mode)


def read_key(text: Text) -> Key | None:
    """A stated key in any of the ways people write one; None when there is none."""
    # readings by how plainly they state a key: with a mode word or "key of"; "in E" alone;
    # chord symbols and bare note names ("Gm", "Bb", "Fmaj7"), which also name chords
    tiers: tuple[list[tuple[int, int, Key]], ...] = ([], [], [])

    def add(match: re.Match[str], key: Key, tier: int = 0) -> None:
        if text.free(*match.span()):
            tiers[tier].append((match.start(), match.end(), key))

    _spoken_keys(text.cased, text.low, add)
    _written_keys(text.cased, text.low, add)
    # A key said as a key ("in G minor") wins over "in C" and chord symbols said before it
    # ("the chords move in C, G and Am", "Bb, C and Gm").
    found = next((tier for tier in tiers if tier), [])
    if found:
        # The first key said wins; of readings that overlap it, the longest ("F sharp minor"
        # over "in F").
        first = min(found, key=lambda item: item[0])
        start, end, key = max((f for f in found if f[0] < first[1]), key=lambda f: f[1] - f[0])
        text.take(start, end)
        return key
    return _not_a_tonic(text) or _mode_alone(text)


def _spoken_keys(cased: str, low: str, add) -> None:
    """Keys in Chinese, German and solfège ("C大调", "Fis-Moll", "ré mineur", "en mi")."""
    for m in re.finditer(r"(?P<pre>升|降)?(?P<t>[A-Ga-g])(?P<acc>#|♯|b|♭)?\s*"
                         r"(?P<mode>大调|小调|调|大調|小調|調)", cased):
        acc = {"升": "#", "降": "b"}.get(m.group("pre") or "", _accidental(m.group("acc")))
        add(m, _key(m.group("t"), acc, _mode(m.group("mode"))))
    for m in re.finditer(r"(?<![\w#])(?P<t>[A-Ha-h])(?P<de>is|es|s)?\s*[-\s]\s*"
                         r"(?P<mode>[Dd]ur|[Mm]oll)(?![a-z])", cased):
        if m.group("de") != "s" or m.group("t").lower() in "ae":
            add(m, _german(m))
    for m in re.finditer(rf"(?<![a-z])(?P<sol>do|re|mi|fa|sol|la|si)(?P<acc>{_ACC})?\s+"
                         rf"(?P<mode>majeur|mineur|mayor|menor|maggiore|minore)(?![a-z])", low):
        add(m, _key(_SOLFEGE[m.group("sol")], _accidental(m.group("acc")), _mode(m.group("mode"))))
    # "en mi", "en ré bémol": a solfège tonic alone; "la" and "si" only with an accidental or
    # at the end of a phrase ("en la noche" is "in the night")
    for m in re.finditer(rf"(?<![a-z])(?:en|in|tonalite de|tonalidad de)\s+"
                         rf"(?P<sol>do|re|mi|fa|sol|la|si)(?P<acc>{_ACC})?(?![a-z])", low):
        if m.group("sol") in ("la", "si") and not m.group("acc") and not re.match(
                r"\s*(?:[,.;!?)]|$)", low[m.end():]):
            continue
        add(m, _key(_SOLFEGE[m.group("sol")], _accidental(m.group("acc")), "major"), 1)


def _written_keys(cased: str, low: str, add) -> None:
    """Keys written with letters: "G minor", "Gm", "key of Bb", "in E", "F#"."""
    for m in re.finditer(rf"(?<![\w#♯♭'’])(?P<t>[A-Ga-g])(?P<acc>{_ACC})?\s*-?\s*"
                         rf"(?P<mode>(?i:{_MODE}))(?![a-zA-Z])", cased):
        if re.match(r"\s*(?:key|keys|tonality|scale|mode|chords?)\b", low[m.end():]) and \
                m.group("t") in "aA" and not m.group("acc"):
            continue  # "a minor key": the mode of some key, not A minor
        if m.group("t") == "a" and not m.group("acc") and _article(low, m.start(), m.end()):
            continue  # "a major hit", "a minor change": the article
        add(m, _key(m.group("t"), _accidental(m.group("acc")), _mode(m.group("mode"))),
            2 if re.match(r"\d", cased[m.end():]) else 0)  # "Fmaj7", "Cmin9": chords
    for m in re.finditer(r"(?<![\w#♯♭])(?P<t>[A-G])(?P<acc>#|♯|b|♭)?(?P<q>maj7|maj9|maj13|maj|"
                         r"M7|min7|min9|min|m7b5|m7|m9|m11|madd9|m|add9|sus2|sus4|7|9)"
                         r"(?![a-zA-Z0-9])", cased):
        if m.group("q") == "m" and re.match(r"\s+(?:i|I)\b", cased[m.end():]):
            continue  # "Am I ...": the verb
        minor = m.group("q").startswith("m") and not m.group("q").startswith(("maj", "M"))
        add(m, _key(m.group("t"), _accidental(m.group("acc")), "minor" if minor else "major"), 2)
    for m in re.finditer(rf"(?:\bin\s+the\s+key\s+of|\bkey\s+of|\bkey\s*[:=]|\btonality\s+of|"
                         rf"\btonalite\s+de|\btonalidad\s+de|\btonart)\s*(?P<t>[A-Ga-g])"
                         rf"(?P<acc>{_ACC})?(?:\s*-?\s*(?P<mode>{_MODE}))?(?![\w#♯♭])", cased,
                         flags=re.IGNORECASE):
        add(m, _key(m.group("t"), _accidental(m.group("acc")), _mode(m.group("mode"))))
    for m in re.finditer(rf"\b(?i:in|en|im)\s+(?P<t>[A-G])(?P<acc>{_ACC})?(?![\w#♯♭'’])"
                         rf"(?!\s*-?\s*(?i:{_MODE}|key|keys)\b)", cased):
        add(m, _key(m.group("t"), _accidental(m.group("acc")), "major"), 1)
    # a capital letter alone as an item of a terse list: "pop happy 115 C", "calm, folk, D"
    for m in re.finditer(r"(?:(?<=,)|(?<=\d)|(?<=\dbpm)|(?<=^))\s*(?P<t>[A-G])"
                         r"(?=\s*(?:$|[,;!]|\.(?:\s|$)))", cased):
        if m.group("t") != "A" or re.search(r"[\d,]\s*$", cased[:m.start("t")]):
            add(m, _key(m.group("t"), "", "major"), 1)
    for m in re.finditer(r"\b(?i:in)\s+(?P<t>[bcdfg])(?=\s*(?:$|[,;!?)]|\.(?:\s|$)))", cased):
        add(m, _key(m.group("t"), "", "major"), 1)  # "in c," but never "in a" or "in e.g."
    for m in re.finditer(r"(?<![\w#♯♭])(?P<t>[A-G])(?P<acc>#|♯|b|♭|[\s-](?:flat|sharp))"
                         r"(?![\w#♯♭])|"
                         r"\b(?i:in)\s+(?P<t2>[a-g])(?P<acc2>#|♯|b|♭)(?![\w#♯♭])", cased):
        add(m, _key(m.group("t") or m.group("t2"),
                    _accidental(m.group("acc") or m.group("acc2")), "major"),
            2 if m.group("t") else 1)


# words after which "a minor" is an article and a mode ("make it a minor", "with a major")
_TAKES_ARTICLE = (r"to|into|it|is|be|was|make|write|do|want|need|give|gimme|like|with|for|as|"
                  r"just|maybe|try|compose|create|play|get|have|about|me|us|something|please|"
                  r"pls|can|could|you|u|and|or|but|now|its|it's|what|such|quite|not|only|go|"
                  r"turn|switch|change|im|i'm|than|in\s+a|of\s+a")


def _article(low: str, start: int, end: int) -> bool:
    """Whether the lower-case "a" of "a minor" at `start` is the article: it is the key A
    after "in", "of", "key" or ":", and in a request said as a list of what it wants
    ("string quartet a major romantic", "bass groove a minor 100") where it follows a word
    that takes no article and is followed by a number, a mood, or nothing more."""
    before = low[:start]
    if re.search(r"(?:\bin|\bof|\bkey|:)\s*$", before):
        return False
    if re.search(rf"(?<![a-z'])(?:{_TAKES_ARTICLE})\s*$", before):
        return True
    after = low[end:]
    if re.match(r"\s*(?:$|[,;.!?)/]|\d|bpm\b|and\b|with\b|please\b|pls\b|plz\b|tho\b|"
                r"lol\b|for\b|at\b)", after):
        return False
    from generation.request.lexicon import MOOD_LEXICON

    mood = MOOD_LEXICON.find(after)
    return not (mood and not after[:mood[0].start].strip())


def _not_a_tonic(text: Text) -> Key | None:
    """A mode after a letter that names no key ("H moll", "X major"): the mode, and a note."""
    cased = text.cased
    for m in re.finditer(rf"(?<![\w#])(?P<t>[H-Z])(?P<acc>#|♯|b|♭)?\s*-?\s*"
                         rf"(?P<mode>(?i:{_MODE}))(?![a-zA-Z])|(?<![\w#])(?P<t2>[h-z])"
                         rf"(?P<acc2>#|♯|♭)\s*-?\s*(?P<mode2>(?i:{_MODE}))(?![a-zA-Z])", cased):
        said = m.group(0).strip()
        mode = _mode(m.group("mode") or m.group("mode2"))
        text.take(*m.span())
        if m.group("t") == "H" and not m.group("acc"):
            return Key("B", mode, (f"read {said} as B {mode} (H is the German name for B)",))
        return Key(None, mode, (f"{said!r} is not a key I know (keys go from A to G)",))
    return None


def _mode_alone(text: Text) -> Key | None:
    """A mode said without a tonic: "in minor", "dorian mode"."""
    low = text.low
    for m in re.finditer(r"(?:\b(?:in|en|im)\s+)?(?P<mode>major|minor|moll|dur|mineur|majeur|"
                         r"menor|mayor|dorian|phrygian|lydian|mixolydian|locrian)(?:[\s-]+"
                         r"(?:key|keys|tonality|scale|mode|chords?))?(?![a-z])|(?P<zh>小调|大调)",
                         low):
        said = m.group(0)
        if not re.search(r"\b(?:in|en|im)\b|key|tonality|scale|mode|chord|调", said) and \
                not re.fullmatch(r"dorian|phrygian|lydian|mixolydian|locrian", said):
            continue  # "a minor thing" is no mode; "make it dorian" is
        text.take(*m.span())
        return Key(None, _mode(m.group("mode") or m.group("zh")))
    return None
