"""Which tempo an edit names: a number ("push it up to 132", "speed it up to 90": the number
wins over the direction), a step in bpm ("10 bpm slower", "add 15 bpm"), or a factor ("a tad
faster", "way, way slower", "half the tempo"). Part of `request/changes.py`; read on folded
text in five languages.
"""

from __future__ import annotations

import re

from generation.job import LITTLE, LOT, MAX_BPM, MIN_BPM, NORMAL
from generation.request.amounts import amount_near, has
from generation.request.slots import Text, read_tempo

FASTER = (r"faster|quicker|speed\s+(?:it\s+)?up|more\s+tempo|up\s+the\s+(?:tempo|pace|speed|bpm)|"
           r"pick\s+up\s+the\s+(?:pace|tempo|speed)|(?:tempo|speed|pace|bpm)\s+up|"
           r"less\s+slow(?:ly)?|"
           r"push\s+(?:it|the\s+tempo|things)\s+(?:along|on)|more\s+(?:fast|quick|pace|speed)|fast(?:\W+fast)+|quick(?:\W+quick)+|"
           r"piu\s+(?:veloce|presto|mosso|rapido|svelto|vivace)|"
           r"plus\s+(?:vite|rapide)|accelere[rz]?|mas\s+(?:rapido|rapida|deprisa)|"
           r"acelera(?:r|lo)?|schneller|更快|快一点点|快一点|快点|加快|快些")
SLOWER = (r"slower|slow\s+(?:it\s+)?down|less\s+fast|more\s+slow(?:ly)?|plus\s+lente?|"
           r"(?:tempo|speed|pace|bpm)\s+down|ease\s+off\s+(?:on\s+)?the\s+(?:tempo|pace|speed)|"
           r"less\s+rushed|less\s+(?:pace|speed)|slow(?:\W+slow)+|"
           r"ease\s+(?:the\s+)?(?:tempo|pace|speed)\s+(?:back|down|off)|"
           r"piu\s+(?:lento|lenta|adagio|piano\s+il\s+tempo)|meno\s+(?:veloce|mosso|presto)|"
           r"moins\s+vite|"
           r"ralenti[rs]?|mas\s+(?:lento|lenta|despacio)|langsamer|更慢|慢一点点|慢一点|慢点|"
           r"放慢|慢些|慢很多|慢得多")
_DOUBLE_TEMPO = (r"twice\s+as\s+fast|double\s+(?:the\s+)?(?:tempo|speed)|double[\s-]time|"
                 r"deux\s+fois\s+plus\s+(?:vite|rapide)|(?:el\s+)?doble\s+de\s+(?:rapido|"
                 r"velocidad|tempo)|doppelt\s+so\s+schnell|快一倍")
_HALF_TEMPO = (r"half\s+(?:the\s+)?(?:tempo|speed)|half\s+as\s+fast|half[\s-]time|"
               r"half[\s-]speed|deux\s+fois\s+moins\s+vite|moitie\s+(?:du\s+)?tempo|"
               r"(?:la\s+)?mitad\s+de\s+(?:rapido|velocidad|tempo)|halb\s+so\s+schnell|"
               r"halbes\s+tempo|慢一倍|一半的速度|速度减半|半速")

_TEMPO_VERB = (r"faster|slower|slow|fast|quick|speed|tempo|push|bump|crank|drop|bring|take|set|"
               r"kick|nudge|"
               r"up|down|bpm|accelere|ralenti|acelera|sube|baja|schneller|langsamer|速度")
_TO_NUMBER = (r"(?:to|at|@|a|auf|zu|en|hasta|jusqu'a|到|至|make(?:\s+it)?)\s*"
              r"(?:like\s+|about\s+|around\s+|~\s*)?(\d{2,3})(?:\s*(?:bpm|b\.p\.m|beats))?(?![\d%.:/]|\s*(?:s\b|sec|min|bars?|"
              r"seconds?|%))")


_STEP_DOWN = r"slow\w*|down|lower\w*|drop\w*|decrease\w*|reduce\w*|less|minus"
_STEP = re.compile(  # "10 bpm faster", "down by 15 bpm", "speed it up by 12", "+8 bpm"
    r"(?P<number>\d{1,3})\s*(?:bpm|b\.p\.m|beats(?:\s+(?:per|a)\s+minute)?)\s*"
    r"(?P<after>faster|quicker|slower|up|down|higher|lower|more|less)\b"
    r"|(?P<verb>faster|quicker|slower|up|down|raise\w*|lower\w*|drop\w*|increase\w*|"
    r"decrease\w*|reduce\w*|bump\w*|push\w*|speed\w*|slow\w*|tempo)\b[^.,;!?]{0,24}?\bby\s+"
    r"(?:about\s+|around\s+|like\s+)?(?P<by>\d{1,3})(?!\s*(?:%|s\b|sec|min|bars?|semi))"
    r"|(?P<sign>[+-])\s?(?P<signed>\d{1,3})\s*bpm")


