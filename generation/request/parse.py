"""Request understanding: one sentence in, a `Request` out (what the user said and meant).

Stated slots (key, tempo, meter, length, instruments, explicit mood and style words) are read
exactly by `slots` and `lexicon` (beside this module); what is left fuzzy (mood, style, tempo
feel) comes from the learned heads in `classifier`. Whatever is stated wins over what is
inferred. Odd text never fails: it falls back to defaults and says so in `notes`.
"""

from __future__ import annotations

import math
import re

from generation.chords import BLUES, approximated, is_numeral, key_of, outside, pitch_class, spell
from generation.job import LONGEST, MAX_LENGTH_S, MIN_LENGTH_S, Request, check_prompt
from generation.request.chords import Progression, read_progression
from generation.request.ensembles import closed_band, styled_ensemble
from generation.request.instruments import read_instruments
from generation.request.keys import Key, read_key
from generation.request.lexicon import (
    EMOJI,
    INSTRUMENT_LEXICON,
    INSTRUMENT_WORDS,
    MOOD_LEXICON,
    MOOD_WORDS,
    STYLE_LEXICON,
    STYLE_WORDS,
    fold,
)
from generation.request.scenes import SCENE_LEXICON, SCENE_WORDS
from generation.request.slots import (
    Length,
    Tempo,
    Text,
    clamp_tempo,
    read_length,
    read_meter,
    read_tempo,
)
from generation.vocab import (
    FAMILY_OF,
    INSTRUMENT_STYLES,
    INSTRUMENTS_SAID,
    MAJOR_TONIC,
    MINOR_MODES,
    MINOR_TONIC,
    MOOD_KEY,
    MOOD_TEMPO,
    STYLE_LEAD,
    STYLE_TEMPO,
)
from models.core.errors import RequestError

DEFAULT_LENGTH_S = 30.0
DEFAULT_MOOD, DEFAULT_STYLE = "calm", "classical"
SLOT_ORDER = ("key", "tempo", "meter", "instruments", "length", "mood", "style", "chords")
_FEEL_POSITION = {"slow": 0.15, "medium": 0.5, "fast": 0.85}  # where in a tempo range
# Words that only occur in French, Spanish or German text: scene words get English names then.
_FOREIGN_MARKERS = {"los", "las", "une", "les", "des", "der", "das", "und", "mit", "pour", "para",
                    "avec", "una", "ein", "eine", "einen", "musica", "musique", "musik", "cancion",
                    "chanson", "lied", "con", "sur", "dans", "auf", "zum", "zur", "beim", "del",
                    "un", "el", "le", "et", "ist", "ich", "je", "sehr", "tres", "muy"}
_FILLER = {"in", "the", "key", "of", "please", "pls", "plz", "piece", "song", "music", "track",
           "tune", "something", "smth", "make", "me", "give", "gimme", "write", "compose", "some",
           "want", "at", "with", "for", "and", "bpm", "tempo", "long", "about", "around", "like",
           "just", "it", "bars", "time", "signature", "meter", "an", "can", "you", "could", "would",
           "need", "play", "generate", "create", "do", "is", "be", "that", "this", "one", "thx",
           "thanks", "ok", "okay", "hey", "hi", "bot", "yo", "to", "on", "only", "as", "but",
           "not", "no", "too", "very", "quite", "really", "so", "bit", "little", "short", "length"}
_INSTRUMENT_STYLE_BOOST = 2.0  # odds factor for a style that a stated instrument suggests


def expand_emoji(text: str) -> str:
    """The text with emoji replaced by words the encoder knows (🌧 → rain)."""
    text = text.replace("\ufe0f", "")
    return "".join(f" {EMOJI[ch]} " if ch in EMOJI else ch for ch in text)


