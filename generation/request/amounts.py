"""How much a line asks for: "a bit", "way", "a lot more", said next to its word or apart.

    amount_near("a bit faster", 6, 12)  → LITTLE
"""

from __future__ import annotations

import re

from generation.job import LITTLE, LOT, NORMAL

# All patterns run on folded text: lower case, accents removed ("más" → "mas").
_LITTLE = (r"(?:a\s+)?(?:little\s+|tiny\s+|wee\s+)?bit|a\s+little|little|a\s+touch|slightly|"
           r"somewhat|"
           r"a\s+tad|a\s+lil|lil|a\s+smidge|kinda|sorta|a\s+(?:teeny|tiny|wee)(?:\s+bit)?|"
           r"teeny|tad|smidge|a\s+hair|a\s+shade|a\s+(?:tiny\s+)?fraction|a\s+notch|a\s+pinch|marginally|kind\s+of|sort\s+of|un\s+peu|un\s+poco|un\s+po'?|un\s+poquito|"
           r"ein\s+(?:bisschen|wenig)|etwas|leicht|一点点|一点|一些|稍微|有点|稍|略")
_LOT = (r"much(?:\s+much)*|way(?:\W+way)*|a\s+lot|(?:a\s+)?whole\s+lot|lots|far|significantly|"
        r"really|very|"
        r"considerably|hella|mad|super(?:\s+duper)?|crazy|insanely|massively|a\s+ton|tons|"
        r"loads|heaps|mega|so\s+much|"
        r"beaucoup|bien|mucho|muchisimo|viel|sehr|deutlich|很多|非常|得多|多了")


# any amount word, and which one it is: "drums way too loud", "bass a bit louder"
AMOUNT = rf"(?:{_LITTLE}|{_LOT})"


def amount_of(words: str | None) -> float:
    """LITTLE or LOT for an amount word matched by AMOUNT; NORMAL for none."""
    if not words:
        return NORMAL
    return LITTLE if re.fullmatch(_LITTLE, words) else LOT


def has(pattern: str, text: str) -> re.Match[str] | None:
    """`pattern` as whole words (CJK needs no word boundaries) in folded text."""
    return re.search(rf"(?<![a-z])(?:{pattern})(?![a-z])", text)


def amount_near(text: str, start: int, end: int) -> float:
    """LITTLE or LOT when an amount word stands next to the span, else NORMAL."""
    before, after = text[max(0, start - 24):start], text[end:end + 16]
    if re.search(r"not\s+(?:that|too|so)\s+(?:much\s+)?$", before):
        return LITTLE  # "not that much faster"
    if re.search(r"一点点|稍|略", text[start:end + 2]):
        return LITTLE
    for words, amount in ((_LITTLE, LITTLE), (_LOT, LOT)):  # whole words: not "bitte"
        if re.search(rf"(?<![a-z])(?:{words})\s*(?:more\s+)?$", before) or re.search(
                rf"^\s*(?:{words})(?![a-z])", after):
            return amount
    # said apart from the word it measures: "sadder? just slightly", "slower, maybe a bit"
    if has(_APART_LITTLE, text):
        return LITTLE
    if has(_APART_LOT, text):
        return LOT
    return NORMAL


_APART_LITTLE = (r"(?:just|only|maybe|but)\s+(?:a\s+)?(?:little|bit|touch|tad|smidge|hair|"
                 r"notch)(?:\s+bit)?|slightly|a\s+(?:touch|tad|smidge|hair|notch)|"
                 r"(?:maybe|just)\s+slightly|not\s+(?:too|that|so)\s+much|kinda|sorta|a\s+(?:teeny|tiny|wee)\s+bit")
_APART_LOT = (r"a\s+lot\s+(?:more|faster|slower|sadder|happier)|way\s+more|much\s+more|"
              r"all\s+the\s+way|as\s+\w+\s+as\s+possible|over\s+the\s+top|"
              r"(?:faster|slower|sadder|darker|happier|calmer)\s+still")
