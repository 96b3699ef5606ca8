"""A line of conversation understood: the exact readers (request/turn.py, changes.py) and the
learned reader (request/reader.py) put together, with a confidence, and a question back when
the line could mean two things.

    understand("throw a trumpet on it", has_piece=True)
      → Reading(Turn("edit", changes=Changes(add=("trumpet",))), sure=0.96)
    understand("trumpet", has_piece=True)
      → Reading(Turn("ask"), choices=(("add a trumpet", Turn(...add)),
                                      ("give the trumpet the melody", Turn(...lead))))

The exact readers stay authoritative for values (numbers, keys, instruments) and for every
line they read as an edit; the learned reader adds the kinds of edit they missed in a line
("faster and throw a sax on it"), and reads the lines they answer with the help text. A line
that names something known (an instrument, a number, a mood, a style) is never answered with
the help text: when nothing is sure, it is asked about.
"""

from __future__ import annotations

import re
from dataclasses import replace

from generation.job import LITTLE, LOT, NORMAL, Changes
from generation.request.amounts import has
from generation.request.asking import (
    LENGTH_STEP,
    TEMPO_STEP,
    Reading,
    ambiguous,
    ask,
    directions,
    fallback,
    multiple_choices,
    picked,
    unsure_value,
)
from generation.request.changes import DENSITY_STEP
from generation.request.corrections import corrected
from generation.request.grounding import ungrounded
from generation.request.haste import retyped
from generation.request.hesitant import hesitant, names_something
from generation.request.instrument_edits import named_only, signed_only
from generation.request.lexicon import (
    INSTRUMENT_LEXICON,
    INSTRUMENT_WORDS,
    MOOD_LEXICON,
    STYLE_LEXICON,
    STYLE_WORDS,
    fold,
)
from generation.request.multiples import Multiple, read_multiple
from generation.request.slots import Text, read_length, read_meter
from generation.request.turn import Turn, read_turn, undo_steps
from generation.vocab import DRUM_KITS, FAMILY_OF

__all__ = ["Reading", "picked", "understand"]  # picked: how an answer picks a choice

AMOUNT = {"little": LITTLE, "normal": NORMAL, "lot": LOT}
ADD_SURE = 0.5  # a kind the exact readers missed is added only when this likely
LEARNED_SURE = 0.3  # in a line the exact readers could not place, kinds this likely count
PLACE_SURE = 0.15  # an instrument named but placed by no exact reading: its likeliest use
MOVE_SURE = 0.9  # a move in history or a new take from the learned reader alone ("asdfgh"
# was 'again' at 0.76): a wrong one replaces the piece the user is listening to