def read_slots(text: str) -> tuple[Text, Tempo | None, Length | None, tuple | None, Key | None,
                                   Progression | None]:
    """The exactly read slots of a request, and its text with their words marked as used.

    A chord progression is read first, so that its symbols ("Cm G Cm Fm") are not taken
    for a key.
    """
    slots = Text.of(expand_emoji(text))
    progression = read_progression(slots)
    return (slots, read_tempo(slots, bare=True), read_length(slots), read_meter(slots),
            read_key(slots), progression)


def _chords(progression: Progression | None, key: Key | None,
            notes: list[str]) -> tuple[tuple[tuple[str, ...], ...], Key | None]:
    """The progression's bars, and the key: a key left unsaid is the one its chords imply."""
    if progression is None:
        return (), key
    bars = progression.bars
    if progression.blues and key is not None and key.mode in MINOR_MODES:
        bars = tuple((name,) for name in BLUES["minor"])
    names = [name for bar in bars for name in bar]
    symbols = [name for name in names if not is_numeral(name)]
    if symbols and (key is None or key.tonic is None):
        tonic, mode = key_of(symbols, (key.mode,) if key is not None else ("major", "minor"))
        key = Key(spell(tonic, mode), mode, (f"key {spell(tonic, mode)} {mode}, from the "
                                             f"chords",))
    elif symbols:
        tonic, mode = pitch_class(key.tonic[0], key.tonic[1:]), key.mode
        strange = outside(symbols, tonic, mode)
        if strange:
            notes.append(f"{', '.join(strange)} {'is' if len(strange) == 1 else 'are'} outside "
                         f"{key.name}; played as written")
    notes += [said for said in dict.fromkeys(map(approximated, names)) if said]
    return bars, key


def encoder_input(text: str, blanked: str | None = None) -> str:
    """What the classifier reads: the text without its exact slots, plus English names.

    Keys, tempos, meters and lengths are read exactly and tilt the mood by rule, so the words
    that state them are left out ("in E" alone should not sway the mood). The encoder knows
    English; naming `triste` as "sad" or `钢琴` as "piano" lets the heads understand other
    languages too. Training reads its corpus through this same function.
    """
    low = read_slots(text)[0].blanked() if blanked is None else blanked
    names = [MOOD_WORDS[f.phrase] for f in MOOD_LEXICON.find(low) if not f.negated]
    names += [STYLE_WORDS[f.phrase] for f in STYLE_LEXICON.find(low) if not f.negated]
    for find in INSTRUMENT_LEXICON.find(low):
        if not find.negated:  # by family: the names the heads were trained with
            names += [FAMILY_OF[name] for name in INSTRUMENT_WORDS[find.phrase][0]
                      if FAMILY_OF[name]]
    if not text.isascii() or set(re.findall(r"[a-z]+", low)) & _FOREIGN_MARKERS:
        names += [SCENE_WORDS[f.phrase] for f in SCENE_LEXICON.find(low)]
    if re.search(r"(?<![\w#])[A-G][#♯b♭]?(?:maj|min|m)?(?:7|9|11|13)(?![\w])", text):
        names.append("jazzy chords")  # extended chords (Cmaj7, Dm9) are a colour, not a key only
    extra = [name for name in dict.fromkeys(names) if name not in low]
    words = re.sub(r"\s+", " ", low).strip(" ,.;:-/")
    return words + (f" ({', '.join(extra)})" if extra else "")


def _described(blanked: str) -> bool:
    """Whether anything beyond stated slots and filler words is left to read a mood from."""
    if re.search(r"[\u2e80-\u9fff]", blanked):
        return True
    return any(word not in _FILLER for word in re.findall(r"[^\W\d_]{2,}", blanked))


def _words(blanked: str, lexicon, table) -> tuple[list[str], list[str]]:
    """The values said and those said with a negation, in the order said, except that a
    value said by its own name comes before one said by a word for it: in "a cozy farming
    game, happy" the mood is happy (cozy is a word for calm)."""
    said, negated, named = [], [], set()
    for find in lexicon.find(blanked):
        (negated if find.negated else said).append(table[find.phrase])
        if find.phrase == table[find.phrase]:
            named.add(table[find.phrase])
    said = sorted(dict.fromkeys(said), key=lambda value: value not in named)
    return said, list(dict.fromkeys(negated))