# bpm added or taken off: "add 15 bpm", "take 20 bpm off", "knock off 10 bpm"
_STEP_ADDED = re.compile(r"\b(?:add|plus|another)\s+(?P<up>\d{1,3})\s*(?:bpm|beats)\b"
                         r"|\b(?:take|knock|shave|cut)\s+(?:off\s+)?(?P<down>\d{1,3})\s*"
                         r"(?:bpm|beats)\b(?:\s+off)?|\b(?P<off>\d{1,3})\s*bpm\s+off\b")


def _tempo_step(text: str) -> int:
    """bpm said as a step from the tempo ("10 bpm slower", "speed it up by 12"): 0 if none."""
    if added := _STEP_ADDED.search(text):
        return int(added.group("up")) if added.group("up") else \
            -int(added.group("down") or added.group("off"))
    found = _STEP.search(text)
    if found is None:
        return 0
    if found.group("signed"):
        return int(found.group("signed")) * (-1 if found.group("sign") == "-" else 1)
    if found.group("by") and (not re.search(r"tempo|speed|pace|fast|slow|quick|bpm|beats",
                                             text) or re.search(r"semi|step|tone|key|octave",
                                                                 text)):
        return 0  # "up by 2" with no word of tempo is a key move (or not a tempo)
    number = int(found.group("number") or found.group("by"))
    word = found.group("after") or found.group("verb")
    # "slow it down by 10", "bump it down by 10": the direction may follow the verb
    said = word + " " + text[found.start():found.end()]
    down = re.search(rf"\b(?:{_STEP_DOWN}|slower)\b", said) and not re.search(
        r"\b(?:speed\w*|bump\w*|push\w*|raise\w*|increase\w*)\s+(?:it\s+|things\s+)?up\b",
        said)
    return -number if down else number


# a complaint asks for the other way ("too slow", "it drags"), unless a comparative is said
# ("slower, dragging") or a section is what drags ("the middle drags, new idea")
_TOO_SLOW = r"too\s+(?:slow|sluggish|draggy)|dragging|drags"
_TOO_FAST = r"too\s+(?:fast|quick|rushed|hurried|frantic)|rushing|rushed"


def read_tempo_edits(text: str, slots: Text) -> dict:
    """The tempo a line asks for: a number, a step in bpm, a factor or a multiple's."""
    if (factor := _times(text) or _percent(text)) is not None:
        return {"tempo_factor": factor}
    step = _tempo_step(text)
    if step:
        return {"tempo_step": step}
    target = re.search(_TO_NUMBER, text)
    if target and has(_TEMPO_VERB, text[:target.start()]) and not has(r"semi\w*|step|tone|"
                                                                      r"key|bar\w*", text):
        return {"tempo_bpm": int(min(MAX_BPM, max(MIN_BPM, int(target.group(1)))))}
    percent = re.search(r"(\d{1,3})\s*%\s*(faster|quicker|slower)", text)
    if percent:  # "20 % faster"
        share = int(percent.group(1)) / 100
        return {"tempo_factor": round(1 + share if percent.group(2) != "slower"
                                      else max(0.25, 1 - share), 4)}
    if has(rf"{FASTER}|{SLOWER}|{_TOO_SLOW}|{_TOO_FAST}|tempo|bpm|speed|accelerate|pace", text):
        said = read_tempo(Text(slots.cased, slots.low, list(slots.used)), bare=True)
        offset = re.search(r"\d\s*(?:bpm|beats)?\s*(?:faster|slower|quicker)", text)
        if said is not None and not offset and re.search(r"\d{2}", text):  # "faster, 140"
            return {"tempo_bpm": said.bpm}
    if has(_DOUBLE_TEMPO, text) or has(FASTER, text) and has(_DOUBLE, text):
        return {"tempo_factor": 2.0}  # "faster, double"
    if has(_HALF_TEMPO, text) or has(SLOWER, text) and has(_HALF, text):
        return {"tempo_factor": 0.5}
    if has(_TEMPO_NAMED, text) and (verb := has(_INCREASE + "|" + _DECREASE, text)):
        factor = {LITTLE: 1.07, NORMAL: 1.15, LOT: 1.35}[amount_near(text, *verb.span())]
        return {"tempo_factor": factor if has(_INCREASE, verb.group(0)) else round(1 / factor, 4)}
    complaints = () if has(r"intro|outro|ending|middle|bridge|verse|chorus|part", text) else (
        (_TOO_SLOW, 1.15), (_TOO_FAST, 1 / 1.15))
    for pattern, step in ((FASTER, 1.15), (SLOWER, 1 / 1.15), *complaints):
        match = has(pattern, text)
        if match:
            amount = _strongest(pattern, text)  # "faster, like way faster"
            factor = {LITTLE: 1.07, NORMAL: 1.15, LOT: 1.35}[amount]
            return {"tempo_factor": factor if step > 1 else round(1 / factor, 4)}
    if re.search(r"\d|bpm|tempo|lento|adagio|andante|moderato|allegr|presto|vivace|largo",
                 re.sub(r"(?:de|mas|muy|tan|doble)\s+larg[oa]", " ", text)):
        tempo = read_tempo(slots)
        if tempo is not None:
            return {"tempo_bpm": tempo.bpm}
    return {}


