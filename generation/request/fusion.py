"""Two styles said as one: "rock meets orchestra" is rock with its lead and the orchestra."""

from __future__ import annotations

import re

from generation.request.lexicon import (
    INSTRUMENT_LEXICON,
    INSTRUMENT_WORDS,
    STYLE_LEXICON,
    STYLE_WORDS,
)
from generation.vocab import STYLE_LEAD


def read_fusion(text: str, values: dict) -> dict:
    """"rock meets orchestra": the first style, with its lead instrument and what the second
    names (instruments, or a style's lead) added."""
    said = re.search(r"^(.*?)\b(?:meets?|crossed\s+with|fused\s+with|x)\s+(.+)$", text)
    if not said or values.get("style") or values.get("add"):
        return {}
    sides = [[STYLE_WORDS[f.phrase] for f in STYLE_LEXICON.find(side)
              if isinstance(STYLE_WORDS[f.phrase], str)] for side in said.groups()]
    if not sides[0]:
        return {}
    added = [STYLE_LEAD[sides[0][0]], *(STYLE_LEAD[s] for s in sides[1][:1])]
    added += [n for f in INSTRUMENT_LEXICON.find(said.group(2))
              for n in INSTRUMENT_WORDS[f.phrase][0]]
    return {"style": sides[0][0], "add": tuple(dict.fromkeys(added))}
