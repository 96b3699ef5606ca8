"""Requests said as questions or hedged: "piano and cello?" with no piece yet describes one;
"is it too fast? maybe a bit slower" and "what if it were major?" end on the edit they ask.
"""

from __future__ import annotations

import re
from dataclasses import replace

from generation.request.amounts import has
from generation.request.lexicon import INSTRUMENT_LEXICON, MOOD_LEXICON, STYLE_LEXICON, fold
from generation.request.turn import Turn, read_turn


def hesitant(turn: Turn, line: str, has_piece: bool) -> Turn:
    """A request said as a question: with no piece yet, "piano and cello?" describes one; with
    a piece, "is it too fast? maybe a bit slower" ends on an edit, which is what it asks."""
    if turn.kind not in ("unknown", "help", "question"):
        return turn
    text = fold(line)
    if not has_piece and turn.kind != "question" and names_something(text):
        return Turn("new", text=line)
    if has_piece and (tried := _what_if(text)) is not None:
        return replace(tried, text=line)
    sentences = [s.strip() for s in re.split(r"(?<=[?？.!])\s+", line.strip()) if s.strip()]
    last = sentences[-1] if len(sentences) > 1 else ""
    if has_piece and last and re.match(_OBSERVED, fold(last)) and turn.kind == "question":
        return turn  # "is it sad? it doesn't feel sad": the question, then what is heard
    if has_piece and last and not last.endswith(("?", "？")):
        too = re.search(r"\btoo\s+([a-z]+)", fold(" ".join(sentences[:-1])))
        if too and re.search(r"\b(?:less|more)\W*$", fold(last)):
            last = f"{last.rstrip('.!')} {too.group(1)}"  # "too dark? maybe a bit less"
        own = read_turn(last, True)
        if own.kind == "edit":
            return replace(own, text=line)
    return turn


# "what if it were major?", "how would it sound on a marimba?": a change to try, said as a
# question about it
_WHAT_IF = re.compile(
    r"^(?:\W*(?:so|hmm+|and|ok|but)\W+)?(?:what|wat|wut|how)\s+(?:if|about|bout|abt|"
    r"(?:would|does|will|did)\s+it\s+(?:sound|be|feel)(?:\s+like)?)\s+"
    r"(?:(?:it|its|it's)\s+(?:were|was|is|went|had|got)?\s*|we\s+(?:made|make|tried|try|put|"
    r"had|went\s+(?:to|with))\s+(?:it\s+)?|you\s+(?:made|make|tried|put)\s+(?:it\s+)?)?")


def _what_if(text: str) -> Turn | None:
    """The edit a hypothetical question proposes ("what if the flute played the tune?")."""
    frame = _WHAT_IF.match(text)
    if frame is None:
        return None
    rest = re.split(r"[?.!]", text[frame.end():])[0].strip(" ,")
    rest = re.sub(r"\b(?:played|plays)\b", "play", rest)
    for said in (rest, f"make it {rest}", f"play it {rest}", f"let {rest}"):
        turn = read_turn(said, True)
        if turn.kind == "edit":
            return turn
    return None


_OBSERVED = (r"(?:(?:maybe|perhaps|probably)\s+)?(?:it|that|this)(?:'s|\s+is)?\s+(?:sounds|feels|"
             r"seems|doesn'?t|does\s+not|isn'?t|is\s+not|(?:(?:a\s+bit|kinda|way)\s+)?too)\b")


def names_something(text: str) -> bool:
    """Whether the line names an instrument, a number, a mood, a style or a section."""
    return bool(INSTRUMENT_LEXICON.find(text) or MOOD_LEXICON.find(text)
                or STYLE_LEXICON.find(text) or re.search(r"\d", text)
                or has(r"intro|outro|ending|beginning|middle|bridge|chorus|verse", text))
