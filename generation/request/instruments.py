"""Which instruments a request names: word tables, "no drums", and typo tolerance."""

from __future__ import annotations

import functools
import re

from generation.request.gm_words import LIST_ONLY
from generation.request.lexicon import INSTRUMENT_LEXICON, INSTRUMENT_WORDS
from generation.vocab import DRUM_KITS, FAMILIES

# Real words one letter away from an instrument name (checked against the encoder's vocabulary).
_NOT_TYPOS = {"recorded", "harmonic", "harmonics", "violins", "brassy", "celestial", "organs",
              "records", "chorus", "flutter", "drumming", "cellar", "pianos", "fluted", "morgan",
              "springs", "synthesized", "string", "quitar"}  # quitar: Spanish "take out"
# Names a typo is read as: the single-word families and the distinctive General MIDI names.
# Effects ("applause") and everyday words ("whistle") are left out: "applauds" and "thistle"
# are words, not typos.
_FUZZY_TARGETS = sorted({name for name in FAMILIES if len(name) >= 5 and " " not in name} |
                        {"saxophone", "ukulele", "synthesizer", "xylophone", "orchestra",
                         "glockenspiel", "clavinet", "dulcimer", "piccolo", "shakuhachi",
                         "ocarina", "shamisen", "kalimba", "bagpipes", "harmonium",
                         "bandoneon"})
# Words that name an ensemble as an adjective ("an orchestral piece", "acoustic folk"): beside
# a list of instruments ("an orchestral piece for harp, flute and cello") they say the genre.
_ADJECTIVES = {"orchestral", "acoustic"}
# Between two items of a list of instruments ("piano, seashore and applause").
_LIST_GAP = re.compile(r"\s*(?:,|&|\+|and|\band\b)?\s*(?:and\s+)?(?:an?\s+|the\s+)?")


def _levenshtein(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


@functools.lru_cache(maxsize=4096)
def _fuzzy_instrument(word: str) -> str | None:
    """A typo'd instrument word ("pianno", "saxaphone") → the word meant, or None."""
    if len(word) < 5 or not word.isalpha() or word in _NOT_TYPOS:
        return None
    limit = 1 if len(word) < 10 else 2
    # A five-letter word only counts as a six-letter name with a letter left out ("violn").
    # Names longer or shorter by more than `limit` are more than `limit` edits away: skipping
    # them changes no answer and keeps a long description fast.
    targets = [t for t in _FUZZY_TARGETS if (len(word) > 5 or len(t) == 6)
               and abs(len(t) - len(word)) <= limit]
    if not targets:
        return None
    best = min(targets, key=lambda target: _levenshtein(word, target))
    distance = _levenshtein(word, best)
    return best if 0 < distance <= limit and abs(len(best) - len(word)) <= limit else None


_SECTIONS = ("rhythm section", "horn section")  # said with "the", they may mean the band named


def read_instruments(blanked: str) -> tuple[list[str], list[str], list[str]]:
    """(instruments, left-out instruments, notes) named in folded text, in order."""
    placed: list[tuple[int, tuple[str, ...]]] = []  # (where in the text, names) of each find
    adjectives: list[tuple[int, tuple[str, ...]]] = []
    without: list[str] = []
    notes: list[str] = []
    used = []
    for find in INSTRUMENT_LEXICON.find(blanked):
        names, note = INSTRUMENT_WORDS[find.phrase]
        if find.phrase == "keys" and re.search(r"(?:major|minor)\s*$", blanked[:find.start]):
            continue
        if find.negated:
            without.extend(names)
        elif find.phrase in _ADJECTIVES or (
                find.phrase in _SECTIONS and re.search(r"(?<![a-z])the\s+$",
                                                       blanked[max(0, find.start - 8):find.start])):
            # "the rhythm section keeps a steady groove": the parts already named, unless
            # the line names no others
            adjectives.append((find.start, names))
        else:
            placed.append((find.start, names))
        used.append((find.start, find.end))
        if note and not find.negated:
            notes.append(note.format(phrase=f"a {find.phrase}" if find.phrase.isascii()
                                     else find.phrase))
    for match in re.finditer(r"[a-z]+", blanked):
        if any(a <= match.start() < b for a, b in used):
            continue
        meant = _fuzzy_instrument(match.group(0))
        if meant:
            names, note = INSTRUMENT_WORDS[meant]
            placed.append((match.start(), names))
            notes.append(f"read {match.group(0)!r} as {meant}")
            if note:
                notes.append(note.format(phrase=f"a {meant}"))
    placed += _listed_effects(blanked, used)
    if len(placed) < 2:  # "epic orchestral with choir"; in a list they describe the genre
        placed += adjectives
    chosen = [name for _, names in sorted(placed, key=lambda item: item[0]) for name in names]
    chosen = [name for name in dict.fromkeys(chosen) if name not in without]
    if "drums" in without:  # "no drums" leaves out every kit
        chosen = [name for name in chosen if name not in DRUM_KITS]
    kits = [name for name in chosen if name in DRUM_KITS]
    if len(kits) > 1:  # "brushes on the drums": one kit, the one named most exactly
        keep = next(name for name in kits if name != "drums")
        chosen = [name for name in chosen if name not in DRUM_KITS or name == keep]
    return chosen, list(dict.fromkeys(without)), notes


def _listed_effects(blanked: str,
                    used: list[tuple[int, int]]) -> list[tuple[int, tuple[str, ...]]]:
    """Effect programs named by an everyday word, where it stands in a list of instruments
    (beside an instrument, or beside another effect that does)."""
    if not any(word in blanked for word in LIST_ONLY):
        return []
    spans = list(used)
    words = [m for m in re.finditer(r"[a-z]+", blanked) if m.group(0) in LIST_ONLY
             and not any(a <= m.start() < b for a, b in used)]
    found: dict[int, tuple[int, tuple[str, ...]]] = {}
    while True:
        before = len(found)
        for match in (m for m in words if m.start() not in found):
            after = any(_LIST_GAP.fullmatch(blanked[end:match.start()]) for _, end in spans
                        if end <= match.start())
            ahead = any(_LIST_GAP.fullmatch(blanked[match.end():start]) for start, _ in spans
                        if start >= match.end())
            if after or ahead:
                found[match.start()] = (match.start(), (LIST_ONLY[match.group(0)],))
                spans.append(match.span())
        if len(found) == before:
            return list(found.values())