def understand(line: str, has_piece: bool, reader=None,
               playing: tuple[str, ...] = ()) -> Reading:
    """What `line` means in a conversation whose piece exists when `has_piece` (played by
    `playing`, when the caller knows: "swap it for guitar" asks which part)."""
    if has_piece and (taken := corrected(line)) is not None:
        if taken.kind != "unknown":
            return Reading(taken)  # "add sax. no wait trumpet"
        line = taken.text  # "pull back to 80. on reflection, 84": its last words
    turn = hesitant(read_turn(line, has_piece), line, has_piece)
    text = fold(retyped(line))  # "add a vilon": the words read_turn read
    instruments = _instruments(text)
    if has_piece and turn.kind in ("unknown", "help", "new", "edit") and \
            _bare_instrument(text, instruments) and not (turn.changes.add and has("some", text)):
        name = instruments[0]  # "trumpet": add it, or give it the melody?
        if name in DRUM_KITS or name not in playing and has(_PROPOSED, text):
            # "brushes on the drums?" (a kit plays no melody), "maybe a trumpet?" (offered)
            return Reading(Turn("edit", text=line, changes=Changes(add=(name,))))
        return ask((f"add a {name}", Turn("edit", text=line, changes=Changes(add=(name,)))),
                    (f"give the {name} the melody",
                     Turn("edit", text=line, changes=Changes(lead=name))))
    if has_piece and turn.kind in ("unknown", "help") and named_only(text) and has(
            r"actually|instead|rather|use|then", text) and any(
            FAMILY_OF.get(n) and FAMILY_OF.get(n) == FAMILY_OF.get(p) and n != p
            for n in instruments for p in playing):  # "muted trumpet actually" (recall swaps)
        return Reading(Turn("edit", text=line, changes=Changes(add=tuple(instruments))))
    if has_piece and (unsure := unsure_value(turn, line, playing)):
        if len(unsure) == 1:  # "make it 30": no tempo is that slow, so seconds
            return Reading(unsure[0][1])
        return ask(*unsure)  # "make it 60": bpm or seconds? "to a minor": A minor, or minor?
    multiple = read_multiple(text) or (Multiple(2.0, None) if re.fullmatch(
        r"\W*(?:double|twice)\W*", text) else None)
    if has_piece and multiple and multiple.of is None and turn.kind in (
            "unknown", "help", "edit") and not turn.changes:  # "double it": of what?
        return ask(*multiple_choices(multiple, line))
    if has_piece and (turn.kind in ("unknown", "help", "edit") or turn.kind == "question"
                      and turn.topic is None) and (readings := ambiguous(text, line)):
        return ask(*readings)  # "make it bigger": more epic, fuller or longer?
    # a new request stays one: the reader is sure of "edit" for "a happy tune on the violin"
    if turn.kind in ("new", "question", "blend", "goto", "redo", "vary", "again",
                     "empty", "smalltalk") or not has_piece:
        return Reading(turn)
    if turn.kind in ("unknown", "help") and (talk := ungrounded(text, fold(line))) and not (
            turn.kind == "help" and talk == "smalltalk" and re.search(r"[a-z]", text)):
        return Reading(Turn(talk, text=line))  # "Grazie!", "asdf": the reader guesses an edit
    if reader is None:  # loaded only for the lines that need it
        from generation.request.reader import shared_reader

        reader = shared_reader()
    if reader is None:
        return Reading(turn)
    if turn.kind == "edit" and (signed_only(text) or named_only(text)):
        return Reading(turn)  # "+vibes -drums", "muted trumpet actually": nothing to guess
    guess = reader.guess(line, has_piece)
    if turn.kind == "edit":
        changes = _on_top(_more(turn.changes, guess, text, instruments), text)
        return Reading(replace(turn, changes=changes))
    if turn.kind == "undo":
        return Reading(turn)
    return _learned(turn, guess, line, text, instruments, reader.sure)


def _learned(turn: Turn, guess, line: str, text: str, instruments: list[str],
             sure: float) -> Reading:
    """A line the exact readers could not place: the learned intent and kinds, with the
    values the exact readers find."""
    if guess.intent == "goto" and guess.sure >= sure and has(
            r"original|start|first|beginning|very\s+first|premiere|primera|erste", text):
        return Reading(Turn("goto", text=line, base=1), guess.sure)  # "back to the original"
    if guess.intent in ("undo", "redo", "vary", "again") and guess.sure >= MOVE_SURE:
        steps = undo_steps(text) if guess.intent == "undo" else 1
        return Reading(Turn(guess.intent, text=line, steps=steps), guess.sure)
    if guess.intent == "smalltalk" and guess.sure >= sure and not names_something(text):
        return Reading(Turn("smalltalk", text=line), guess.sure)
    changes = _on_top(_more(Changes(), guess, text, instruments, threshold=LEARNED_SURE), text)
    if changes and guess.intent == "edit" and guess.sure >= sure:
        return Reading(Turn("edit", text=line, changes=changes), guess.sure)
    readings = _readings(guess, text, instruments, line)
    if len(readings) >= 2:
        return ask(*readings[:3])
    if len(readings) == 1 and (guess.intent == "edit" or names_something(text)):
        return Reading(readings[0][1], guess.sure)
    if names_something(text):
        return ask(*fallback(text, instruments, line)) if fallback(
            text, instruments, line) else Reading(turn, guess.sure)
    if guess.intent == "edit" and (readings := directions(text, line)):
        return ask(*readings)  # "take it down a notch": slower, or calmer?
    return Reading(turn, guess.sure)


