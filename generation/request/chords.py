"""Chord progressions in a request: "chord progression Cm G Cm Fm", "Am - F - C - G",
"| Dm7 G7 | Cmaj7 |", "a ii–V–I", "the 12-bar blues".

A list of chord symbols is read as a progression when a cue names it (chords, progression,
changes, accords, acordes, Akkorde, 和弦) earlier in the same sentence, or, without a cue,
when it cannot be ordinary words: three or more symbols with at least one suffix or dash, or
bars marked with `|`. Roman numerals need a cue or dashes ("I–vi–IV–V"): "I" alone is a
pronoun. One chord a bar, unless the bars are marked with `|` or the text says "two chords
per bar" (or "two bars each").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generation.chords import BLUES, NUMERAL, SYMBOL, canonical, read_symbol
from generation.request.slots import Text


def _unnamed(pattern: re.Pattern[str]) -> str:
    """The pattern without its group names, so that a list can repeat it."""
    return re.sub(r"\(\?P<\w+>", "(?:", pattern.pattern)


_JOIN = r"(?:and|then|to|into|et|puis|y|luego|und|dann|和|然后)"
_SEP = rf"\s*(?:,|\||–|—|→|->|=>|~|-)?\s*(?:{_JOIN}\s*)?"
_SYMBOL_TOKEN = rf"(?<![\w#♯♭/+°ø]){_unnamed(SYMBOL)}(?![\w#♯♭+°ø(])"
_NUMERAL_TOKEN = rf"(?<![\w#♯♭/+°ø]){_unnamed(NUMERAL)}(?![\w#♯♭+°ø(])"
SYMBOL_TOKEN = re.compile(_SYMBOL_TOKEN)
NUMERAL_TOKEN = re.compile(_NUMERAL_TOKEN)
SYMBOL_LIST = re.compile(rf"{_SYMBOL_TOKEN}(?:{_SEP}{_SYMBOL_TOKEN})+")
NUMERAL_LIST = re.compile(rf"{_NUMERAL_TOKEN}(?:{_SEP}{_NUMERAL_TOKEN})+")
CUE = re.compile(r"(?i:\bchords?\b|\bprogressions?\b|\bchanges\b|\bharmon(?:y|ies)\b|"
                 r"\baccords?\b|\bacordes?\b|\bakkord(?:e|folge)?\b|\bcadence\b)|和弦")
BLUES_NAME = re.compile(r"(?i)\b(?:12|twelve)[\s-]*bars?[\s-]*blues\b")
_SENTENCE_END = re.compile(r"[.;!?。！？]\s")
_KEYWORD_AFTER = re.compile(r"\s*-?\s*(?i:major|minor|maj\b|min\b|key|dorian|mixolydian|"
                            r"lydian|phrygian|locrian|aeolian|ionian|dur\b|moll\b|majeur|"
                            r"mineur|mayor|menor)")
_DASH = re.compile(r"[-–—→|]|->|=>")
_NUMBERS = {"two": 2, "2": 2, "three": 3, "3": 3, "four": 4, "4": 4, "deux": 2, "dos": 2,
            "zwei": 2}
PER_BAR = re.compile(r"(?i)\b(?P<n>two|three|four|[234]|deux|dos|zwei)\s+chords?\s+"
                     r"(?:per|a|each|every|in\s+(?:a|each|every))\s+(?:bar|measure)|"
                     r"\bhalf\s+a\s+(?:bar|measure)\s+each\b")
BARS_EACH = re.compile(r"(?i)\b(?P<n>two|three|four|[234])\s+(?:bars|measures)\s+"
                       r"(?:each|per\s+chord|a\s+chord|for\s+each\s+chord)\b|"
                       r"\beach\s+chord\s+(?:for|lasts|held\s+for)\s+(?P<m>two|three|four|[234])"
                       r"\s+(?:bars|measures)\b")
MAX_BARS = 64  # bars of progression read from one request


@dataclass(frozen=True)
class Progression:
    """The chords a request names: per bar, the chords in that bar (canonical names)."""

    bars: tuple[tuple[str, ...], ...]
    blues: bool = False  # "the 12-bar blues": numerals, major or minor by the key


def _cue_before(text: str, start: int) -> bool:
    """Whether a cue word comes earlier in the same sentence, within 80 characters."""
    window = text[max(0, start - 80):start]
    ends = list(_SENTENCE_END.finditer(window))
    if ends:
        window = window[ends[-1].end():]
    return CUE.search(window) is not None


def _tokens(match: re.Match[str], token: re.Pattern[str]) -> list[tuple[int, int, str]]:
    return [(m.start() + match.start(), m.end() + match.start(), m.group())
            for m in token.finditer(match.group())]


def _bars(text: str, tokens: list[tuple[int, int, str]]) -> list[list[str]]:
    """Chords grouped into bars: by `|` where the bars are marked, else one chord a bar."""
    between = [text[a[1]:b[0]] for a, b in zip(tokens, tokens[1:], strict=False)]
    names = [canonical(t[2]) for t in tokens]
    if not any("|" in gap for gap in between):
        return [[name] for name in names]
    bars, current = [], [names[0]]
    for gap, name in zip(between, names[1:], strict=True):
        if "|" in gap:
            bars.append(current)
            current = []
        current.append(name)
    return bars + [current]


def _regroup(text: str, bars: list[list[str]]) -> list[list[str]]:
    """One chord a bar regrouped as the text says: "two chords per bar", "two bars each"."""
    if any(len(bar) > 1 for bar in bars):
        return bars  # the bars were marked
    names = [bar[0] for bar in bars]
    per_bar = PER_BAR.search(text)
    if per_bar:
        size = _NUMBERS.get((per_bar.group("n") or "two").lower(), 2)
        return [names[i:i + size] for i in range(0, len(names), size)]
    each = BARS_EACH.search(text)
    if each:
        size = _NUMBERS[(each.group("n") or each.group("m")).lower()]
        return [[name] for name in names for _ in range(size)]
    return bars


def read_progression(text: Text) -> Progression | None:
    """The progression a request names, its words marked as read; None when it names none."""
    cased = text.cased
    for match in SYMBOL_LIST.finditer(cased):
        tokens = _tokens(match, SYMBOL_TOKEN)
        while tokens and _KEYWORD_AFTER.match(cased, tokens[-1][1]):
            tokens.pop()  # "... to C major": the key, not a chord
        if len(tokens) < 2 or not text.free(tokens[0][0], tokens[-1][1]):
            continue
        gaps = [cased[a[1]:b[0]] for a, b in zip(tokens, tokens[1:], strict=False)]
        marked = any("|" in gap for gap in gaps)
        suffixed = any(read_symbol(t[2])[1] != "maj" or "/" in t[2] for t in tokens)
        dashed = any(_DASH.search(gap) for gap in gaps)
        if not (_cue_before(cased, tokens[0][0]) or marked
                or (len(tokens) >= 3 and (suffixed or dashed))):
            continue
        text.take(tokens[0][0], tokens[-1][1])
        bars = _regroup(cased, _bars(cased, tokens))
        return Progression(tuple(tuple(bar) for bar in bars[:MAX_BARS]))
    for match in NUMERAL_LIST.finditer(cased):
        tokens = _tokens(match, NUMERAL_TOKEN)
        gaps = [cased[a[1]:b[0]] for a, b in zip(tokens, tokens[1:], strict=False)]
        if not (all(_DASH.search(gap) for gap in gaps) or _cue_before(cased, tokens[0][0])):
            continue
        if not text.free(tokens[0][0], tokens[-1][1]):
            continue
        text.take(tokens[0][0], tokens[-1][1])
        bars = _regroup(cased, _bars(cased, tokens))
        return Progression(tuple(tuple(bar) for bar in bars[:MAX_BARS]))
    blues = BLUES_NAME.search(cased)
    if blues:  # "12-bar" is the form, not the length; "blues" stays: it names the style too
        text.take(blues.start(), cased.lower().rindex("blues", blues.start(), blues.end()))
        return Progression(tuple((name,) for name in BLUES["major"]), blues=True)
    return None