def _looks_like_nonsense(text: str, blanked: str, classifier) -> bool:
    if not re.search(r"[^\W\d_]", text):
        return True  # no letters at all: "!!!!", "123", emoji we do not know
    if re.search(r"[\u2e80-\u9fff]", text):
        return False
    words = re.findall(r"[a-z]{2,}", blanked)
    if not words:
        return True
    known = sum(1 for word in words if classifier.encoder.word_pieces(word) == 1)
    return known / len(words) < 0.5


def _style_odds(styles: dict[str, float], instruments: list[str]) -> dict[str, float]:
    """Style probabilities, raised for styles the stated instruments suggest (sax → jazz)."""
    factor = dict.fromkeys(styles, 1.0)
    for name in instruments:
        suggested = INSTRUMENT_STYLES.get(name) or INSTRUMENT_STYLES.get(FAMILY_OF[name], ())
        for rank, style in enumerate(suggested):
            # The first style an instrument suggests is its home (harpsichord → baroque).
            boost = _INSTRUMENT_STYLE_BOOST * (1.5 if rank == 0 else 1.0)
            factor[style] = max(factor[style], boost)
    return {style: p * factor[style] for style, p in styles.items()}


def _bare_mood(key: Key | None, tempo: Tempo | None) -> str:
    minorish = key is not None and key.mode in MINOR_MODES
    fast = tempo is not None and tempo.bpm > 110
    return ("energetic" if fast else "sad") if minorish else ("happy" if fast else "calm")


def _mood_odds(moods: dict[str, float], key: Key | None, bpm: int | None) -> dict[str, float]:
    """Mood probabilities, tilted by a stated key's mode and a stated tempo.

    A minor key makes "happy" less likely, a major key "sad"; a slow tempo makes "energetic"
    less likely, a fast one "calm". Moods the user names are not touched (they are stated).
    """
    factor = dict.fromkeys(moods, 1.0)
    if key is not None and key.mode in MINOR_MODES:
        factor.update(happy=0.5, playful=0.6)
    elif key is not None and key.mode in ("major", "lydian", "mixolydian"):
        factor.update(sad=0.6, dark=0.6)
    if bpm is not None and bpm <= 80:
        factor.update(energetic=0.4, playful=factor["playful"] * 0.6, happy=factor["happy"] * 0.7)
    elif bpm is not None and bpm >= 130:
        factor.update(calm=0.4, dreamy=0.5, sad=factor["sad"] * 0.6, romantic=0.6)
    return {mood: p * factor[mood] for mood, p in moods.items()}


def _tempo_range(mood: str, style: str) -> tuple[int, int]:
    """Where the mood's and the style's usual tempos overlap; when they hardly do (an energetic
    baroque piece), a range around the point halfway between their middles."""
    low = max(MOOD_TEMPO[mood][0], STYLE_TEMPO[style][0])
    high = min(MOOD_TEMPO[mood][1], STYLE_TEMPO[style][1])
    if high - low >= 8:
        return low, high
    middle = (sum(MOOD_TEMPO[mood]) + sum(STYLE_TEMPO[style])) // 4
    return middle - 8, middle + 8


def _resolve_key(key: Key | None, mood: str) -> tuple[str, list[str]]:
    """The key name to use, and a note when it had to be chosen for the user."""
    if key is None:
        return MOOD_KEY[mood], []
    if key.tonic is not None:
        return key.name, list(key.notes)
    minorish = key.mode in MINOR_MODES
    chosen = f"{(MINOR_TONIC if minorish else MAJOR_TONIC)[mood]} {key.mode}"
    if key.notes:
        return chosen, [f"{key.notes[0]}; using {chosen}"]
    return chosen, [f"no tonic was named for the {key.mode} key; using {chosen}"]


