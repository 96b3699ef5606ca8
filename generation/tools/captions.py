"""Captions in the style of MidiCaps: long descriptions that name key, tempo, meter, a list of
General MIDI instruments and a chord progression, with what each one states.

`build_captions` writes them from fourteen caption shapes that put the slots in different
places and words (the key first or last, a tempo as bpm or as an Italian word, the meter as
"4/4 time signature" or "in 3/4", instruments as GM names, plurals and everyday names, chords
as "Bb, C, and Gm" or "Am - F - C - G"), with labels taken from what was written in, never
from the parser. The set is split once: `tune` may be looked at while improving the parser,
`report` is only scored. `score_captions` reads each caption with `parse_request` and scores
key, tempo, meter, instruments (each on its exact program) and, where the Request has
`chords`, the chords.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

from generation.paths import DATA
from generation.tools.caption_words import (
    CHORD_FORMS,
    CLOSINGS,
    DETAILS,
    GENRES,
    INSTRUMENT_NAMES,
    KEY_FORMS,
    METER_FORMS,
    MOODS_SAID,
    SHAPES,
    TEMPO_BPM_FORMS,
    TEMPO_WORDS,
)

CAPTIONS_PATH = DATA / "captions.jsonl"
REPORT_SHARE = 0.6  # of the captions, only scored
MIN_CHARS, MAX_CHARS = 150, 900

_LETTERS = "CDEFGAB"
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_STEPS = {"major": (0, 2, 4, 5, 7, 9, 11), "minor": (0, 2, 3, 5, 7, 8, 10)}
_QUALITY = {"major": ("", "m", "m", "", "", "m", "dim"), "minor": ("m", "dim", "", "m", "m", "",
                                                                   "")}
_SEVENTH = {"": "maj7", "m": "m7", "dim": "m7b5"}
KEYS = ("C major", "G major", "D major", "A major", "E major", "B major", "F# major",
        "F major", "Bb major", "Eb major", "Ab major", "Db major", "A minor", "E minor",
        "B minor", "F# minor", "C# minor", "D minor", "G minor", "C minor", "F minor",
        "Bb minor")


def scale_names(key: str) -> list[str]:
    """The seven note names of a key's scale, each letter once ('Bb major' → Bb C D Eb F G A)."""
    tonic, mode = key.split()
    start = _LETTERS.index(tonic[0])
    root = (_NATURAL[tonic[0]] + {"#": 1, "b": -1}.get(tonic[1:], 0)) % 12
    names = []
    for degree, step in enumerate(_STEPS[mode]):
        letter = _LETTERS[(start + degree) % 7]
        shift = (root + step - _NATURAL[letter] + 6) % 12 - 6
        names.append(letter + ("#" * shift if shift > 0 else "b" * -shift))
    return names


def progression(key: str, rng: random.Random) -> list[str]:
    """Three to five chord symbols of the key, starting on the tonic or near it."""
    mode = key.split()[1]
    names = scale_names(key)
    shapes = ((0, 5, 3, 4), (0, 3, 4), (5, 3, 0, 4), (0, 4, 5, 3), (1, 4, 0), (0, 6, 5, 4),
              (0, 3, 0, 4, 0), (3, 4, 0), (0, 2, 5, 1, 4))
    degrees = rng.choice(shapes)
    sevenths = rng.random() < 0.3
    chords = []
    for degree in degrees:
        quality = _QUALITY[mode][degree]
        if mode == "minor" and degree == 4 and rng.random() < 0.5:
            quality = ""  # the dominant of a minor key is often major
        if sevenths:  # the dominant a dominant seventh, the others their own
            dominant = degree == 4 and quality == ""
            quality = "7" if dominant else _SEVENTH[quality]
        chords.append(names[degree] + quality)
    return chords