def _more(changes: Changes, guess, text: str, instruments: list[str],
          threshold: float = ADD_SURE) -> Changes:
    """`changes` with the kinds the learned reader is sure of and the exact readers missed,
    each with a value found in the line (or a step for relative kinds)."""
    values: dict = {}
    amount = AMOUNT[guess.amount]
    named = guess.named(threshold)
    # "halb so lang" is a length, not also a tempo: the two families read alike
    if changes.duration_s or changes.length_factor:
        named = [k for k in named if not k.startswith("tempo")]
    if changes.tempo_bpm or changes.tempo_factor or changes.tempo_step:
        named = [k for k in named if k not in ("longer", "shorter", "length_set")]
    if changes.density:  # "less stuff going on" is the texture, not also a tempo or a mood
        named = [k for k in named if not k.startswith("tempo") and not k.startswith("mood")]
    if changes.mood and not has(_PACE_OR_TEXTURE, text):  # "more urgency": the mood moves them
        named = [k for k in named if not k.startswith(("tempo", "density"))]
    if (changes.mode or changes.tonic or changes.transpose or changes.style) and \
            not MOOD_LEXICON.find(text):  # "make it phrygian", "more electronic": no mood
        named = [k for k in named if not k.startswith("mood")]
    if changes.transpose and not has(r"major|minor", re.sub(_INTERVAL, " ", text)):
        named = [k for k in named if not k.startswith("mode")]  # "down a minor third"
    if changes.intro or changes.outro:  # "a longer outro": the bars added are the length
        named = [k for k in named if k != "longer"]
    tempo_said = changes.tempo_bpm or changes.tempo_factor or changes.tempo_step
    for kind in named:
        if kind in ("tempo_up", "tempo_down") and not tempo_said:
            step = TEMPO_STEP[amount]
            values["tempo_factor"] = step if kind == "tempo_up" else round(1 / step, 4)
        elif kind == "tempo_set" and not tempo_said:
            number = re.search(r"(?<![\d.])(\d{2,3})(?![\d%])", text)
            if number and 40 <= int(number.group(1)) <= 240:
                values["tempo_bpm"] = int(number.group(1))
        elif kind in ("density_up", "density_down") and not changes.density:
            values["density"] = DENSITY_STEP[amount] * (1 if kind == "density_up" else -1)
        elif kind in ("longer", "shorter") and not (changes.duration_s or changes.length_factor):
            step = LENGTH_STEP[amount]
            values["length_factor"] = step if kind == "longer" else round(1 / step, 4)
        elif kind == "length_set" and not changes.duration_s:
            length = read_length(Text.of(text))
            if length is not None and length.seconds:
                values["duration_s"] = float(length.seconds)
        elif kind in ("mode_major", "mode_minor") and not changes.mode:
            values["mode"] = kind[5:]
        elif kind in ("mood", "mood_less") and not changes.mood:
            values["mood"], values["mood_amount"] = guess.mood, amount
            if kind == "mood_less":
                from generation.request.changes import _OPPOSITE

                values["mood"], values["mood_amount"] = _OPPOSITE[guess.mood], LITTLE
        elif kind == "style" and not changes.style:
            styles = [STYLE_WORDS[f.phrase] for f in STYLE_LEXICON.find(text)
                      if isinstance(STYLE_WORDS[f.phrase], str)]
            if styles:
                values["style"] = styles[0]
        elif kind == "meter" and not changes.meter:
            meter = read_meter(Text.of(text))
            if meter:
                values["meter"] = meter[0]
            elif said := re.search(r"\b(two|three|four|five|six|seven|[2-7])\b", text):
                beats = said.group(1)  # "put it in four", "back to 3"
                values["meter"] = f"{_BEATS.get(beats, beats)}/4"
        elif kind in _LOOSE and not _set(changes, kind):
            values.update(_loose(kind, text))
    # an instrument no exact reading placed goes where the reader thinks likeliest
    placing = max(("add", "remove", "lead"), key=lambda k: guess.kinds[k])
    if instruments and guess.kinds[placing] >= min(threshold, PLACE_SURE):
        _instrument_kind(placing, changes, instruments, values, _kept(text))
    return replace(changes, **values) if values else changes