def _override_key(raw: str) -> Key:
    key = read_key(Text.of(f"key of {raw}"))  # so that a bare "A" or "a minor" is a key
    if key is None or key.tonic is None:
        raise RequestError(f"key {raw!r} is not a key I can read; try 'D minor' or 'Eb major'")
    return key


def _override_instrument(raw: str, notes: list[str]) -> tuple[str, ...]:
    finds = INSTRUMENT_LEXICON.find(fold(raw))
    if not finds:
        raise RequestError(f"instrument {raw!r} is not one I know; try one of: "
                           + INSTRUMENTS_SAID)
    names, note = INSTRUMENT_WORDS[finds[0].phrase]
    if note:
        notes.append(note.format(phrase=f"a {finds[0].phrase}"))
    return names


def _length(seconds: float, said: str, notes: list[str]) -> float:
    if seconds > MAX_LENGTH_S:
        notes.append(f"length {said} is over my limit of {LONGEST}; the piece lasts {LONGEST}")
        return MAX_LENGTH_S
    if seconds < MIN_LENGTH_S:
        notes.append(f"length {said} is below {MIN_LENGTH_S:g} seconds; using "
                     f"{MIN_LENGTH_S:g} seconds")
        return MIN_LENGTH_S
    return float(seconds)


def _feel(text: str, blanked: str, classifier, notes: list[str], instruments: list[str],
          key_found: Key | None, tempo: Tempo | None, said_moods: list[str],
          not_moods: list[str], said_styles: list[str], not_styles: list[str],
          anything: bool) -> tuple[list[str], str, dict[str, float]]:
    """The moods, the style and the tempo feel: said, or guessed by the classifier
    (`anything`: a tempo, length, meter, key or chords was read)."""
    nothing_read = not (anything or instruments or said_moods or said_styles)
    if nothing_read and _looks_like_nonsense(text, blanked, classifier):
        notes.append(f"I could not make out music in {text[:40]!r}; "
                     f"using a {DEFAULT_MOOD} {DEFAULT_STYLE} piece")
        moods, style, feel = [DEFAULT_MOOD], DEFAULT_STYLE, {"slow": 0.3, "medium": 0.7}
    elif not (_described(blanked) or instruments or said_moods or said_styles):
        # Only slots were given ("in E, slow"): pick the mood the key and tempo suggest.
        moods, style, feel = [_bare_mood(key_found, tempo)], DEFAULT_STYLE, {"medium": 1.0}
        notes.append(f"no mood or style was described; using {moods[0]} {style}")
    else:
        guess = classifier.guess(encoder_input(text, blanked))
        odds = _mood_odds(guess.moods, key_found, tempo.bpm if tempo else None)
        ranked = sorted(odds, key=odds.get, reverse=True)
        likely = [m for m in ranked if odds[m] >= classifier.mood_threshold]
        moods = [m for m in dict.fromkeys(said_moods + likely) if m not in not_moods]
        moods = moods or [next(m for m in ranked if m not in not_moods)]
        odds = _style_odds(guess.styles, instruments)
        styles = [s for s in sorted(odds, key=odds.get, reverse=True) if s not in not_styles]
        style = said_styles[0] if said_styles else styles[0]
        feel = guess.tempo
    return moods, style, feel


