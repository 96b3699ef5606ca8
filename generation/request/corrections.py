"""A line that corrects itself, read clause by clause: the last value committed wins.

    corrected("longer, like 3 minutes... or 2? let's say 2")  → Changes(duration_s=120)
    corrected("add sax. no wait trumpet")                      → Changes(add=("trumpet",))
    corrected("maybe slower... or no. just sparser")           → Changes(density=-0.15)
    corrected("up a whole step... no wait, just leave it")     → Turn("smalltalk")

A clause that starts with a take-back ("or no", "nah", "actually", "scratch that", "make
that") replaces the clause before it; one that takes back and says nothing else ("or no",
"maybe not", "keep them", "never mind") removes it. A bare value ("130?", "or 2", "G",
"a cello") is the value of the clause before: it is put in that clause's place ("Cue at 45
seconds. Make that 50." → "Cue at 50 seconds"), or given its unit. Two clauses that set the
same value ("140 feels fast. 130?") keep the last. Every clause is read by the exact readers
(`request/turn.py`); a line with a move in history ("hmm, no. undo.") is left to them.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from functools import lru_cache

from generation.job import Changes
from generation.request.lexicon import INSTRUMENT_LEXICON, fold
from generation.request.turn import Turn, read_turn

_FAMILIES = {"tempo_bpm": "tempo", "tempo_factor": "tempo", "tempo_step": "tempo",
             "duration_s": "length", "length_factor": "length", "tonic": "key", "mode": "key",
             "relative": "key", "transpose": "key", "mood": "mood", "mood_amount": "mood",
             "style": "style", "meter": "meter", "density": "density", "rewrite": "form",
             "intro": "form", "outro": "form"}  # the rest: instruments (add, remove, lead...)
_VALUES = {"tempo", "length", "key", "mood", "style", "meter", "density"}  # one value each

# a take-back at a clause's start; a lone "no" only before a pause ("no drums" removes them)
_BACK = (r"(?:or\s+no|or\s+not|no+\s+wait|wait\s+no|wait|nah+|nope|nvm|never\s*mind|"
         r"actually(?:\s+no)?|scratch\s+that|correction|revise|make\s+that|on\s+reflection|"
         r"i\s+mean|sorry|jk|ignore\s+that|or|instead)(?=[\s,:;—-]|$)|no+(?=\s*(?:[,:;—-]|$))")
_FILLER = (r"(?:hm+|um+|uh+|ok(?:ay)?|yeah|yes|yep|so|well|like|maybe|perhaps|then|let'?s\s+"
           r"(?:say|do|go\s+with|try)|go\s+with|i\s+think|i\s+guess|idk|just|please|pls|plz|"
           r"yeah\s+that|that\s+one|on\s+second\s+thought)")
# what takes back the clause before and asks nothing new
_CANCEL = (r"(?:just\s+)?(?:leave\s+(?:it|that|the\s+\w+)(?:\s+as\s+(?:it\s+)?(?:is|was))?|"
           r"keep\s+(?:it|them|em|that|those|the\s+\w+|\w+)(?:\s+as\s+(?:it\s+)?(?:is|was))?|"
           r"forget\s+(?:it|that)|never\s*mind|nvm|maybe\s+not|not|don'?t|no|nah|nope|jk|"
           r"hold\s+at\s+(?:the\s+)?current\s+\w+|ignore\s+that|scratch\s+that)")
_NUMBER = re.compile(r"(?<![\d./])(\d{1,3}(?:\.\d+)?)(?![\d/])")
_NOTE = r"[a-g](?:#|b|\s+flat|\s+sharp)?"


def _family(name: str) -> str:
    return _FAMILIES.get(name, "instruments")


def families(changes: Changes) -> set[str]:
    """The kinds of value `changes` sets: tempo, length, key, mood, instruments..."""
    empty = Changes()
    return {_family(f.name) for f in fields(Changes)
            if getattr(changes, f.name) != getattr(empty, f.name) and f.name != "mood_amount"}


def _without(changes: Changes, dropped: set[str]) -> Changes:
    empty = Changes()
    return replace(changes, **{f.name: getattr(empty, f.name) for f in fields(Changes)
                               if _family(f.name) in dropped})


def _merged(first: Changes, then: Changes) -> Changes:
    """`first` with what `then` sets laid over it (instruments named in both: all of them)."""
    empty, values = Changes(), {}
    for f in fields(Changes):
        mine, theirs = getattr(first, f.name), getattr(then, f.name)
        if isinstance(mine, tuple) and mine and theirs:
            values[f.name] = tuple(dict.fromkeys(mine + theirs))
        elif theirs != getattr(empty, f.name):
            values[f.name] = theirs
    return replace(first, **values)


def _clauses(text: str) -> list[str]:
    """The folded line cut at sentence ends, dashes, and an "or"/"nah" before a new value."""
    cut = re.split(r"(?:\.{2,}|…|[.?!;]+|\s+—\s*|—)(?:\s+|$)|,?\s+(?=(?:or|nah|nvm|jk)\s+"
                   r"(?:\d|no\b|maybe|a\s|an\s|[a-g]\b))", text)
    clauses = [c.strip(" ,") for c in cut if c and c.strip(" ,")]
    if clauses and re.fullmatch(r"or\s+(?:no|not)", clauses[-1]):
        clauses.pop()  # "could the vibraphone be replaced by a marimba? or no": "or not?"
    return clauses


def _stripped(clause: str) -> tuple[str, bool]:
    """The clause without the take-backs and fillers at its start and end, and whether it
    took back."""
    back, before = False, None
    while before != clause:
        before = clause
        if took := re.match(rf"(?:{_BACK})[\s,:;—-]*", clause):
            clause, back = clause[took.end():], True
        clause = re.sub(rf"^(?:{_FILLER})(?:[\s,:;—-]+|$)", "", clause)
        clause = re.sub(rf"[\s,]+(?:{_FILLER})$", "", clause).strip(" ,?!.")
    return clause, back


def _fragment(clause: str) -> str | None:
    """What kind of bare value the clause is: 'number', 'note', 'instrument', or None."""
    bare = re.sub(r"^(?:an?|the|some)\s+", "", clause)
    if re.fullmatch(r"\d{1,3}(?:\.\d+)?", bare):
        return "number"
    if re.fullmatch(_NOTE, bare):
        return "note"
    rest = bare
    for found in INSTRUMENT_LEXICON.find(bare):
        rest = rest.replace(found.phrase, " ")
    if rest != bare and not re.sub(r"\b(?:an?|the|some|or|and|hm+|um+|ok|yeah)\b|[\s,]", "",
                                   rest):
        return "instrument"
    return None


def _said(text: str) -> tuple[Turn, set[str]]:
    """A clause read alone: its turn and the kinds of value it names (a question's topic, or
    the words of tempo or length, count: "is 50 too slow")."""
    turn = read_turn(text, True)
    if turn.kind == "edit":
        return turn, families(turn.changes)
    topic = {"tempo": "tempo", "length": "length", "key": "key"}.get(turn.topic or "")
    if topic:
        return turn, {topic}
    if _fragment(text) == "instrument":  # "cello. no. harp"
        return turn, {"instruments"}
    if re.search(r"fast|slow|tempo|bpm|speed|quick|pace", text):
        return turn, {"tempo"}
    if re.search(r"long|short|length|min(?:ute)?s?\b|sec|second", text):
        return turn, {"length"}
    return turn, set()


def _completed(fragment: str, kind: str, before: str, named: set[str]) -> tuple[str, Changes]:
    """A bare value read in the place of the one in the clause `before`."""
    if kind == "number":
        value = float(fragment)
        numbers = list(_NUMBER.finditer(before))
        if numbers:
            last = numbers[-1]
            text = before[:last.start()] + fragment + before[last.end():]
            turn = read_turn(text, True)
            got = turn.changes
            if turn.kind == "edit" and (got.tempo_bpm == value or got.duration_s in (
                    value, value * 60) or abs(got.transpose) == value):
                return text, got
        unit = ("bpm" if "tempo" in named else "minutes" if re.search(r"\bmin", before)
                else "seconds" if "length" in named else None)
        if unit is None:  # no unit to give it: the words with the new number, to be read
            return (text if numbers else fragment), Changes()
        text = f"{fragment} {unit}"
        return text, read_turn(text, True).changes
    if kind == "note":  # "a" is a note here, not an article
        fragment = fragment[0].upper() + fragment[1:]
    elif kind == "instrument":
        fragment = INSTRUMENT_LEXICON.find(fragment)[-1].phrase
    words = before.split()
    for cut in range(1, len(words)):  # "add sax" + "trumpet" → "add trumpet"
        text = " ".join([*words[:cut], fragment])
        turn = read_turn(text, True)
        if turn.kind == "edit" and families(turn.changes) & named:
            return text, turn.changes
    return before, Changes()


def _taken(kept: list, taken: list) -> bool:
    """Take back the last clause (onto `taken`); whether it had said something ("ugh. no."
    had not)."""
    taken.append(kept.pop())
    _, changes, named = taken[-1]
    return bool(changes or named)


# what follows a question without asking for a change: a guess ("b minor?", "like 90?") or
# what the listener hears ("it sounds major")
_GUESS = re.compile(r"(?:(?:like|maybe\s+like|around|about|or\s+is\s+it)\s+)?"
                    r"(?:\d{1,3}(?:\s*(?:bpm|mins?|minutes?|s|secs?|seconds?))?|"
                    r"[a-g](?:#|b|\s+flat|\s+sharp)?(?:\s+(?:major|minor|\w+ian))?|"
                    r"major|minor|(?:it|that|this)(?:'s|\s+is)?\s+(?:sounds|feels|seems|"
                    r"is)\b.*)")
# a take-back of the take-back: "...? or not. yeah let's try"
_AFTER_ALL = re.compile(r"(?:yeah|yes|yep|ok(?:ay)?|sure)?[\s,]*(?:let'?s\s+(?:try|do)(?:\s+it)?|"
                        r"do\s+it|go\s+for\s+it|try\s+it)|(?:yeah|yes|yep)")


def _asked(clauses: list[str]) -> Turn | None:
    """The question of a line that asks about the piece and only guesses at the answer
    ("what key is that? b minor?", "is it in major? it sounds major"); None otherwise."""
    first = read_turn(clauses[0], True)
    if first.kind != "question":
        return None
    for clause in clauses[1:]:
        text, back = _stripped(clause)
        if back or not re.fullmatch(_GUESS, text):
            return None
    return first


@lru_cache(maxsize=256)
def corrected(line: str) -> Turn | None:
    """The turn of a line that takes back or corrects what it said (None: it does not).
    Kept for the last lines: `understand` and `recall.recalled` both ask of each line."""
    clauses = _clauses(fold(line))
    if len(clauses) < 2:
        return None
    if (question := _asked(clauses)) is not None:
        return replace(question, text=line)
    kept: list[tuple[str, Changes, set[str]]] = []  # the clauses committed, with their kinds
    taken: list[tuple[str, Changes, set[str]]] = []  # the clauses taken back, last one last
    took_back = corrects = False
    for clause in clauses:
        if re.fullmatch(r"(?:so+rr?y|my\s+bad)\W*", clause):
            continue  # an apology after a change takes nothing back ("faster actually. sorry")
        if taken and re.fullmatch(_AFTER_ALL, clause):  # "...? or not. yeah let's try"
            kept.append(taken.pop())
            continue
        text, back = _stripped(clause)
        if back and kept and (cancel := re.match(rf"{_CANCEL}(?:\s*,\s*|\s+(?=just\b)|$)",
                                                 text)):
            took_back = corrects = _taken(kept, taken) or corrects
            text = text[cancel.end():].strip()
        elif re.fullmatch(_CANCEL, text) and kept:
            took_back = corrects = _taken(kept, taken) or corrects
            continue
        if not text:
            if back and kept:  # "maybe slower... or no. just sparser"
                took_back = corrects = _taken(kept, taken) or corrects
            continue
        kind = _fragment(text)
        if kind and kept:
            before, _, named = kept[-1]
            if kind == "instrument" and named != {"instruments"} and not back:
                return None
            text, changes = _completed(text, kind, before, named)
            if not changes:  # "pull back to 80. on reflection, 84": its last words, read
                return Turn("unknown", text=text) if kind == "number" else None
            kept[-1] = (text, changes, families(changes))
            corrects = True
            continue
        turn, named = _said(text)
        if turn.kind not in ("edit", "question", "unknown", "help", "smalltalk", "new"):
            return None  # "hmm, no. undo.": a move in history
        changes = turn.changes if turn.kind == "edit" else Changes()
        if back and kept and not changes:  # "down a minor third. no, a whole step"
            text, changes = _completed(text, "words", kept[-1][0], kept[-1][2])
            named = families(changes) if changes else named
        if back and kept and (changes or named):
            kept.pop()  # "or no, just calmer": the clause before is replaced
            corrects = True
        elif kept and named & _VALUES & set().union(*(k for _, _, k in kept)):
            corrects = corrects or bool(changes)  # "140 feels fast. 130 bpm?"
            kept = [(t, _without(c, named), k - named) for t, c, k in kept]
        kept.append((text, changes, named))
    if not corrects:
        return None
    total = Changes()
    for _, changes, _ in kept:
        total = _merged(total, changes)
    if total:
        return Turn("edit", text=line, changes=total)
    if kept:  # "cello. no. harp": the last words, read as if said alone
        return Turn("unknown", text=kept[-1][0])
    return Turn("smalltalk", text=line) if took_back else None
