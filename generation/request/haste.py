"""Hasty typing made readable before a line is read: "n" and "&" for "and", "w/" for "with",
letters held for emphasis ("waaay", "sooo"), and letters swapped or doubled in the words an
edit is made of ("fatser", "chello").

    retyped("waaay fatser n add a chello") → "way faster and add a cello"
"""

from __future__ import annotations

import re

from generation.request.lexicon import INSTRUMENT_LEXICON
from generation.request.smalltalk import SMALLTALK_WORDS


def retyped(line: str) -> str:
    """Hasty typing made readable: "n"/"&" for "and", "w/" for "with", letters swapped or
    doubled in the words an edit is made of ("fatser", "chello")."""
    line = re.sub(r"(?<=\s)[n&](?=\s)", "and", line)
    line = re.sub(r"(?i)(?<![\w/])rm(?=\s)", "remove", line)  # "rm drums"
    line = re.sub(r"(?i)\bmoar\b", "more", line)
    line = re.sub(r"(?i)(?<![\w.])2(?=\s+(?:busy|fast|slow|loud|quiet|long|short|much|sad)\b)",
                  "too", line)  # "2 busy"
    line = re.sub(r"(?i)(?<![a-z])w/o(?![a-z])", "without", line)  # "w/o bass"
    line = re.sub(r"(?i)(?<![a-z])w/\s*|(?<=[a-z] )w(?= [a-z])", "with ", line)  # "swap x w y"
    line = re.sub(r"[A-Za-z]{3,}", _unstretched, line)  # "waaay", "sooo", "fasterrr"
    return re.sub(r"[A-Za-z]{4,}", lambda m: _spelled(m.group(0)), line)


_DOUBLED = {"too", "good", "cool", "soon", "feel", "need", "see", "deep", "keep", "sweet",
            "free", "speed", "loop", "mood", "smooth", "groove", "boom", "loose", "sleep"}


def _unstretched(match: re.Match[str]) -> str:
    """A word with a letter held for emphasis, as written plainly: "waaay" → "way"."""
    word = match.group(0)
    if not re.search(r"([A-Za-z])\1\1", word):
        return word
    single = re.sub(r"([A-Za-z])\1{2,}", r"\1", word)
    double = re.sub(r"([A-Za-z])\1{2,}", r"\1\1", word)
    return double if double.lower() in _DOUBLED or _named(double.lower()) else single


def _named(word: str) -> bool:
    """Whether `word` is an instrument's name, whole ("cello", not "celo")."""
    return any(find.phrase == word for find in INSTRUMENT_LEXICON.find(word))


_KNOWN = ("faster", "slower", "sadder", "happier", "darker", "calmer", "louder", "softer",
          "longer", "shorter", "jazzier", "minor", "major", "tempo", "cello", "violin",
          "flute", "drums", "piano", "guitar", "trumpet", "saxophone", "remove", "melody",
          "version", "again", "different", "transpose", "energetic")


def _spelled(word: str) -> str:
    from generation.request.instruments import _fuzzy_instrument

    low = word.lower()
    if low in _KNOWN or low in SMALLTALK_WORDS:
        return word
    if not INSTRUMENT_LEXICON.find(low) and (meant := _fuzzy_instrument(low) or
                                             _near_instrument(low)):
        return meant  # "vilon", "accordian", "clarinnet", "celo"
    if len(low) < 5:
        return word
    for known in _KNOWN:  # one transposition, insertion or deletion, never a substitution
        if abs(len(known) - len(low)) > 1 or known[0] != low[0]:
            continue
        if len(known) == len(low):
            diff = [i for i in range(len(low)) if low[i] != known[i]]
            if len(diff) == 2 and diff[1] == diff[0] + 1 and \
                    low[diff[0]] == known[diff[1]] and low[diff[1]] == known[diff[0]]:
                return known
        else:
            short, long_ = sorted((low, known), key=len)
            if any(long_[:i] + long_[i + 1:] == short for i in range(len(long_))):
                return known
    return word


def _near_instrument(word: str) -> str | None:
    """A short typo of an instrument, one letter short, its first and last letters kept and no
    letter the name lacks: "vilon" (violin, two edits), "celo" (cello, one; "bars" is not
    brass)."""
    from collections import Counter

    from generation.request.instruments import _FUZZY_TARGETS, _levenshtein

    if not 4 <= len(word) <= 5 or not word.isalpha() or word in SMALLTALK_WORDS:
        return None
    letters = Counter(word)
    for name in _FUZZY_TARGETS:
        if name[0] == word[0] and name[-1] == word[-1] and len(name) == len(word) + 1 and \
                not letters - Counter(name) and _levenshtein(word, name) <= len(word) - 3:
            return name
    return None