def _strongest(pattern: str, text: str) -> float:
    """The amount said beside the strongest of `pattern`'s words: "slower, way slower"; a
    word said twice is a lot ("faster faster", "more more fast", "fast fast")."""
    found = list(re.finditer(rf"(?<![a-z])(?:{pattern})(?![a-z])", text))
    if re.search(r"(?<![a-z])more\W+more(?![a-z])|(?<![a-z])(fast|quick|slow)\W+\1(?![a-z])",
                 text) or len(found) >= 2 and not re.search(r"[a-z]{2}", text[
                     found[0].end():found[1].start()]):
        return LOT
    amounts = [amount_near(text, *m.span()) for m in found]
    return LOT if LOT in amounts else amounts[0]


_DOUBLE = r"double|twice|x\s*2|2\s*x"
_HALF = r"half|halve|x\s*0?\.5|0?\.5\s*x"
_TEMPO_NAMED = r"tempo|speed|pace|bpm"
_INCREASE = r"increase\w*|raise|up"
_DECREASE = r"decrease\w*|reduce\w*|lower|down"
_TIMES = re.compile(r"(?<![\w.])(?:x|×)\s*(\d(?:\.\d+)?|\.\d+)\s*(?:the\s+)?(?:tempo|speed|bpm)|"
                    r"(?:tempo|speed|bpm)\s*(?:x|×|\*)\s*(\d(?:\.\d+)?|\.\d+)(?![\d.])|"
                    r"(?<![\w.])(\d(?:\.\d+)?|\.\d+)\s*(?:x|×)\s*(?:the\s+)?(?:tempo|speed)")
_PERCENT = re.compile(r"(\d{1,3}|five|ten|fifteen|twenty|twenty[\s-]five|thirty|forty|fifty)"
                      r"\s*(?:%|percent|per\s*cent|pct)")
_PERCENT_WORDS = {"five": 5, "ten": 10, "fifteen": 15, "twenty": 20, "thirty": 30,
                  "forty": 40, "fifty": 50}


def _times(text: str) -> float | None:
    """A multiple of the tempo written as one: "x0.5 tempo", "tempo x2", "1.5x speed"."""
    found = _TIMES.search(text)
    if found is None:
        return None
    factor = float(next(g for g in found.groups() if g))
    return factor if 0.25 <= factor <= 4 else None


def _percent(text: str) -> float | None:
    """A share of the tempo: "20 percent more fast", "up by about ten percent", "10% slower"
    (a length, a level or the texture said beside it is what the share is of)."""
    found = _PERCENT.search(text)
    if found is None or has(r"long\w*|short\w*|length|loud\w*|quiet\w*|volume|soft\w*|"
                            r"busy|busier|dens\w*|spars\w*|notes?|louder", text):
        return None
    said = re.sub(r"[\s-]+", " ", found.group(1))
    share = (int(said) if said.isdigit() else 25 if said == "twenty five"
             else _PERCENT_WORDS[said]) / 100
    if has(SLOWER + "|" + _DECREASE + r"|less|drop\w*|minus", text):
        return round(max(0.25, 1 - share), 4)
    if has(FASTER + "|" + _INCREASE + r"|more|plus|faster|quicker", text):
        return round(1 + share, 4)
    return None
