"""Edits of a piece's form: a section written anew ("a new ending", "redo the middle") and
bars of accompaniment around the melody ("add an intro", "a longer outro"). Part of
`request/changes.py`; read on folded text in five languages.
"""

from __future__ import annotations

import re

_REWRITE_WORDS = {  # section → the words that name it, in five languages
    "ending": r"ending|end|outro|last\s+(?:part|section|bit|bars)|fin|final|finale|ende|schluss|"
              r"结尾|结束部分|尾声",
    "beginning": r"beginning|opening|start|intro|first\s+(?:part|section|bit|bars)|debut|"
                 r"commencement|comienzo|principio|inicio|anfang|beginn|开头|开始部分|前奏",
    "middle": r"middle(?:\s+(?:part|section|bit))?|bridge|milieu|medio|mittelteil|mitte|"
              r"中间部分|中间段|中段|中间",
}
_REWRITE_VERBS = (r"new|another|different|fresh|redo|rewrite|rework|remake|change|replace|"
                  r"reharmoni[sz]e|reharmoni[sz]ation|"
                  r"regenerate|nouvelle?|autre|refai[st]|rechange|change[rz]?|reecri[st]|"
                  r"nuevo|nueva|otro|otra|distinto|rehaz|rehacer|cambia|reescribe|neue[nrs]?|"
                  r"andere[nrs]?|neu|换个|换一个|重写|重新写|改写|改|换|新的")


def read_rewrite(text: str) -> dict:
    """A section written anew: "a new ending", "redo the middle", "换个结尾"."""
    for section, words in _REWRITE_WORDS.items():
        for match in re.finditer(rf"(?<![a-z])(?:{words})(?![a-z])", text):
            before = text[max(0, match.start() - 40):match.start()]
            after = text[match.end():match.end() + 24]
            if re.search(r"(?:longer|shorter|plus\s+long|mas\s+larg|langer|更长|短)\s*$",
                         before):
                continue  # "a longer outro" is about length, not a rewrite
            if re.search(rf"(?<![a-z])(?:{_REWRITE_VERBS})(?![a-z])", before) or re.match(
                    r"\s*(?:nuevo|nueva|distinto|neu|anew|again|over)(?![a-z])", after):
                return {"rewrite": section}
    return {}


_FRAME = {  # what frames the melody: the words for it, in five languages
    "intro": r"intro|introduction|prelude|preludio|vorspiel|einleitung|前奏|引子",
    "outro": r"outro|coda|ending|end|fade[\s-]?out|finale?|conclusion|schluss|ausklang|"
             r"尾奏|尾声|结尾",
}
_FRAME_MORE = (r"add|adding|put|give\s+it|with|longer|extend|lengthen|more|ajoute[rz]?|"
               r"plus\s+longu?e?|avec|anade|agrega|mas\s+larg[oa]|con|fuge|langer\w*|mit|"
               r"加(?:一个|个|上)?|更长的?|长一点的?")


def read_frame(text: str) -> dict:
    """Bars added around the melody: "add an intro", "a longer outro", "ajoute une coda"."""
    found: dict = {}
    for part, words in _FRAME.items():
        for match in re.finditer(rf"(?<![a-z])(?:{words})(?![a-z])", text):
            before = text[max(0, match.start() - 28):match.start()]
            after = text[match.end():match.end() + 16]
            longer_after = re.match(r"\s*(?:longer|plus\s+longu?e?|mas\s+larg[oa]|langer|"
                                    r"长一点|更长)", after)
            if part == "outro" and match.group(0) in ("ending", "end", "final", "finale",
                                                     "结尾", "schluss") and not (re.search(
                    r"(?:longer|extend|lengthen|plus\s+long|mas\s+larg|langer|更长)\s*"
                    r"(?:the\s+|le\s+|la\s+|el\s+|das\s+|den\s+)?$", before) or longer_after):
                continue  # "a new ending" is a rewrite; only a longer ending adds bars
            if re.search(rf"(?<![a-z])(?:{_FRAME_MORE})(?![a-z])[^.,;!?]*$", before) or \
                    longer_after:
                found[part] = 2
                break
    return found