def _pick_instruments(rng: random.Random) -> list[tuple[str, str]]:
    count = rng.choice((2, 3, 3, 4, 4, 5, 6))
    chosen: list[tuple[str, str]] = []
    for said, gold in rng.sample(INSTRUMENT_NAMES, len(INSTRUMENT_NAMES)):
        if len(chosen) == count:
            break
        if gold.startswith("kit") and any(g.startswith("kit") for _, g in chosen):
            continue
        if all(g != gold for _, g in chosen):
            chosen.append((said, gold))
    return chosen


def _listed(names: list[str], rng: random.Random) -> str:
    if len(names) == 1:
        return names[0]
    comma = "," if rng.random() < 0.6 else ""
    return ", ".join(names[:-1]) + f"{comma} and {names[-1]}"


def _caption(number: int, rng: random.Random) -> dict[str, Any] | None:
    key = rng.choice(KEYS)
    genre, mood = rng.choice(GENRES), rng.choice(MOODS_SAID)
    meter = rng.choice(("4/4", "4/4", "4/4", "3/4", "3/4", "6/8", "2/4", "12/8"))
    if rng.random() < 0.5:
        bpm = rng.randrange(56, 176)
        tempo_said, tempo_gold = rng.choice(TEMPO_BPM_FORMS).format(bpm=bpm), [bpm, bpm]
    else:
        word, low, high = rng.choice(TEMPO_WORDS)
        tempo_said, tempo_gold = word, [low, high]
    instruments = _pick_instruments(rng)
    chords = progression(key, rng)
    tonic, mode = key.split()
    spoken = tonic.replace("#", rng.choice(("#", " sharp"))) if "#" in tonic else tonic
    if "b" in tonic[1:]:
        spoken = tonic[0] + rng.choice(("b", "b", " flat", "-flat"))
    fields = {
        "genre": genre, "mood": mood, "tempo": tempo_said,
        "key": rng.choice(KEY_FORMS).format(key=f"{spoken} {mode}"),
        "meter": rng.choice(METER_FORMS).format(meter=meter),
        "instruments": _listed([said for said, _ in instruments], rng),
        "chords": rng.choice(CHORD_FORMS)(chords, rng),
        "closing": rng.choice(CLOSINGS),
    }
    shape = number % len(SHAPES)
    text = SHAPES[shape].format(**fields).replace("  ", " ").strip()
    text = text[0].upper() + text[1:]
    sentences = [s.strip().rstrip(".") for s in text.split(". ") if s.strip(" .")]
    for detail in rng.sample(DETAILS, rng.choice((0, 1, 2, 3, 4, 6, 8))):
        sentences.insert(rng.randrange(1, len(sentences) + 1), detail.rstrip("."))
    # "an" before a vowel: the article only ("a" inside, "A" opening a sentence), never the
    # chord A ("E, A and B")
    text = re.sub(r"(?:(?<=^)|(?<=\. ))A (?=[aeiouAEIOU])|(?<= )a (?=[aeiouAEIOU])",
                  lambda m: m.group(0)[0] + "n ", ". ".join(sentences) + ".")
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return None
    return {"text": text, "shape": shape, "key": key, "tempo_bpm": tempo_gold, "meter": meter,
            "instruments": [gold for _, gold in instruments], "chords": chords,
            "split": _split_of(text)}


def _split_of(text: str) -> str:
    digest = int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16)
    return "report" if digest % 1000 < REPORT_SHARE * 1000 else "tune"


def build_captions(count: int = 140, seed: int = 14) -> list[dict[str, Any]]:
    """`count` captions of every shape in turn, seeded: the same call gives the same set."""
    rng = random.Random(seed)
    captions: list[dict[str, Any]] = []
    number = 0
    while len(captions) < count:
        caption = _caption(number, rng)
        number += 1
        if caption is not None:
            captions.append(caption)
    return captions


def write_captions(path: Path = CAPTIONS_PATH) -> int:
    captions = build_captions()
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in captions),
                    encoding="utf-8")
    return len(captions)