_INTERVAL = r"(?:major|minor)\s+(?:second|third|sixth|seventh|2nd|3rd|6th|7th)"
_PROPOSED = r"maybe|perhaps|how\s+about|what\s+about|could\s+(?:there|we|it)\s+(?:be|have|get)"
_PACE_OR_TEXTURE = (r"fast\w*|slow\w*|quick\w*|tempo|bpm|speed\w*|pace|busy|busier|sparse\w*|"
                    r"notes?|dens\w+|thin\w*|full\w*|crowded|empty|drag\w*|rush\w*")
_BEATS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7"}
_LOOSE = ("key", "transpose_up", "transpose_down", "rewrite")
_SECTIONS = (("beginning", r"intro|beginning|start|opening|first\s+(?:part|bars)"),
             ("middle", r"middle|bridge|center|centre"),
             ("ending", r"outro|ending|end|coda|last\s+(?:part|bars|strain)|finale?"))


def _set(changes: Changes, kind: str) -> bool:
    """Whether the exact readers already gave `kind` a value (an intro or outro they added
    is the section the line means: "add an intro" rewrites nothing)."""
    if kind == "rewrite":
        return bool(changes.rewrite or changes.intro or changes.outro)
    return bool(changes.tonic or changes.transpose)


def _loose(kind: str, text: str) -> dict:
    """The value of a key, transposition or rewrite said loosely: "drop it to F", "pitch it
    down 3", "drop it an octave", "the outro's weak, rewrite it"."""
    from generation.request.key_edits import _STEPS

    if kind == "key":
        note = re.search(r"\b(?:to|in|into)\s+([a-g])(#|b|\s+flat|\s+sharp)?(?![\w'])", text)
        if note:
            accidental = {"#": "#", "b": "b", " flat": "b", " sharp": "#"}.get(
                (note.group(2) or "").replace("  ", " "), "")
            return {"tonic": note.group(1).upper() + accidental}
        return {}
    if kind == "rewrite":
        return next(({"rewrite": name} for name, words in _SECTIONS if has(words, text)), {})
    sign = 1 if kind == "transpose_up" else -1
    for pattern, semitones in _STEPS:
        if has(pattern, text):
            return {"transpose": sign * semitones}
    number = re.search(r"(?<![\d.])(1[0-2]|[1-9])(?![\d.%])", text)
    return {"transpose": sign * int(number.group(1))} if number else {}


def _on_top(changes: Changes, text: str) -> Changes:
    """An instrument added "for the melody" or "on the top line" also takes the melody."""
    if changes.add and not changes.lead and has(
            r"(?:for|on|takes?|taking|carr(?:y|ies|ying)|plays?|playing|have|has|having|gets?|"
            r"give\s+(?:it|her|him|them))\s+(?:the\s+)?(?:melody|tune|top\s*line|"
            r"lead|line|theme|head)|"
            r"topline|solo", text) and not has(r"under|below|behind|beneath|accompan\w*", text):
        return replace(changes, lead=changes.add[-1])
    return changes


