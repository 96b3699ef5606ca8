"""One part louder or quieter: "the drums are too loud", "turn up the sax", "piano a bit softer".

Read before the other readers, which then see the line without these words: "softer" said of
one part is its level, not the calm mood, and "the drums" in "the drums are too loud" are
not drums to add.
"""

from __future__ import annotations

import re

from generation.request.amounts import AMOUNT, amount_of
from generation.request.lexicon import INSTRUMENT_LEXICON, INSTRUMENT_WORDS

_HOW = rf"(?P<how>{AMOUNT})"  # "way too loud", "a bit quieter": the amounts' own words
_BE = r"(?:is|are|'s|'re|s|sounds?|seems?|feels?)"
# after the instrument: "... are (way) too loud", "... (a bit) quieter", "... down a bit"
_AFTER = re.compile(
    rf"^\s*(?:{_BE}\s+)?(?:{_HOW}\s+)?(?:"
    r"(?:too|so)\s+(?P<loud>loud|noisy|overpowering|prominent|much\s+in\s+(?:the\s+)?(?:front|mix))|"
    r"(?:too|so)\s+(?P<quiet>quiet|soft|faint|buried|low\s+in\s+the\s+mix)|"
    r"(?P<down>quieter|softer|less\s+loud|lower\s+in\s+the\s+mix)|"
    r"(?P<up>louder|more\s+prominent|higher\s+in\s+the\s+mix))\b")
# a verb before it: "turn up the sax", "turn the drums down", "boost the piano"
_VERB = r"(?:turn|bring|crank|pump|dial|push|tone|pull|nudge|knock)"
_BEFORE = re.compile(rf"(?:(?P<boost>boost|raise)|{_VERB}\s+(?P<dir>up|down))\s+"
                     r"(?:the\s+|that\s+|those\s+|my\s+|your\s+)?$")
_VERB_BEFORE = re.compile(rf"{_VERB}\s+(?:the\s+|that\s+|those\s+)?$")
_DIRECTION_AFTER = re.compile(rf"^\s*(?P<dir>up|down)\b(?:\s+{_HOW})?")
# "the cello's too loud, drop it": the reason for an edit the line names after it
_THEN_GONE = re.compile(r"\b(?:drop|remove|lose|ditch|mute|cut|kill|nix)\s+(?:it|them|that|those|"
                        r"em)\b|get\s+rid\s+of\s+(?:it|them)|take\s+(?:it|them)\s+out")
# an instrument asked for quietly: "drums? quiet ones", "a harp, softly" ("a quiet cello" says
# how the cello plays)
_QUIETLY = r"(?:quiet(?:ly)?|soft(?:ly)?|whisper(?:ing|ed|y)?|barely\s+there|subtle|faint)"
_SOFT_AFTER = re.compile(rf"^\W*(?:ones?\W+)?(?:(?P<how>{AMOUNT}|v)\s+)?(?:{_QUIETLY}|"
                         r"low\s+in\s+the\s+mix|in\s+the\s+background)(?:\s+ones?)?\b")
_CANT_HEAR = re.compile(r"(?:can'?t|cannot|barely|hardly)\s+hear\s+(?:the\s+|that\s+)?$")


def _amount(match: re.Match | None) -> float:
    return amount_of(match.group("how") if match else None)


def _quiet_amount(match: re.Match) -> float:
    """How far "quiet" goes: "very quiet", "v quiet", "barely there", "whispering": a lot."""
    if match.group("how") == "v" or re.search(r"barely|whisper", match.group(0)):
        return amount_of("very")
    return _amount(match)


def read_levels(text: str) -> tuple[dict, str]:
    """{"levels": ((instrument, step), ...)} for the parts a line makes louder (step > 0) or
    quieter, by LITTLE, NORMAL or LOT; and the line with those words blanked."""
    levels: list[tuple[str, float]] = []
    for find in INSTRUMENT_LEXICON.find(text):
        names = INSTRUMENT_WORDS[find.phrase][0]
        if not names:
            continue
        before, after = text[max(0, find.start - 32):find.start], text[find.end:find.end + 48]
        start, end, step = find.start, find.end, 0.0
        if match := _AFTER.match(after):
            louder = bool(match.group("quiet") or match.group("up"))
            step = (1 if louder else -1) * _amount(match)
            end = find.end + match.end()
        elif (match := _BEFORE.search(before)) is not None:
            how = re.match(rf"^\s*{_HOW}", after)  # "turn up the bass a bit"
            step = (1 if match.group("boost") or match.group("dir") == "up" else -1) * \
                _amount(how)
            start = find.start - len(before) + match.start()
            end = find.end + (how.end() if how else 0)
        elif (verb := _VERB_BEFORE.search(before)) and (
                match := _DIRECTION_AFTER.match(after)):
            step = (1 if match.group("dir") == "up" else -1) * _amount(match)
            start, end = find.start - len(before) + verb.start(), find.end + match.end()
        elif (match := _SOFT_AFTER.match(after)) is not None:
            # "drums? quiet ones": the drums stay for the other readers (added, or kept)
            step, start, end = -_quiet_amount(match), find.end, find.end + match.end()
        elif (match := _CANT_HEAR.search(before)) is not None:
            step = 1.0
            start = find.start - len(before) + match.start()
        if step and not _THEN_GONE.search(text, end):
            levels += [(name, step) for name in names]
            text = text[:start] + " " * (end - start) + text[end:]
    if not levels:
        return {}, text
    return {"levels": tuple(dict.fromkeys(levels))}, text