def read_captions(path: Path = CAPTIONS_PATH) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def heard_as(name: str) -> str:
    """What a vocabulary instrument plays, as the captions label it: 'program N' or 'kit N'."""
    from generation.music.instruments import instrument

    played = instrument(name)
    return f"kit {played.program}" if played.is_drum else f"program {played.program}"


def check_caption(caption: dict[str, Any], request) -> dict[str, Any]:
    """Which of a caption's stated slots `request` (a parsed Request) read right."""
    low, high = caption["tempo_bpm"]
    heard = [heard_as(name) for name in request.instruments]
    wanted = caption["instruments"]
    row = {
        "key": request.key == caption["key"] and "key" in request.stated,
        "tempo": low <= request.tempo_bpm <= high and "tempo" in request.stated,
        "meter": request.meter == caption["meter"],
        "instruments": sorted(heard) == sorted(wanted),
        "missing": [w for w in wanted if w not in heard],
        "extra": [h for h in heard if h not in wanted],
    }
    said = getattr(request, "chords", None)
    if said is not None:
        flat = [symbol for bar in said for symbol in (bar if isinstance(bar, list | tuple)
                                                      else [bar])]
        read, named = _squeezed(flat), _squeezed(caption["chords"])
        # the progression once, or repeated over the piece's bars
        row["chords"] = bool(read) and len(read) % len(named) == 0 and \
            read == named * (len(read) // len(named))
    return row


_SPELLINGS = (("°7", "dim7"), ("°", "dim"), ("ø7", "m7b5"), ("ø", "m7b5"), ("Δ7", "maj7"),
              ("Δ", "maj7"), ("M7", "maj7"), ("min", "m"), ("-7b5", "m7b5"))


def _squeezed(symbols: list[str]) -> list[str]:
    """Chord symbols in one spelling ("C°" is "Cdim", "FM7" is "Fmaj7"), without immediate
    repeats (a chord held over two bars is one chord)."""
    spelled = []
    for symbol in symbols:
        for other, ours in _SPELLINGS:
            symbol = symbol.replace(other, ours)
        spelled.append(symbol)
    return [s for i, s in enumerate(spelled) if i == 0 or s != spelled[i - 1]]


def score_captions(classifier=None, path: Path = CAPTIONS_PATH) -> dict[str, Any]:
    """Per split, the share of captions whose key, tempo, meter, instruments (every one on its
    exact program) and chords were read; the captions that missed, with what was missed."""
    from generation.request.parse import parse_request

    out: dict[str, Any] = {}
    captions = read_captions(path)
    for split in ("tune", "report"):
        chosen = [c for c in captions if c["split"] == split]
        rows = []
        for caption in chosen:
            request = parse_request(caption["text"], classifier=classifier)
            rows.append((caption, check_caption(caption, request), request))
        scores: dict[str, Any] = {"captions": len(chosen)}
        for slot in ("key", "tempo", "meter", "instruments"):
            scores[slot] = round(sum(r[slot] for _, r, _ in rows) / max(len(rows), 1), 4)
        chorded = [r for _, r, _ in rows if "chords" in r]
        scores["chords"] = (round(sum(r["chords"] for r in chorded) / len(chorded), 4)
                            if chorded else "not read")
        named = sum(len(c["instruments"]) for c, _, _ in rows)
        missed = sum(len(r["missing"]) for _, r, _ in rows)
        scores["instruments_named"] = named
        scores["instruments_on_exact_program"] = round(1 - missed / max(named, 1), 4)
        scores["misses"] = [
            {"text": c["text"][:80], **{k: v for k, v in r.items() if v is False},
             "missing": r["missing"], "extra": r["extra"], "read_key": req.key,
             "read_tempo": req.tempo_bpm, "read_meter": req.meter}
            for c, r, req in rows if not all(r[s] for s in ("key", "tempo", "meter",
                                                            "instruments"))][:20]
        out[split] = scores
    return out


if __name__ == "__main__":
    print(f"wrote {write_captions()} captions to {CAPTIONS_PATH}")
