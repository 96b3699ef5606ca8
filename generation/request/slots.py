"""Exact reading of what a request states: tempo, meter, length and key.

Each reader takes the request as `Text` (accent-folded, case kept) and returns what it found
plus the character spans it used, so that later readers (instruments, moods) do not read the
same words again: "140 beats per minute" is a tempo, not a drum part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from generation.job import MAX_BPM, MAX_LENGTH_S, MIN_BPM
from generation.request.lexicon import ITALIAN_TEMPOS, NUMBER_WORDS, fold


@dataclass
class Text:
    """The request in two aligned forms (same length), and the spans already read."""

    cased: str
    low: str
    used: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> Text:
        cased = fold_cased(text)
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in cased)
        return cls(cased, low)

    def free(self, start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in self.used)

    def take(self, start: int, end: int) -> None:
        self.used.append((start, end))

    def blanked(self) -> str:
        """The lower-case text with every used span replaced by spaces."""
        chars = list(self.low)
        for a, b in self.used:
            chars[a:b] = " " * (b - a)
        return "".join(chars)


def fold_cased(text: str) -> str:
    """`fold` without lower-casing: accents and full-width forms removed, case kept."""
    if text.isascii():  # nothing to fold (most requests; a 1,000-character one in 1 ms less)
        return text
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        folded = fold(ch)
        if len(folded) != 1:
            out.append(ch)
        else:
            out.append(folded.upper() if ch.isupper() else folded)
    return "".join(out)


# ---------------------------------------------------------------- numbers
_NUMBER_WORDS = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
NUM = rf"(?:\d+(?:[.,]\d+)?|(?<![\w])(?:{_NUMBER_WORDS})(?![a-z]))"
_HALF = r"(?:\s*(?:and\s+a\s+half|et\s+demie?|y\s+media|einhalb|半))?"


def to_number(raw: str) -> float:
    raw = raw.strip().lower()
    if raw in NUMBER_WORDS:
        return float(NUMBER_WORDS[raw])
    return float(raw.replace(",", "."))


# ---------------------------------------------------------------- tempo
_FEEL_WORDS = [  # (pattern, bpm): everyday tempo words, most specific first
    (r"(?:very|super|really|extremely|insanely|blazing(?:ly)?)\s+fast|breakneck|"
     r"tres\s+rapide|muy\s+rapid[oa]|sehr\s+schnell|很快|非常快|极快", 176),
    (r"(?:very|super|really|extremely)\s+slow|tres\s+lent[e]?|muy\s+lent[oa]|sehr\s+langsam|"
     r"很慢|非常慢", 52),
    (r"mid[\s-]?tempo|medium\s+tempo|moderate\s+tempo|medium\s+speed|moderate\s+speed|"
     r"中速|中等速度", 100),
    (r"fast|fast[\s-]paced|up[\s-]?tempo|vite|speedy|rapide|rapid[oa]|schnell|schnelle[sn]?|快节奏|快速|"
     r"(?<![愉欢])快(?![乐活])",
     144),
    (r"slow|slowly|slow[\s-]paced|lent|lente|lentement|despacio|langsam|langsame[sn]?|慢节奏|缓慢|慢",
     66),
]
_BPM = (r"(?:bpms?|b\.p\.m\.?|beats?\s*(?:per|a|/|each)\s*min(?:ute)?|"
        r"(?:battements|pulsaciones|pulsos|golpes|tiempos|schlage|schlagen)\s+"
        r"(?:par|por|pro|a\s+la)\s+minut[oe]n?|拍每分钟|拍/分钟?)")


@dataclass(frozen=True)
class Tempo:
    bpm: int
    notes: tuple[str, ...] = ()


def clamp_tempo(bpm: float) -> Tempo:
    """A tempo inside MIN_BPM–MAX_BPM, with a note when the asked value was outside."""
    shown = f"{bpm:g}"
    if bpm > MAX_BPM:
        return Tempo(MAX_BPM, (f"tempo {shown} bpm is above {MAX_BPM}; using {MAX_BPM}",))
    if bpm < MIN_BPM:
        return Tempo(MIN_BPM, (f"tempo {shown} bpm is below {MIN_BPM}; using {MIN_BPM}",))
    return Tempo(int(round(bpm)))


# A number standing alone that can only be a tempo ("pop song happy 110", "faster, 140"):
# 40-240, no unit after it (seconds, bars, %, "80s"), no slash or version mark around it.
_BARE_BPM = (r"(?<![\w./#:-])(?P<n>(?:[4-9]\d|1\d\d|2[0-4]\d))(?![\w.,:/%°]\w|[\w/%°])"
             r"(?!\s*(?:%|s\b|secs?\b|seconds?|mins?\b|minutes?|bars?|measures?|x\b|times|"
             r"years?|people|notes|percent|segundos|sekunden|秒|分|小节))")


def read_tempo(text: Text, bare: bool = False) -> Tempo | None:
    """A stated tempo: numbers with bpm, `tempo: 90`, Italian terms, slow/fast words; with
    `bare`, also a number that stands alone (a request, or an edit that names the tempo:
    "techno 135 dark", "faster, 140"), which wins over a slow or fast word."""
    low = text.low
    numeric = [
        rf"(?P<a>\d{{1,4}}(?:\.\d+)?)\s*(?:-|–|to|bis|a)\s*(?P<b>\d{{1,4}})\s*{_BPM}",
        rf"(?P<n>\d{{1,4}}(?:\.\d+)?)\s*-?\s*{_BPM}(?![a-z])",
        r"(?:bpm|tempo|speed|速度|vitesse|velocidad)\s*(?:(?:of|at|de|von|是|为|is|around|"
        r"about|roughly|approx\.?|approximately|~)\s*)*[:=]?\s*"
        r"(?P<n>\d{2,4}(?:\.\d+)?)(?!\s*/|\d|\s*(?:bars|seconds|s\b|min))",
        r"\b(?:at|@)\s*(?:around\s+|about\s+|~\s*)?(?P<n>\d{2,3})(?![\d.,:/%°]|\s*(?:%|s\b|"
        r"sec|min|bar|measure|year|km|mph|degree|am\b|pm\b|o'?clock|percent|x\b|times))",
        r"每分钟\s*(?P<n>\d{1,4})\s*拍",
        r"(?:♩|q|quarter(?:\s+note)?|crotchet)\s*=\s*(?P<n>\d{1,4})",
    ] + ([_BARE_BPM] if bare else [])
    for pattern in numeric:
        for match in re.finditer(pattern, low):
            if not text.free(*match.span()):
                continue
            text.take(*match.span())
            if match.groupdict().get("a"):
                a, b = float(match.group("a")), float(match.group("b"))
                tempo = clamp_tempo((a + b) / 2)
                note = f"you gave a range of {a:g}–{b:g} bpm; using {tempo.bpm}"
                return Tempo(tempo.bpm, (note, *tempo.notes))
            return clamp_tempo(float(match.group("n")))
    italian = "|".join(sorted(ITALIAN_TEMPOS, key=len, reverse=True))
    for match in re.finditer(rf"(?<![a-z])({italian})(?![a-z])", low):
        if text.free(*match.span()):
            text.take(*match.span())
            return Tempo(ITALIAN_TEMPOS[match.group(1)])
    for pattern, bpm in _FEEL_WORDS:
        for match in re.finditer(rf"(?<![a-z])(?:{pattern})(?![a-z])", low):
            before = low[max(0, match.start() - 12):match.start()]
            if re.search(r"(?:not|n't|no|too|nicht|pas|不)\s*(?:too|so|very)?\s*$", before):
                continue
            if text.free(*match.span()):
                text.take(*match.span())
                return Tempo(bpm)
    return None


# ---------------------------------------------------------------- meter
_FORM_METERS = [  # (pattern, meter): form words that imply a meter
    (r"slip[\s-]?jig", "9/8"),
    (r"waltz(?:es)?|valse|vals|walzer|华尔兹|圆舞曲|minuet|menuet|minueto|menuett|mazurka|"
     r"landler|polonaise|sarabande|bolero", "3/4"),
    (r"jigs?|gigue|giga|tarantella|tarantelle|barcarolle|siciliana?|船歌", "6/8"),
    (r"marche?s?|marcha|marsch|进行曲|polka", "2/4"),
]
_SPOKEN_METERS = [  # the metre's names first: compound beats are dotted (6/8, 9/8, 12/8)
    (r"compound\s+duple|compound\s+(?:time|meter|metre)", "6/8"),
    (r"compound\s+triple", "9/8"), (r"compound\s+quadruple", "12/8"),
    (r"simple\s+duple|duple\s+(?:time|meter|metre)", "2/4"),
    (r"simple\s+triple", "3/4"), (r"simple\s+quadruple|quadruple\s+(?:time|meter|metre)", "4/4"),
    (r"(?:three|3)[\s-](?:four|4)\s+time|in\s+(?:three|3)(?![\w/])|triple\s+(?:time|meter)|"
     r"dreivierteltakt|三拍子|3拍子", "3/4"),
    (r"(?:six|6)[\s-](?:eight|8)\s+time", "6/8"),
    (r"(?:four|4)[\s-](?:four|4)\s+time|common\s+time|四四拍|4拍子|viervierteltakt", "4/4"),
    (r"(?:two|2)[\s-](?:four|4)\s+time", "2/4"),
    (r"cut\s+time|alla\s+breve", "2/2"),
]


def read_meter(text: Text) -> tuple[str, str] | None:
    """A stated meter `N/D` and how it was given ("written" or the form word)."""
    for match in re.finditer(r"(?<![\d/.:])(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])", text.low):
        beats, unit = int(match.group(1)), int(match.group(2))
        if 2 <= beats <= 15 and unit in (2, 4, 8, 16) and text.free(*match.span()):
            text.take(*match.span())
            return f"{beats}/{unit}", "written"
    for pattern, meter in _SPOKEN_METERS:
        for match in re.finditer(rf"(?<![a-z])(?:{pattern})(?![a-z])", text.low):
            if text.free(*match.span()):
                text.take(*match.span())
                return meter, "written"
    for pattern, meter in _FORM_METERS:
        for match in re.finditer(rf"(?<![a-z])(?:{pattern})(?![a-z])", text.low):
            if not _is_the_month(text, match) and not re.match(  # "a tango cadence"
                    r"\s+(?:cadences?|close)\b", text.low[match.end():]):
                return meter, match.group(0)
    return None


def _is_the_month(text: Text, match: re.Match[str]) -> bool:
    """'in March', 'March 3rd', 'march madness': the month, not a march."""
    if not match.group(0).startswith("march"):
        return False
    before, after = text.low[:match.start()], text.low[match.end():]
    return bool(re.search(r"(?:\bin|\bof|since|until|early|late|mid|next|last|this)\s+$", before)
                and text.cased[match.start()] == "M"
                or re.match(r"\s*(?:\d|madness)", after))


# ---------------------------------------------------------------- length
_SECONDS = r"(?:seconds?|secs?|segundos?|secondes?|sekunden?|sek|秒钟?)"
_MINUTES = r"(?:minutes?|mins?|minutos?|minuten?|分钟|分)"
_HOURS = r"(?:hours?|hrs?|heures?|horas?|stunden?|stunde|小时)"
_BARS = r"(?:bars?|measures?|mesures?|compases|compas|takte|takten|takt|小节)"
_DECADE_AFTER = (r"\s*(?:music|pop|rock|vibes?|style|synth|disco|funk|jazz|hip|sound|tv|"
                 r"cartoon|movie|film|anime|video|arcade|retro|kid|r&b|soul|new|power|game|"
                 r"sitcom|prom|dance|era|aesthetic|nostalgia)")


@dataclass(frozen=True)
class Length:
    seconds: float | None
    bars: int | None
    said: str


def read_length(text: Text) -> Length | None:
    """A stated length: `1:30`, `2 minutes`, `45s`, `a minute and a half`, `16 bars` ..."""
    low = text.low
    clock = re.search(r"(?<![\d:/])(\d{1,2})(?::|m\s*)([0-5]\d)(?:s(?![a-z]))?(?![\d:])", low)
    if clock and text.free(*clock.span()):
        text.take(*clock.span())
        return Length(int(clock.group(1)) * 60 + int(clock.group(2)), None, clock.group(0))
    minutes_seconds = re.search(
        rf"({NUM}){_HALF}\s*-?\s*{_MINUTES}(?![a-z])\s*(?:and\s+|et\s+|y\s+|und\s+)?"
        rf"(?:(\d{{1,2}})\s*{_SECONDS}?(?![a-z\d]))?", low)
    bars = re.search(rf"({NUM})\s*-?\s*{_BARS}(?![a-z])", low)
    hours = re.search(rf"({NUM}){_HALF}\s*-?\s*{_HOURS}(?![a-z])", low)
    if hours and text.free(*hours.span()):
        text.take(*hours.span())
        return Length(to_number(hours.group(1)) * 3600, None, hours.group(0).strip())
    half_unit = re.search(rf"(?:a|one|an)\s+{_MINUTES}\s+and\s+a\s+half", low)
    if half_unit and text.free(*half_unit.span()):
        text.take(*half_unit.span())
        return Length(90.0, None, half_unit.group(0))
    if minutes_seconds and text.free(*minutes_seconds.span()):
        said = minutes_seconds.group(0).strip()
        value = to_number(minutes_seconds.group(1)) * 60
        if re.search(r"and\s+a\s+half|et\s+demie?|y\s+media|einhalb|半", said):
            value += 30
        if minutes_seconds.group(2):
            value += float(minutes_seconds.group(2))
        text.take(*minutes_seconds.span())
        return Length(value, None, said)
    for seconds in re.finditer(rf"({NUM})\s*-?\s*{_SECONDS}(?![a-z])|"
                               rf"(\d+(?:[.,]\d+)?)\s*s(?![a-z])", low):
        raw = seconds.group(0)
        decade = re.fullmatch(r"[1-9]0\s*s", raw) and (
            re.match(_DECADE_AFTER, low[seconds.end():])
            or re.search(r"(?:the|early|late|mid|'|’)\s*$", low[:seconds.start()]))
        drum_machine = re.fullmatch(r"(?:808|909)\s*s", raw)  # "808s" are drums
        too_many = seconds.group(2) is not None and to_number(seconds.group(2)) > MAX_LENGTH_S
        if not (decade or drum_machine or too_many) and text.free(*seconds.span()):
            text.take(*seconds.span())
            return Length(to_number(seconds.group(1) or seconds.group(2)), None, raw.strip())
    plain = re.search(r"(?:length|duration)\s*[:=]?\s*(\d{1,4})"
                      r"(?!\s*[\d.,:/a-z\u4e00-\u9fff])", low)
    if plain and text.free(*plain.span()):  # "length: 60", seconds when no unit is given
        text.take(*plain.span())
        return Length(float(plain.group(1)), None, f"{plain.group(1)} seconds")
    if bars and text.free(*bars.span()):
        text.take(*bars.span())
        return Length(None, int(to_number(bars.group(1))), bars.group(0).strip())
    return None
