"""The versions a line names: "version 2", "v3", "the first one", "the 2nd was better",
"back to A" (as a DAW letters its takes), "第二个"."""

from __future__ import annotations

import re

ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "premiere?": 1, "deuxieme": 2, "troisieme": 3,
             "primera?": 1, "primero": 1, "segunda?": 2, "segundo": 2, "tercera?": 3,
             "erste[nrs]?": 1, "zweite[nrs]?": 2, "dritte[nrs]?": 3, "第一": 1, "第二": 2,
             "第三": 3, "og": 1,
             r"original(?!\s+(?:key|tempo|melody|tune|mood|style|speed|length|meter|chords?|"
             r"instruments?|bpm|idea))": 1}
VERSION_WORD = r"(?:version|versions?|take|one|piece|tune|versión|versao|fassung|个版本|版|首)"


def named_version(text: str) -> int | None:
    """A version named in the line: "version 2", "v3", "the first one", "the second take"."""
    match = re.search(r"(?<![a-z])(?:version|v|take|versión|versao|versione|fassung)\s*#?\s*"
                      r"(\d{1,3})\b", text)
    if match:
        return int(match.group(1))
    said = re.search(r"(?<![\w.])([1-9])\s+(?:was|is|sounded|felt)\s+(?:\w+\s+)?(?:better|best|"
                     r"nicer|good|great|right)\b|(?:^|[\s,])go\s+(?:back\s+)?(?:to\s+)?([1-9])\W*$",
                     text)  # "no wait, 2 was better, go 2"
    if said:
        return int(said.group(1) or said.group(2))
    lettered = re.search(r"\b(?:version|take|mix|back\s+to|revert\s+to|go\s+with|restore)\s+"
                         r"([a-e])(?=\s*(?:[.!?,]|$))", text)  # "back to A": v1, as a DAW names
    if lettered:
        return ord(lettered.group(1)) - ord("a") + 1
    for word, number in ORDINALS.items():
        if re.search(rf"(?<![a-z])(?:{word})\s*(?:{VERSION_WORD})?(?![a-z])", text) and \
                re.search(rf"(?:the|le|la|el|die|der|das|die|回到|到)?\s*(?:{word})", text):
            if re.search(rf"(?:{word})\s*(?:{VERSION_WORD})|(?:back\s+to|go\s+to|like)\s+"
                         rf"(?:the\s+)?(?:{word})|回到(?:{word})|(?:{word})\s+(?:was|is|sounded|felt|slapped|"
                         r"hit)\b", text):  # "hmm the 2nd was better", "the og slapped more"
                return number
    return None


def named_versions(text: str) -> list[int]:
    """Every version a line names, in order: "v2", "version 4", "the first one", "第二个"."""
    found = [(m.start(), int(m.group(1))) for m in re.finditer(
        r"(?<![a-z])(?:version|v|take|versión|fassung|#)\s*#?\s*(\d{1,3})\b", text)]
    for word, number in ORDINALS.items():
        for match in re.finditer(rf"(?<![a-z])(?:{word})\s*(?:{VERSION_WORD}|个)(?![a-z])", text):
            found.append((match.start(), number))
    return [number for _, number in sorted(found)]
