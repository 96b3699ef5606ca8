"""Exact reading of what a request states: tempo, meter, length and key.

Each reader takes the request as `Text` (accent-folded, case kept) and returns what it found
plus the character spans it used, so that later readers (instruments, moods) do not read the
same words again: "140 beats per minute" is a tempo, not a drum part.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from generation.job import MAX_BPM, MIN_BPM
from generation.request.lexicon import ITALIAN_TEMPOS, NUMBER_WORDS, fold

MIN_LENGTH_S, MAX_LENGTH_S = 5.0, 300.0


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


def read_tempo(text: Text) -> Tempo | None:
    """A stated tempo: numbers with bpm, `tempo: 90`, Italian terms, slow/fast words."""
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
    ]
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
_SPOKEN_METERS = [
    (r"(?:three|3)[\s-](?:four|4)\s+time|in\s+(?:three|3)(?![\w/])|triple\s+(?:time|meter)|"
     r"dreivierteltakt|三拍子|3拍子", "3/4"),
    (r"(?:six|6)[\s-](?:eight|8)\s+time|compound\s+(?:duple\s+)?(?:time|meter)", "6/8"),
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
            if not _is_the_month(text, match):
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
        too_many = seconds.group(2) is not None and to_number(seconds.group(2)) > 600
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


# ---------------------------------------------------------------- key
_MODE_WORDS = {
    "major": "major", "maj": "major", "majeur": "major", "mayor": "major", "dur": "major",
    "maggiore": "major", "ionian": "major", "大调": "major", "调": "major", "大調": "major",
    "調": "major", "小調": "minor",
    "minor": "minor", "min": "minor", "mineur": "minor", "menor": "minor", "moll": "minor",
    "minore": "minor", "aeolian": "minor", "小调": "minor", "m": "minor",
    "harmonic minor": "minor", "melodic minor": "minor", "natural minor": "minor",
    "dorian": "dorian", "phrygian": "phrygian", "lydian": "lydian",
    "mixolydian": "mixolydian", "locrian": "locrian",
}
_MODE = (r"(?:harmonic\s+minor|melodic\s+minor|natural\s+minor|mixolydian|major|minor|"
         r"majeur|mineur|mayor|menor|maggiore|minore|maj|min|ionian|dorian|phrygian|lydian|"
         r"aeolian|locrian)")
_ACC = r"(?:\s*-?\s*(?:sharp|flat)|\s+(?:diese|bemol|sostenido|bemolle|diesis)|#|♯|b|♭)"
_SOLFEGE = {"do": "C", "re": "D", "mi": "E", "fa": "F", "sol": "G", "la": "A", "si": "B"}
_ENHARMONIC = {"E#": "F", "B#": "C", "Fb": "E", "Cb": "B"}


@dataclass(frozen=True)
class Key:
    """A read key (`tonic` None when only the mode was said), and any notes about it."""

    tonic: str | None
    mode: str
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.tonic} {self.mode}"


def _accidental(raw: str | None) -> str:
    raw = (raw or "").strip().lower().lstrip("-").strip()
    if raw in ("#", "♯", "sharp", "diese", "sostenido", "diesis"):
        return "#"
    if raw in ("b", "♭", "flat", "bemol", "bemolle"):
        return "b"
    return ""


def _mode(raw: str | None) -> str:
    raw = re.sub(r"\s+", " ", (raw or "major").strip().lower())
    return _MODE_WORDS.get(raw, "major")


def _key(letter: str, accidental: str, mode: str) -> Key:
    tonic = letter.upper() + accidental
    if tonic in _ENHARMONIC:
        plain = _ENHARMONIC[tonic]
        return Key(plain, mode, (f"{tonic} is the same note as {plain}; using {plain} {mode}",))
    return Key(tonic, mode)


def _german(match: re.Match[str]) -> Key:
    letter, suffix = match.group("t"), (match.group("de") or "").lower()
    mode = "minor" if match.group("mode").lower() == "moll" else "major"
    if letter.lower() == "h":
        return Key("B", mode)
    if letter.lower() == "b" and not suffix:
        return Key("Bb", mode)
    return _key(letter, "#" if suffix == "is" else "b" if suffix in ("es", "s") else "", mode)


def read_key(text: Text) -> Key | None:
    """A stated key in any of the ways people write one; None when there is none."""
    cased, low = text.cased, text.low
    # readings by how plainly they state a key: with a mode word or "key of"; "in E" alone;
    # chord symbols and bare note names ("Gm", "Bb", "Fmaj7"), which also name chords
    tiers: tuple[list[tuple[int, int, Key]], ...] = ([], [], [])

    def add(match: re.Match[str], key: Key, tier: int = 0) -> None:
        if text.free(*match.span()):
            tiers[tier].append((match.start(), match.end(), key))

    for m in re.finditer(r"(?P<pre>升|降)?(?P<t>[A-Ga-g])(?P<acc>#|♯|b|♭)?\s*"
                         r"(?P<mode>大调|小调|调|大調|小調|調)", cased):
        acc = {"升": "#", "降": "b"}.get(m.group("pre") or "", _accidental(m.group("acc")))
        add(m, _key(m.group("t"), acc, _mode(m.group("mode"))))
    for m in re.finditer(r"(?<![\w#])(?P<t>[A-Ha-h])(?P<de>is|es|s)?\s*[-\s]\s*"
                         r"(?P<mode>[Dd]ur|[Mm]oll)(?![a-z])", cased):
        if m.group("de") != "s" or m.group("t").lower() in "ae":
            add(m, _german(m))
    for m in re.finditer(rf"(?<![a-z])(?P<sol>do|re|mi|fa|sol|la|si)(?P<acc>{_ACC})?\s+"
                         rf"(?P<mode>majeur|mineur|mayor|menor|maggiore|minore)(?![a-z])", low):
        add(m, _key(_SOLFEGE[m.group("sol")], _accidental(m.group("acc")), _mode(m.group("mode"))))
    # "en mi", "en ré bémol": a solfège tonic alone; "la" and "si" only with an accidental or
    # at the end of a phrase ("en la noche" is "in the night")
    for m in re.finditer(rf"(?<![a-z])(?:en|in|tonalite de|tonalidad de)\s+"
                         rf"(?P<sol>do|re|mi|fa|sol|la|si)(?P<acc>{_ACC})?(?![a-z])", low):
        if m.group("sol") in ("la", "si") and not m.group("acc") and not re.match(
                r"\s*(?:[,.;!?)]|$)", low[m.end():]):
            continue
        add(m, _key(_SOLFEGE[m.group("sol")], _accidental(m.group("acc")), "major"), 1)
    for m in re.finditer(rf"(?<![\w#♯♭'’])(?P<t>[A-Ga-g])(?P<acc>{_ACC})?\s*-?\s*"
                         rf"(?P<mode>(?i:{_MODE}))(?![a-zA-Z])", cased):
        if re.match(r"\s*(?:key|keys|tonality|scale|mode|chords?)\b", low[m.end():]) and \
                m.group("t") in "aA" and not m.group("acc"):
            continue  # "a minor key": the mode of some key, not A minor
        if m.group("t") == "a" and not m.group("acc") and not re.search(
                r"(?:\bin|\bof|\bkey|:)\s*$", low[:m.start()]):
            continue  # "a major hit", "a minor change": the article
        add(m, _key(m.group("t"), _accidental(m.group("acc")), _mode(m.group("mode"))),
            2 if re.match(r"\d", cased[m.end():]) else 0)  # "Fmaj7", "Cmin9": chords
    for m in re.finditer(r"(?<![\w#♯♭])(?P<t>[A-G])(?P<acc>#|♯|b|♭)?(?P<q>maj7|maj9|maj13|maj|"
                         r"M7|min7|min9|min|m7b5|m7|m9|m11|madd9|m|add9|sus2|sus4|7|9)"
                         r"(?![a-zA-Z0-9])", cased):
        if m.group("q") == "m" and re.match(r"\s+(?:i|I)\b", cased[m.end():]):
            continue  # "Am I ...": the verb
        minor = m.group("q").startswith("m") and not m.group("q").startswith(("maj", "M"))
        add(m, _key(m.group("t"), _accidental(m.group("acc")), "minor" if minor else "major"), 2)
    for m in re.finditer(rf"(?:\bin\s+the\s+key\s+of|\bkey\s+of|\bkey\s*[:=]|\btonality\s+of|"
                         rf"\btonalite\s+de|\btonalidad\s+de|\btonart)\s*(?P<t>[A-Ga-g])"
                         rf"(?P<acc>{_ACC})?(?:\s*-?\s*(?P<mode>{_MODE}))?(?![\w#♯♭])", cased,
                         flags=re.IGNORECASE):
        add(m, _key(m.group("t"), _accidental(m.group("acc")), _mode(m.group("mode"))))
    for m in re.finditer(rf"\b(?i:in|en|im)\s+(?P<t>[A-G])(?P<acc>{_ACC})?(?![\w#♯♭'’])"
                         rf"(?!\s*-?\s*(?i:{_MODE}|key|keys)\b)", cased):
        add(m, _key(m.group("t"), _accidental(m.group("acc")), "major"), 1)
    for m in re.finditer(r"\b(?i:in)\s+(?P<t>[bcdfg])(?=\s*(?:$|[,;!?)]|\.(?:\s|$)))", cased):
        add(m, _key(m.group("t"), "", "major"), 1)  # "in c," but never "in a" or "in e.g."
    for m in re.finditer(r"(?<![\w#♯♭])(?P<t>[A-G])(?P<acc>#|♯|b|♭|[\s-](?:flat|sharp))"
                         r"(?![\w#♯♭])|"
                         r"\b(?i:in)\s+(?P<t2>[a-g])(?P<acc2>#|♯|b|♭)(?![\w#♯♭])", cased):
        add(m, _key(m.group("t") or m.group("t2"),
                    _accidental(m.group("acc") or m.group("acc2")), "major"),
            2 if m.group("t") else 1)
    # A key said as a key ("in G minor") wins over "in C" and chord symbols said before it
    # ("the chords move in C, G and Am", "Bb, C and Gm").
    found = next((tier for tier in tiers if tier), [])
    if found:
        # The first key said wins; of readings that overlap it, the longest ("F sharp minor"
        # over "in F").
        first = min(found, key=lambda item: item[0])
        start, end, key = max((f for f in found if f[0] < first[1]), key=lambda f: f[1] - f[0])
        text.take(start, end)
        return key
    for m in re.finditer(rf"(?<![\w#])(?P<t>[H-Z])(?P<acc>#|♯|b|♭)?\s*-?\s*"
                         rf"(?P<mode>(?i:{_MODE}))(?![a-zA-Z])|(?<![\w#])(?P<t2>[h-z])"
                         rf"(?P<acc2>#|♯|♭)\s*-?\s*(?P<mode2>(?i:{_MODE}))(?![a-zA-Z])", cased):
        said = m.group(0).strip()
        mode = _mode(m.group("mode") or m.group("mode2"))
        text.take(*m.span())
        if m.group("t") == "H" and not m.group("acc"):
            return Key("B", mode, (f"read {said} as B {mode} (H is the German name for B)",))
        return Key(None, mode, (f"{said!r} is not a key I know (keys go from A to G)",))
    for m in re.finditer(r"(?:\b(?:in|en|im)\s+)?(?P<mode>major|minor|moll|dur|mineur|majeur|"
                         r"menor|mayor|dorian|phrygian|lydian|mixolydian|locrian)(?:[\s-]+"
                         r"(?:key|keys|tonality|scale|mode|chords?))?(?![a-z])|(?P<zh>小调|大调)",
                         low):
        said = m.group(0)
        if not re.search(r"\b(?:in|en|im)\b|key|tonality|scale|mode|chord|调", said):
            continue
        text.take(*m.span())
        return Key(None, _mode(m.group("mode") or m.group("zh")))
    return None