def _duration(duration_s: float | None, length: Length | None, meter: str, bpm: int,
              notes: list[str]) -> tuple[float, int | None]:
    """The length in seconds, and in bars when it was said in bars."""
    beats, unit = (int(part) for part in meter.split("/"))
    bar_s = beats * 4 / unit * 60 / bpm  # tempo counts quarter notes
    bars = None
    if duration_s is not None:
        duration = _length(float(duration_s), f"{duration_s:g} seconds", notes)
    elif length is not None and length.bars is not None:
        bars = length.bars
        if bars * bar_s > MAX_LENGTH_S:
            bars = int(MAX_LENGTH_S // bar_s)
            notes.append(f"{length.bars} bars at {bpm} bpm run past my limit of {LONGEST}; "
                         f"using {bars} bars")
        elif bars * bar_s < MIN_LENGTH_S:
            bars = math.ceil(MIN_LENGTH_S / bar_s)
            notes.append(f"{length.bars} bars at {bpm} bpm last under {MIN_LENGTH_S:g} seconds; "
                         f"using {bars} bars")
        duration = round(bars * bar_s, 2)
    elif length is not None:
        duration = _length(length.seconds, length.said, notes)
    else:
        duration = DEFAULT_LENGTH_S

    return float(duration), bars


def parse_request(text: str, *, key: str | None = None, tempo_bpm: int | None = None,
                  duration_s: float | None = None, instrument: str | None = None,
                  classifier=None) -> Request:
    """Read a request sentence into a `Request`.

    Args:
        text: what the user typed, 1–MAX_PROMPT (1,000) characters.
        key, tempo_bpm, duration_s, instrument: typed options (Discord's); they count as stated
            and win over the text.
        classifier: a `generation.request.classifier.Classifier`; the shared one when None.

    Raises:
        RequestError: empty text, text over MAX_PROMPT characters, or an unreadable typed option.
    """
    text = check_prompt(text)
    if classifier is None:
        from generation.request.classifier import shared_classifier

        classifier = shared_classifier()
    text = text.strip()
    notes: list[str] = []
    slots, tempo, length, meter_found, key_found, progression = read_slots(text)
    if tempo_bpm is not None:
        tempo = clamp_tempo(float(tempo_bpm))
    if key is not None:
        key_found = _override_key(key)
    key_said = key_found is not None and key_found.tonic is not None
    chords, key_found = _chords(progression, key_found, notes)
    blanked = slots.blanked()
    instruments, without, instrument_notes = read_instruments(blanked)
    said_moods, not_moods = _words(blanked, MOOD_LEXICON, MOOD_WORDS)
    said_styles, not_styles = _words(blanked, STYLE_LEXICON, STYLE_WORDS)
    notes += instrument_notes

    moods, style, feel = _feel(text, blanked, classifier, notes, instruments, key_found, tempo,
                               said_moods, not_moods, said_styles, not_styles,
                               anything=bool(tempo or length or meter_found or key_found
                                             or chords))
    mood = moods[0]
    instruments = styled_ensemble(blanked, instruments, style)
    if tempo is not None:
        bpm = tempo.bpm
        notes += tempo.notes
    else:
        low, high = _tempo_range(mood, style)
        position = sum(_FEEL_POSITION[name] * p for name, p in feel.items())
        bpm = int(round(low + position * (high - low)))
    meter = meter_found[0] if meter_found else "4/4"
    key_name, key_notes = _resolve_key(key_found, mood)
    notes += key_notes
    if instrument is not None:
        instruments = list(_override_instrument(instrument, notes))
    said = {"mood": said_moods, "style": said_styles, "tempo": tempo, "meter": meter_found,
            "key": key_said, "chords": chords, "instruments": instruments,
            "length": duration_s is not None or length is not None}
    if not instruments:
        fallbacks = (STYLE_LEAD[style], "piano", "strings", "guitar", "synth pad")
        instruments = [next(name for name in fallbacks if name not in without)]
    duration, bars = _duration(duration_s, length, meter, bpm, notes)
    return Request(
        text=text, mood=mood, moods=tuple(moods), style=style, tempo_bpm=bpm, key=key_name,
        meter=meter, instruments=tuple(instruments), duration_s=float(duration), bars=bars,
        stated=tuple(slot for slot in SLOT_ORDER if said.get(slot)), notes=tuple(notes),
        without=tuple(without), chords=chords,
        whole_band=bool(instruments) and closed_band(
            blanked, [(f.start, f.end) for f in INSTRUMENT_LEXICON.find(blanked)]),
    )
