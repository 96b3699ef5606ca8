"""Which key an edit names: a transposition ("up a whole step", "down a major second", "two
tones higher", "+2 semitones"), the relative or parallel key ("rel minor"), the dominant or
subdominant, a tonic ("in G", "Am", "D maj") or a mode alone ("in minor"). Part of
`request/changes.py`; read on folded text with the key reader of `request/keys.py`.
"""

from __future__ import annotations

import re

from generation.request.amounts import has
from generation.request.keys import read_key
from generation.request.slots import Text

_UP = (r"up|higher|more\s+high|raise|plus\s+haut|monte[rz]?|mas\s+alto|sube|subir|hoher|"
       r"nach\s+oben|升高?|高")
_DOWN = (r"down|lower|drop|more\s+low|plus\s+bas|baisse[rz]?|mas\s+bajo|baja|bajar|tiefer|"
         r"nach\s+unten|降低?|低")
# what may stand between a direction and a step: "lower it a tone", "monte-le d'un ton"
_THING = (r"(?:\s*(?:(?:-?(?:it|le|la|lo)|everything|the\s+key|by|of|d'|de|um|like)\b|,|了))*"
          r"\s*")
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_STEPS = [  # (pattern, semitones); half steps first: "a half step higher" is no whole step
    (r"(?:(?:a|one|1)\s+)?(?:half[\s-]step|semi(?:[\s-]?tone)?|half[\s-]tone|un\s+demi[\s-]ton|"
     r"un\s+semitono|einen?\s+halbton|halbton|半音)", 1),
    (r"(?:(?:a|one|1)\s+)?(?:whole\s+(?:step|tone)|full\s+step|tone|step|un\s+ton|un\s+tono|"
     r"einen?\s+ganzton|ganzton|一个全音|全音)", 2),
    (r"(?:a\s+)?(?:minor\s+(?:second|2nd))", 1), (r"(?:a\s+)?(?:major\s+(?:second|2nd))", 2),
    (r"(?:a\s+)?(?:minor\s+third)", 3), (r"(?:a\s+)?(?:major\s+third|third)", 4),
    (r"(?:a\s+)?(?:fourth|4th|perfect\s+fourth|quarte)", 5),
    (r"(?:a\s+)?(?:fifth|5th|perfect\s+fifth|quinte)", 7),
    (r"(?:(?:an?|one|1)\s+)?(?:octave|oktave)", 12),
    (r"(?:a\s+)?(?:tritone|triton|tritonus)", 6),
]

_MINOR = r"minor|mineur|menor|moll|小调"
_MAJOR = r"major|majeur|mayor|dur|大调"


def read_key_edits(text: str, slots: Text) -> dict:
    """The key a folded line asks for: a transposition, the relative or parallel key, the
    dominant or subdominant, a tonic (with its mode when said) or a mode alone."""
    found: dict = {}
    # "tone down the epic" softens; "a tone down" transposes
    text = re.sub(r"(?<!a\s)(?<!one\s)(?<!whole\s)\btone\s+(?:it\s+|things\s+)?down\b", " ",
                  text)
    parallel = has(r"parallel(?:e|o|a)?\s+(?:major|minor|majeur|mineur|mayor|menor|dur|moll)", text)
    if parallel:  # the same tonic in the other mode
        return {"mode": "minor" if re.search(_MINOR, parallel.group(0)) else "major"}
    relative = has(r"relative?|rel(?=\s+(?:maj|min))|relatif|relativ[ao]|parallele?|"
                   r"paralleltonart|关系", text)
    if relative:
        after = text[relative.start():relative.end() + 16]
        if re.search(rf"{_MAJOR}|maj\b|durtonart|大调", after):
            return {"mode": "major", "relative": True}
        if re.search(rf"{_MINOR}|min\b|molltonart|小调", after):
            return {"mode": "minor", "relative": True}
    fifth = has(r"(?:sub|sous[\s-])?dominante?(?!\s+(?:chord|seventh|7th|7|pedal|note))", text)
    if fifth:  # "modulate to the dominant": the key a fifth up; the subdominant: a fourth up
        return {"transpose": 5 if re.match(r"su", fifth.group(0)) else 7}
    signed = re.search(r"(?<![\w+-])([+-])\s?(\d{1,2})\s*(?:semi(?:[\s-]?tones?|s)?|st)\b", text)
    if signed:  # "+2 semitones", "-3 semis"
        return {"transpose": int(signed.group(2)) * (1 if signed.group(1) == "+" else -1)}
    for direction, sign in ((_UP, 1), (_DOWN, -1)):
        for pattern, semitones in _STEPS:
            if (has(rf"(?:{direction}){_THING}{pattern}", text)
                    or has(rf"{pattern}\s*(?:{direction})", text)):
                return {"transpose": sign * semitones}
        count = rf"(\d{{1,2}}|{'|'.join(_COUNTS)})"
        number = has(rf"(?:{direction}){_THING}{count}\s*(?:semi(?:[\s-]?tones?|s)?|half[\s-]"
                     rf"(?:steps?|tones?)|demi[\s-]tons?|semitonos?|halbtone|个半音)", text)
        whole = has(rf"(?:{direction}){_THING}{count}\s+(?:whole\s+)?(?:tones|steps)", text)
        number = number or has(rf"{count}\s*(?:semi(?:[\s-]?tones?|s)?|half[\s-](?:steps?|tones?))"
                               rf"\s*(?:{direction})", text)
        whole = whole or has(rf"{count}\s+(?:whole\s+)?(?:tones|steps)\s*(?:{direction})", text)
        for match, size in ((number, 1), (whole, 2)):
            if match:
                said = match.group(1)
                return {"transpose": sign * size * int(_COUNTS.get(said, said))}
    key = read_key(slots)
    if key is not None and key.tonic:
        found["tonic"] = key.tonic
        if has(rf"{_MINOR}|{_MAJOR}|maj|min|dorian|phrygian|lydian|mixolydian|locrian|aeolian|"
               r"ionian", text) or re.search(r"(?<![\w#♯♭])[A-G](?:#|♯|b|♭)?m(?![a-zA-Z])",
                                              slots.cased):
            found["mode"] = key.mode
        return found
    if key is not None:  # a mode alone: "in minor", "make it dorian"
        return {"mode": key.mode}
    for mode, words in (("minor", _MINOR), ("major", _MAJOR)):
        if has(rf"(?:in|en|to|into|a)\s+(?:{words})|(?:{words})\s+(?:key|please|pls|now|"
                rf"instead|mode|tonality|again)|^(?:{words})$|(?:改成|换成|变成|转成)(?:{words})|"
                rf"(?:make\s+it|go|switch|turn\s+it|it's|its|be|more)\s+(?:{words})"
                rf"(?!\s+(?:third|second|sixth|seventh|chord|change|tweak|detail))|"
                rf"(?:{words})\s*(?:,|and|&|\+|et|y|und|$)", text):
            return {"mode": mode}
    return {}
