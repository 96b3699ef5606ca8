"""The labelled request corpus: hand-written seeds, varied the way people really type.

`data/request_seeds.txt` holds hand-written requests under label headers. Each seed line is a
family: it is varied (casing, typos, filler words, emoji, stated slots) and every variant stays
on the side of the train / test split that the family's hash picks, so the held-out test never
contains a near-copy of a training line.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from generation.paths import DATA
from generation.vocab import MOODS, STYLES, TEMPO_FEELS

SEEDS_PATH = DATA / "request_seeds.txt"
CORPUS_PATH = DATA / "request_corpus.jsonl"
TEST_SHARE = 0.2
VARIANTS = 4  # variants per seed besides the seed itself


@dataclass(frozen=True)
class Example:
    text: str
    moods: tuple[str, ...]  # every mood that fits, the best first
    styles: tuple[str, ...]  # styles a musician would accept, the best first
    tempo: str  # slow / medium / fast
    family: str  # the seed line this example comes from
    split: str  # "train" or "test"


def _labels(header: str, where: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    fields = dict(part.strip().split("=", 1) for part in header.split(";"))
    moods = tuple(fields["moods"].split(","))
    styles = tuple(fields["style"].split("|"))
    tempo = fields["tempo"]
    bad = ([m for m in moods if m not in MOODS] + [s for s in styles if s not in STYLES]
           + ([tempo] if tempo not in TEMPO_FEELS else []))
    if bad:
        raise ValueError(f"{where}: unknown labels {bad}")
    return moods, styles, tempo


def read_seeds(path: Path = SEEDS_PATH) -> list[tuple[str, tuple, tuple, str]]:
    """(text, moods, styles, tempo) for every seed line, in file order."""
    seeds, labels = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line.startswith("## "):
            labels = _labels(line[3:], f"{path.name}:{number}")
        elif line and not line.startswith("#"):
            if labels is None:
                raise ValueError(f"{path.name}:{number}: a seed before any label header")
            seeds.append((line, *labels))
    return seeds


def split_of(family: str) -> str:
    digest = int(hashlib.sha1(family.lower().encode("utf-8")).hexdigest()[:8], 16)
    return "test" if digest % 1000 < TEST_SHARE * 1000 else "train"


_PREFIXES = ("", "", "", "make me ", "can you make ", "i want ", "i need ", "give me ", "play ",
             "compose ", "pls make ", "could you write ", "something like ", "generate ",
             "write a song: ", "hey bot, ", "yo ", "need music for: ", "a track for ",
             "/compose ", "idea: ", "ok so ", "umm ", "background music - ")
_SUFFIXES = ("", "", "", " pls", " please", " lol", "!!", " :)", "...", " thx", " vibes",
             " music", " type beat", " kinda thing", " ok?", " asap", " haha", " 🙏",
             " for my video", " for a short film", " for my game")
_EMOJI = {"calm": "😌", "happy": "😊", "sad": "😢", "energetic": "🔥", "epic": "⚔️",
          "tense": "😱", "romantic": "❤️", "mysterious": "🌙", "playful": "🤡",
          "dreamy": "✨", "dark": "💀"}
_STYLE_INSTRUMENTS = {
    "classical": ("piano", "strings", "violin", "cello", "harp"),
    "baroque": ("harpsichord", "strings", "organ", "violin", "recorder"),
    "jazz": ("piano", "saxophone", "trumpet", "double bass", "vibraphone"),
    "blues": ("guitar", "harmonica", "piano", "organ"),
    "pop": ("piano", "guitar", "synth", "drums"),
    "rock": ("electric guitar", "drums", "bass guitar"),
    "lofi": ("electric piano", "rhodes", "guitar", "drums"),
    "ambient": ("synth pads", "piano", "strings", "choir"),
    "folk": ("acoustic guitar", "banjo", "fiddle", "harmonica", "accordion"),
    "celtic": ("fiddle", "tin whistle", "harp", "flute", "bagpipes"),
    "electronic": ("synth", "synthesizer", "drums", "808s"),
    "cinematic": ("orchestra", "strings", "choir", "french horns", "timpani"),
    "chiptune": ("8-bit synth", "square wave synth", "synth lead"),
}
_MINOR_MOODS = {"sad", "dark", "tense", "mysterious"}
_KEYS_MINOR = ("in D minor", "in A minor", "in Em", "key of C minor", "in F# minor", "Bbm",
               "in g minor", "in the key of E flat minor", "d-moll")
_KEYS_MAJOR = ("in C major", "in G", "in D major", "key of E flat", "in F major", "Bb major",
               "in A", "in the key of D")
_TEMPO_BPM = {"slow": (56, 84), "medium": (88, 118), "fast": (124, 172)}
_LENGTHS = ("30 seconds", "1 minute", "2 min", "45s", "16 bars", "about a minute", "1:30",
            "90 second")


def _typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 5 and w.isascii() and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word, j = words[i], rng.randrange(1, len(words[i]) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:j] + word[j + 1] + word[j] + word[j + 2:]
    elif kind == 1:
        word = word[:j] + word[j + 1:]
    else:
        word = word[:j] + word[j] + word[j:]
    words[i] = word
    return " ".join(words)


def _slot(moods: tuple, styles: tuple, tempo: str, rng: random.Random) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        keys = _KEYS_MINOR if moods[0] in _MINOR_MOODS else _KEYS_MAJOR
        return rng.choice(keys)
    if kind == 1:
        low, high = _TEMPO_BPM[tempo]
        return rng.choice(("{} bpm", "at {}bpm", "tempo {}", "{} BPM")).format(
            rng.randrange(low, high + 1, 2))
    if kind == 2:
        return rng.choice(("on ", "with ", "for ", "", "solo ")) + rng.choice(
            _STYLE_INSTRUMENTS[styles[0]])
    return rng.choice(_LENGTHS)


def vary(text: str, moods: tuple, styles: tuple, tempo: str, rng: random.Random) -> str:
    """One casual rewrite of a seed: filler, a stated slot, a typo, emoji, odd casing."""
    out = text
    if rng.random() < 0.5:
        slot = _slot(moods, styles, tempo, rng)
        out = f"{out} {slot}" if rng.random() < 0.7 else f"{slot} {out}"
    if rng.random() < 0.6:
        out = rng.choice(_PREFIXES) + out + rng.choice(_SUFFIXES)
    if rng.random() < 0.3:
        out = _typo(out, rng)
    if rng.random() < 0.15:
        out = out + " " + _EMOJI[moods[0]]
    casing = rng.random()
    if casing < 0.35:
        out = out.lower()
    elif casing < 0.42:
        out = out.upper()
    elif casing < 0.55:
        out = out[:1].upper() + out[1:]
    return re.sub(r"\s+", " ", out).strip()[:300]


def build_corpus(seeds_path: Path = SEEDS_PATH, seed: int = 7) -> list[Example]:
    """Every seed and its variants, labelled and assigned to a split (deterministic)."""
    rng = random.Random(seed)
    examples, seen = [], set()
    for text, moods, styles, tempo in read_seeds(seeds_path):
        split = split_of(text)
        variants = [text] + [vary(text, moods, styles, tempo, rng) for _ in range(VARIANTS)]
        for variant in variants:
            if variant.lower() in seen:
                continue
            seen.add(variant.lower())
            examples.append(Example(variant, moods, styles, tempo, text, split))
    return examples


def write_corpus(examples: list[Example], path: Path = CORPUS_PATH) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for example in examples:
            handle.write(json.dumps(asdict(example), ensure_ascii=False) + "\n")


def read_corpus(path: Path = CORPUS_PATH) -> list[Example]:
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        examples.append(Example(row["text"], tuple(row["moods"]), tuple(row["styles"]),
                                row["tempo"], row["family"], row["split"]))
    return examples
