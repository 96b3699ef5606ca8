"""The groups musicians name, read as their instruments, and whether a request names the
whole band.

    ENSEMBLES["jazz piano trio"] → ("piano", "acoustic bass", "drums")
    closed_band("a string quartet in G")  → True: the quartet is the whole ensemble
    closed_band("a rock song with a sax") → False: the style may keep its rhythm section

A named ensemble, a solo ("violin solo", "solo cello", "just piano") or a scoring ("for choir
and organ") is the whole band: the style adds nothing to it. Otherwise the style may add the
parts it needs, and says so (`generation.music.spec.choose_parts`).
"""

from __future__ import annotations

import re

ENSEMBLES: dict[str, tuple[str, ...]] = {  # folded phrase → its instruments, lead first
    "jazz piano trio": ("piano", "acoustic bass", "drums"),
    "jazz trio": ("piano", "acoustic bass", "drums"),
    "piano trio": ("piano", "violin", "cello"),
    "string quartet": ("violin", "viola", "cello"),
    "string trio": ("violin", "viola", "cello"),
    "power trio": ("electric guitar", "bass", "drums"),
    "rock band": ("electric guitar", "bass", "drums"),
    "big band": ("saxophone", "trumpet", "trombone", "piano", "acoustic bass", "drums"),
    "brass quintet": ("trumpet", "horn", "trombone", "tuba"),
    "brass quartet": ("trumpet", "horn", "trombone", "tuba"),
    "wind quintet": ("flute", "oboe", "clarinet", "horn", "bassoon"),
    "woodwind quintet": ("flute", "oboe", "clarinet", "horn", "bassoon"),
    "organ trio": ("organ", "electric guitar", "drums"),
    "horn section": ("trumpet", "saxophone", "trombone"),
    "rhythm section": ("piano", "bass", "drums"),
    "chamber orchestra": ("strings", "flute", "oboe", "bassoon", "horn"),
    "quatuor a cordes": ("violin", "viola", "cello"),
    "cuarteto de cuerdas": ("violin", "viola", "cello"),
    "streichquartett": ("violin", "viola", "cello"),
    "弦乐四重奏": ("violin", "viola", "cello"),
    "trio avec piano": ("piano", "violin", "cello"),
    "klaviertrio": ("piano", "violin", "cello"),
    "trio de jazz": ("piano", "acoustic bass", "drums"),
    "jazztrio": ("piano", "acoustic bass", "drums"),
    "爵士三重奏": ("piano", "acoustic bass", "drums"),
}

# A piano trio is piano, violin and cello in a concert hall, and piano, bass and drums in a
# jazz club: "a jazz waltz for piano trio", "piano trio, bluesy".
_CLUB_STYLES = ("jazz", "blues", "lofi")
_CLUB_TRIO = ENSEMBLES["jazz piano trio"]


def styled_ensemble(folded: str, instruments: list[str], style: str) -> list[str]:
    """`instruments` with a "piano trio" read as the jazz trio when `style` is a club style
    (violin and cello stay when the request names them besides the trio)."""
    if style not in _CLUB_STYLES or not re.search(r"(?<![a-z])piano\s+trio(?![a-z])", folded) \
            or re.search(r"(?<![a-z])jazz\s+piano\s+trio(?![a-z])", folded):
        return instruments
    rest = re.sub(r"piano\s+trio", " ", folded)
    named = [n for n in ENSEMBLES["piano trio"][1:] if re.search(rf"(?<![a-z]){n}", rest)]
    kept = [n for n in instruments if n not in ENSEMBLES["piano trio"][1:] or n in named]
    return list(dict.fromkeys([*_CLUB_TRIO, *kept]))


_SOLO = (r"(?:solo|alone|unaccompanied|by\s+itself|on\s+its\s+own|seul|sola?|allein|独奏)")
_ONLY = r"(?:only|just|nothing\s+but|seulement|uniquement|solo|solamente|nur|只有|只用)"
_SCORED = r"(?:for|pour|para|fur)\s+(?:a\s+|an\s+|solo\s+)?"


def closed_band(folded: str, spans: list[tuple[int, int]]) -> bool:
    """Whether `folded` (a request, lower case, no accents) names its whole ensemble:
    a named ensemble, a solo, "just"/"only" an instrument, or a scoring "for X and Y";
    `spans` are where it names instruments."""
    if any(re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", folded) for phrase in ENSEMBLES):
        return True
    for start, end in spans:
        before, after = folded[max(0, start - 20):start], folded[end:end + 16]
        if re.search(rf"(?<![a-z]){_SOLO}(?![a-z])", folded[start:end]) \
                or re.search(rf"(?<![a-z]){_SOLO}\s*$", before) \
                or re.match(rf"\s*{_SOLO}(?![a-z])", after) \
                or re.search(rf"(?<![a-z]){_ONLY}\s+(?:the\s+|a\s+|an\s+)?$", before):
            return True
    # "a hymn for choir and organ": instruments listed right after "for"
    for (start, end), (nxt, _) in zip(spans, spans[1:], strict=False):
        if re.search(rf"(?<![a-z]){_SCORED}$", folded[max(0, start - 12):start]) and \
                re.fullmatch(r"\s*(?:,|and|&|et|y|und)\s*(?:a\s+|an\s+)?", folded[end:nxt]):
            return True
    return False