def _instrument_kind(kind: str, changes: Changes, instruments: list[str], values: dict,
                     kept: tuple[str, ...] = ()) -> None:
    """The instruments of the line no exact reading placed (nor `kept`: "keep the strings"),
    added, removed or given the melody as the learned kind says."""
    placed = {*changes.add, *changes.remove, changes.lead, *changes.only,
              *(n for pair in changes.swap for n in pair), *(n for n, _ in changes.levels)}
    free = [n for n in instruments if n not in placed and n not in kept]
    if not free:
        return
    if kind == "lead" and not changes.lead:
        values["lead"] = free[0]
    elif kind == "add":
        values["add"] = tuple(dict.fromkeys([*changes.add, *free]))
    elif kind == "remove":
        values["remove"] = tuple(dict.fromkeys([*changes.remove, *free]))


def _readings(guess, text: str, instruments: list[str], line: str) -> list[tuple[str, Turn]]:
    """The likeliest readings of an unsure line, each a full turn, likeliest first."""
    out = []
    kinds = guess.named(0.25)[:3]
    if not kinds and guess.intent == "edit":  # an edit, surely, but of what: the likeliest
        kinds = [k for k in sorted(guess.kinds, key=lambda k: -guess.kinds[k])[:3]
                 if guess.kinds[k] >= 0.05]
    for kind in kinds:
        changes = _more(Changes(), _only(guess, kind), text, instruments, threshold=0.0)
        if changes:
            out.append((_said(kind, changes), Turn("edit", text=line, changes=changes)))
    return out


def _only(guess, kind: str):
    return replace(guess, kinds={k: (1.0 if k == kind else -1.0) for k in guess.kinds})


def _said(kind: str, changes: Changes) -> str:
    words = {"add": lambda c: f"add {', '.join(c.add)}", "remove": lambda c: f"drop the "
             f"{', '.join(c.remove)}", "lead": lambda c: f"melody on the {c.lead}",
             "tempo_set": lambda c: f"tempo {c.tempo_bpm} bpm",
             "length_set": lambda c: f"{c.duration_s:g} seconds long",
             "mood": lambda c: f"more {c.mood}", "style": lambda c: f"make it {c.style}"}
    return words.get(kind, lambda c: kind.replace("_", " "))(changes)


def _kept(text: str) -> tuple[str, ...]:
    """The instruments a line says to keep ("keep the strings but lose the drums") or takes
    back ("add a glockenspiel... no, make that celesta")."""
    from generation.request.instrument_edits import CORRECTION

    corrected = re.search(CORRECTION, text)
    return tuple(name for f in INSTRUMENT_LEXICON.find(text)
                 if re.search(r"(?:keep|keeping|leave|except|not|just|only)\s+"
                              r"(?:the\s+|all\s+the\s+)?$|"
                              r"there(?:'?s|\s+is|\s+are)\s+no\s+$",
                              text[max(0, f.start - 20):f.start])
                 or corrected and f.end <= corrected.start()
                 for name in INSTRUMENT_WORDS[f.phrase][0])


def _instruments(text: str) -> list[str]:
    return list(dict.fromkeys(name for f in INSTRUMENT_LEXICON.find(text)
                              for name in INSTRUMENT_WORDS[f.phrase][0]))


def _bare_instrument(text: str, instruments: list[str]) -> bool:
    """A line that is an instrument's name and nothing else ("trumpet", "choir!!!")."""
    if len(instruments) != 1 or re.match(r"\s*[+\-\u2212\u2013]\s*[^\W\d]", text):
        return False  # "+organ", "-drums": the sign says what to do
    rest = re.sub(r"[^\w\s]", " ", text)
    for find in INSTRUMENT_LEXICON.find(text):
        rest = rest.replace(find.phrase, " ")
    return not re.sub(r"\b(?:a|an|the|some|pls|please|maybe|perhaps|hmm|um|could|there|be|we|"
                      r"have|it|get)\b", " ", rest).strip()
