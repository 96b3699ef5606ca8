"""A line read against the conversation it is said in: regret that means undo ("the previous
one was better", "back to minor please"), taking back an undo ("put the violin back"), and
lines that lean on the turn before ("even more", "add them", "take it out").

    recalled(Turn("edit", changes=Changes(mode="minor")), "ugh. no. back to minor please",
             History(...))          → Turn("undo")  when the version before was in minor

`History` is what the conversation knows: the versions (number, parent, spec), the current
one, the versions an undo took back, the last edit and the instruments last named. Only the
specs are compared, so this stays in the request room (no music, no files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from generation.job import NORMAL, Changes
from generation.request.amounts import AMOUNT, amount_near, has
from generation.request.changes import read_changes
from generation.request.corrections import corrected
from generation.request.lexicon import INSTRUMENT_LEXICON, INSTRUMENT_WORDS, fold
from generation.request.turn import PREVIOUS, Turn, undo_steps
from generation.vocab import DRUM_KITS, FAMILY_OF


@dataclass(frozen=True)
class Past:
    """One version as recall sees it."""

    number: int
    parent: int | None
    spec: dict


@dataclass(frozen=True)
class History:
    versions: tuple[Past, ...]
    current: int | None  # the current version's number
    undone: tuple[int, ...] = ()  # what redo brings back, most recent last
    last: Changes | None = None  # the changes of the last edit said
    named: tuple[str, ...] = ()  # the instruments the last lines named

    def get(self, number: int | None) -> Past | None:
        return self.versions[number - 1] if number and 1 <= number <= len(self.versions) \
            else None


# The earlier one was better: an undo even when nothing earlier matches the words.
_STRONG = (r"(?:previous|last|earlier|old|other|original)\s+(?:one|version|cue|take|mix|draft)\s+"
           r"(?:was|is|sounded|felt)|(?:one|version|take|cue|mix)\s+before\b|\bwas\s+(?:so\s+|"
           r"much\s+|way\s+|a\s+lot\s+)?(?:better|nicer|best|fine|right|good|perfect)|"
           r"i\s+(?:preferred|liked|loved)\b|\bnvm\b|never\s*mind|take\s+(?:it|that)\s+back")
# The same said loosely ("back to minor"): an undo when an earlier version has what it names.
_REGRET = (r"(?:previous|last|earlier|old|other|original)\s+(?:one|version|cue|take|mix|draft|"
           r"take)\s+(?:was|is|sounded|felt)|(?:one|version|take|cue|mix)\s+before\b|"
           r"\bwas\s+(?:(?:so\s+|much\s+|way\s+|a\s+lot\s+)?(?:better|nicer|best|fine|right|good|"
           r"perfect|cooler|creepier|more\s+\w+)|(?:\w+er)\s+before)|i\s+(?:preferred|prefer|liked|"
           r"loved)\s+(?:it\s+)?(?:before|the\s+\w+|better|more)|"
           r"(?:go|going|take\s+(?:it|that)|put\s+it|set\s+it|switch\s+it|change\s+it)\s+back|"
           r"back\s+to\b|back\s+(?:on|in)\s+the\b|\bnvm\b|never\s*mind|revert|\bundo\b|"
           r"as\s+it\s+was|how\s+it\s+was|like\s+before|made\s+it\s+worse|"
           r"(?:sounded|felt|was)\s+(?:\w+\s+)?better(?:\s+before|\s+the\s+other\s+way)|"
           r"(?:that'?s|it'?s|its|it\s+is)\s+(?:\w+\s+)?worse(?:\s+now)?\W*$")
_TAKE_BACK = r"\bback\b|\bredo\b|\bagain\b|\bmiss\b|restore"
_NAMES_VERSION = r"(?:version|v)\s*\d|\b(?:first|second|third|fourth|fifth)\b"
# "it" is the piece ("cut it to 20 seconds"), unless the line itself names the instrument
_PRONOUN_EDIT = (r"\b(?:add|bring|put|need|want|include)\s+(?:(?:\w+\s+)?(?:them|one|those|"
                 r"these)\b)|\b(?:them|those|these)\s+back\b|"
                 r"\b(?:remove|drop|lose|ditch|mute|cut|kill)\s+(?:them|those|these)\b|"
                 r"\btake\s+(?:them|those|these)\s+out\b")
_PRONOUN_IT = r"\b(?:add|remove|drop|lose|ditch|mute|cut|kill)\s+it\b|\btake\s+it\s+out\b"
_PRONOUN_GONE = r"\b(?:remove|drop|lose|ditch|mute|cut|kill|take\s+(?:them|those|these)\s+out)\b"
_MORE = (r"^\W*(?:(?:even|(?:a\s+)?(?:bit|little|lil|tad|touch)|slightly|much|way|lots?)\s+)?"
         r"(?:more|further|(?<=even\s)(?:fewer|less))"
         r"(?:\s+(?:again|still|please|pls|of\s+that|then|then\?))*\W*(?:i\s+don'?t\s+know)?\W*$|"
         r"^\W*(?:keep\s+going|go\s+further|and\s+again|even\s+more\s+so|more\s+more)\W*$")


def recalled(turn: Turn, line: str, history: History) -> Turn:
    """`turn` (what the line says by itself) read against `history`."""
    if turn.kind in ("edit", "smalltalk") and turn == corrected(line):
        return turn  # "fastr... nvm slowr": the last word said, no regret
    text = fold(line)
    current = history.get(history.current)
    if turn.kind == "edit" and current is not None:
        turn = _one_kit(turn, current.spec)
    if current is not None:
        turn = _other_kind(turn, text, current.spec)
    parent = history.get(current.parent) if current else None
    if turn.kind == "edit" and turn.base == PREVIOUS and parent and has(_STRONG, text) and _fits(
            turn.changes, current.spec, parent.spec):
        return Turn("undo", text=line)  # "undo that, the 30 seconds was right"
    if current is not None and turn.kind == "question" and (
            pronoun := _pronoun_edit(turn, text, history)) is not None:
        return pronoun  # "does it need a piano? maybe add one"
    if (without := _version_without(text, history)) is not None:
        return Turn("goto", text=line, base=without)  # "the first version without the drums?"
    if current is None or turn.kind in ("question", "blend", "vary", "again") or (
            turn.kind == "edit" and turn.base is not None):  # "undo that and ...": an edit
        return turn
    if turn.kind != "goto" and (named := _named_version(text, history)) is not None:
        return Turn("goto", text=line, base=named)  # "go back to the 7/8 version"
    if turn.kind == "new" and not has(_STRONG + r"|\bundo\b", text):
        return turn  # "hm, no, i preferred the clarinet on the tune" is no new piece
    changes = turn.changes if turn.kind == "edit" else read_changes(line)
    before = has(r"(?:version|one|take)\s+before\s+the\s+", text)
    if before and changes.add:  # "the version before the piano": the one without it
        changes = Changes(remove=changes.add)
    if history.undone and has(_TAKE_BACK, text) and not changes.rewrite and (
            _fits(changes, current.spec, history.get(history.undone[-1]).spec)
            if _said(changes) else has(r"redo|put\s+(?:that|it)\s+back", text)):
        return Turn("redo", text=line)  # "put the violin back" after the undo that took it
    if has(_REGRET, text) and not has(_NAMES_VERSION, text) and turn.kind not in (
            "redo", "goto") and (
            not _said(changes) or not _only_added(changes)):
        back = _ancestor(changes, history, current) if _said(changes) else None
        if back is not None or not _said(changes) or has(_STRONG + r"|undo|go\s+back|revert",
                                                         text):
            return Turn("undo", text=line, steps=back or undo_steps(text))
    gone = [n for n in changes.remove if n not in (_lead(current.spec),)]
    if gone and parent and has(r"^\W*(?:no|nah|nope)\b", text) and \
            _fits(Changes(remove=tuple(gone)), current.spec, parent.spec):
        return Turn("undo", text=line)  # "no, not the organ" right after it was added
    if history.last and (again := re.search(r"\b(down|lower|slower|up|higher|faster)\s+again\b",
                                            text)):
        up = again.group(1) in ("up", "higher", "faster")
        last = history.last
        # the last move's direction: + up, − down, 0 none
        moved = (last.tempo_factor and last.tempo_factor - 1) or last.tempo_step or last.transpose
        if moved and (moved > 0) != up:
            return Turn("undo", text=line)  # "no, down again" after going up
    if (pronoun := _pronoun_edit(turn, text, history)) is not None:
        return pronoun
    if re.search(_MORE, text) and history.last is not None and _relative(history.last):
        amount = amount_near(text, 0, 0) if has(AMOUNT, text) else NORMAL
        return Turn("edit", text=line, changes=_scaled(_relative(history.last), amount))
    return turn


def _one_kit(turn: Turn, spec: dict) -> Turn:
    """A piece plays one drum kit: a kit added where one plays takes its place ("brushes on
    the drums?"), and a kit never carries the melody ("brushes on the kit")."""
    changes = turn.changes
    playing = [n for n in spec.get("instruments", ()) if n in DRUM_KITS]
    kits = [n for n in changes.add if n in DRUM_KITS and n not in playing]
    lead = None if changes.lead in DRUM_KITS else changes.lead
    absent = tuple(n for n, step in changes.levels if step < 0 and n not in changes.add
                   and not any(n == p or n == "drums" and p in DRUM_KITS
                               for p in spec.get("instruments", ())))
    if absent:  # "maybe drums? quiet ones" where none play: added, quietly
        changes = replace(changes, add=(*changes.add, *absent))
    new = [n for n in changes.add if n not in spec.get("instruments", ())]
    old = [n for n in changes.add if n in spec.get("instruments", ()) and n not in DRUM_KITS]
    if new and old and has(r"instead|rather\s+than|in\s+place\s+of", fold(turn.text)):
        # "a synth pad instead of the choir": the choir plays, the pad takes its place
        changes = replace(changes, add=tuple(n for n in changes.add if n not in (old[0], new[0])),
                          swap=(*changes.swap, (old[0], new[0])))
    if not playing or not kits:
        return replace(turn, changes=replace(changes, lead=lead))
    add = tuple(n for n in changes.add if n not in kits)
    swap = (*changes.swap, (playing[0], kits[-1]))
    return replace(turn, changes=replace(changes, add=add, swap=swap, lead=lead))


# words that put what a line names in the place of what plays: "tremolo strings instead",
# "muted trumpet actually", "use an overdriven guitar"
_REPLACING = r"instead|actually|rather|\buse\b|switch\s+to|go\s+with|swap|change|then"


def _other_kind(turn: Turn, text: str, spec: dict) -> Turn:
    """Another kind of an instrument that plays, named in its place, swaps for it: "use tremolo
    strings instead" where strings play, "muted trumpet actually" where a trumpet does."""
    if turn.kind not in ("edit", "unknown", "ask", "help") or not has(_REPLACING, text) or has(
            r"add|adding|plus|with|also|too|as\s+well|alongside|on\s+top", text):  # both play
        return turn
    changes = turn.changes if turn.kind == "edit" else Changes()
    playing = spec.get("instruments", ())
    new = [n for n in dict.fromkeys(_instruments(text)) if n not in playing]
    others = {*changes.remove, *changes.add, changes.lead} - {None, *new}
    if len(new) != 1 or changes.swap or changes.only or others:
        return turn
    old = [p for p in playing if p not in DRUM_KITS and FAMILY_OF.get(p) is not None
           and FAMILY_OF.get(p) == FAMILY_OF.get(new[0])]
    if not old:
        return turn
    changes = replace(changes, add=tuple(n for n in changes.add if n != new[0]),
                      remove=tuple(n for n in changes.remove if n != new[0]),
                      lead=None, swap=((old[0], new[0]),))
    return Turn("edit", text=turn.text or text, changes=changes)


def _version_without(text: str, history: History) -> int | None:
    """The latest earlier version that lacks the instrument a line names it by ("the version
    without the drums", "the one without strings"): the one before it was added."""
    said = re.search(r"(?:version|one|take)\s+(?:with\s+no|without)\s+(?:the\s+|any\s+)?(.+)",
                     text)
    names = _instruments(said.group(1)) if said else []
    version = history.get(history.current)
    while names and version is not None and version.parent is not None:
        version = history.get(version.parent)
        if version and not any(n in version.spec.get("instruments", ()) for n in names):
            return version.number
    return None


def _named_version(text: str, history: History) -> int | None:
    """The latest version a line names by what it had: "back to the 7/8 version"."""
    said = re.search(r"back\s+to\s+the\s+(.{1,30}?)\s+version\b", text)
    if not said or re.fullmatch(r"\s*(?:first|second|third|last|previous|\d+)\s*", said.group(1)):
        return None
    changes = read_changes(f"make it {said.group(1)}")
    now = history.get(history.current)
    for version in reversed(history.versions):
        if version.number != history.current and _said(changes) and _fits(
                changes, now.spec, version.spec):
            return version.number
    return None


def _pronoun_edit(turn: Turn, text: str, history: History) -> Turn | None:
    """"them" and "one" as the instruments just named: "maybe add one then", "i need them
    back", "the strings are weird. remove them"."""
    own = _instruments(text)
    names = own or history.named
    if (turn.kind in ("unknown", "help", "ask", "undo", "question") or (
            turn.kind == "edit" and not _said(turn.changes))) and names and (
            re.search(_PRONOUN_EDIT, text) or own and re.search(_PRONOUN_IT, text)):
        verb = "remove" if re.search(_PRONOUN_GONE, text) else "add"
        said = read_changes(f"{verb} the {' and the '.join(dict.fromkeys(names))}")
        if said.add or said.remove:
            return Turn("edit", text=turn.text or text, changes=said)
    return None


def _said(changes: Changes) -> bool:
    return changes != Changes()


def _only_added(changes: Changes) -> bool:
    """Instruments brought back are added, not undone ("i need them back", "bring the drums
    back"): the writers meant a new version with them."""
    return bool(changes.add) and replace(changes, add=()) == Changes()


def _ancestor(changes: Changes, history: History, current: Past) -> int | None:
    """How many steps back the nearest earlier version is that has what `changes` name."""
    steps, version = 0, current
    while version.parent is not None:
        version, steps = history.get(version.parent), steps + 1
        if version is None:
            return None
        if _fits(changes, current.spec, version.spec):
            return steps
    return None


def _fits(changes: Changes, now: dict, then: dict) -> bool:
    """Whether `then` has every change `changes` names, seen from `now`."""
    if changes.rewrite or changes.swap or changes.intro or changes.outro or not _said(changes):
        return False
    checks = []
    if changes.tempo_bpm:
        checks.append(abs(then["tempo_bpm"] - changes.tempo_bpm) <= 3
                      < abs(now["tempo_bpm"] - changes.tempo_bpm))
    if changes.tempo_factor:
        checks.append((then["tempo_bpm"] - now["tempo_bpm"]) * (changes.tempo_factor - 1) > 0)
    if changes.tempo_step:
        checks.append((then["tempo_bpm"] - now["tempo_bpm"]) * changes.tempo_step > 0)
    if changes.tonic:
        checks.append(then["key"].split()[0] == changes.tonic != now["key"].split()[0])
    if changes.mode:
        checks.append(then["mode"] == changes.mode != now["mode"])
    if changes.transpose:
        checks.append((then["tonic"] - now["tonic"]) % 12 == changes.transpose % 12)
    if changes.mood:
        checks.append(then["mood"] == changes.mood and now["mood"] != changes.mood)
    if changes.style:
        checks.append(then["style"] == changes.style != now["style"])
    checks += [n in then["instruments"] and n not in now["instruments"] for n in changes.add]
    checks += [n not in then["instruments"] and n in now["instruments"] for n in changes.remove]
    if changes.lead:
        checks.append(_lead(then) == changes.lead != _lead(now))
    if changes.duration_s:
        checks.append(abs(then["total_duration_s"] - changes.duration_s) <= 4
                      < abs(now["total_duration_s"] - changes.duration_s))
    if changes.length_factor:
        checks.append((then["total_duration_s"] - now["total_duration_s"])
                      * (changes.length_factor - 1) > 0)
    if changes.meter:
        checks.append(then["meter"] == changes.meter != now["meter"])
    if changes.density:
        checks.append((then["density"] - now["density"]) * changes.density > 0)
    return bool(checks) and all(checks)


def _lead(spec: dict) -> str | None:
    return next((p["instrument"] for p in spec.get("parts", ()) if p["role"] == "lead"), None)


def _relative(changes: Changes) -> Changes | None:
    """The part of an edit that can be said again ("even more"): the steps, not the values."""
    kept = {k: getattr(changes, k) for k in ("tempo_factor", "tempo_step", "length_factor",
                                             "transpose", "density") if getattr(changes, k)}
    if changes.mood:
        kept |= {"mood": changes.mood, "mood_amount": changes.mood_amount}
    return Changes(**kept) if kept else None


def _scaled(changes: Changes, amount: float) -> Changes:
    """The steps of `changes` taken again by `amount` ("a bit more of that": a small step)."""
    if amount == NORMAL:
        return changes
    from generation.request.asking import LENGTH_STEP, TEMPO_STEP
    from generation.request.changes import DENSITY_STEP

    def step(value: float | None, steps: dict) -> float | None:
        if not value or value == 1:
            return value
        return steps[amount] if value > 1 else round(1 / steps[amount], 4)

    return replace(changes, tempo_factor=step(changes.tempo_factor, TEMPO_STEP),
                   length_factor=step(changes.length_factor, LENGTH_STEP),
                   density=DENSITY_STEP[amount] * ((changes.density > 0) - (changes.density < 0)),
                   mood_amount=amount if changes.mood else changes.mood_amount)


def _instruments(text: str) -> list[str]:
    return [name for f in INSTRUMENT_LEXICON.find(text) for name in INSTRUMENT_WORDS[f.phrase][0]]


def named_instruments(line: str) -> tuple[str, ...]:
    """The instruments a line names, for the next line's "them"."""
    return tuple(dict.fromkeys(_instruments(fold(line))))
