"""The shared vocabularies of tunesmith: moods, styles, instruments, and what each implies.

The names are a public contract (design.md): extend these tuples, never rename an entry.
Every other stage (spec, arrange, render) reads its names from here.
"""

from __future__ import annotations

MOODS = ("calm", "happy", "sad", "energetic", "epic", "tense", "romantic", "mysterious",
         "playful", "dreamy", "dark")

STYLES = ("classical", "baroque", "jazz", "blues", "pop", "rock", "lofi", "ambient", "folk",
          "celtic", "electronic", "cinematic", "chiptune")

INSTRUMENTS = ("piano", "electric piano", "harpsichord", "celesta", "music box", "vibraphone",
               "marimba", "organ", "accordion", "harmonica", "guitar", "electric guitar", "bass",
               "violin", "viola", "cello", "contrabass", "strings", "harp", "choir", "trumpet",
               "trombone", "horn", "brass", "saxophone", "oboe", "clarinet", "bassoon", "flute",
               "recorder", "pan flute", "synth lead", "synth pad", "drums", "timpani", "koto",
               "sitar", "erhu", "guzheng", "pipa")

# The General MIDI program set, one name per program (index = program number). Where one of
# the names above already plays that program it is that name ("piano" is program 0); the
# others are the GM names as musicians say them. "fiddle" keeps meaning the violin, as it
# always has, so GM program 110 is the "folk fiddle".
GM_NAMES = (
    "piano", "bright piano", "electric grand piano", "honky-tonk piano", "electric piano",
    "fm electric piano", "harpsichord", "clavinet",
    "celesta", "glockenspiel", "music box", "vibraphone", "marimba", "xylophone",
    "tubular bells", "dulcimer",
    "drawbar organ", "percussive organ", "rock organ", "organ", "reed organ", "accordion",
    "harmonica", "tango accordion",
    "guitar", "steel-string guitar", "jazz guitar", "electric guitar", "muted guitar",
    "overdriven guitar", "distortion guitar", "guitar harmonics",
    "acoustic bass", "bass", "picked bass", "fretless bass", "slap bass", "slap bass 2",
    "synth bass", "synth bass 2",
    "violin", "viola", "cello", "contrabass", "tremolo strings", "pizzicato strings", "harp",
    "timpani",
    "strings", "slow strings", "synth strings", "synth strings 2", "choir", "voice oohs",
    "synth voice", "orchestra hit",
    "trumpet", "trombone", "tuba", "muted trumpet", "horn", "brass", "synth brass",
    "synth brass 2",
    "soprano saxophone", "saxophone", "tenor saxophone", "baritone saxophone", "oboe",
    "english horn", "bassoon", "clarinet",
    "piccolo", "flute", "recorder", "pan flute", "blown bottle", "shakuhachi", "whistle",
    "ocarina",
    "synth lead", "saw lead", "calliope lead", "chiff lead", "charang lead", "voice lead",
    "fifths lead", "bass + lead",
    "new age pad", "synth pad", "polysynth pad", "choir pad", "bowed pad", "metallic pad",
    "halo pad", "sweep pad",
    "rain effect", "soundtrack effect", "crystal effect", "atmosphere effect",
    "brightness effect", "goblins effect", "echoes effect", "sci-fi effect",
    "sitar", "banjo", "shamisen", "koto", "kalimba", "bagpipes", "folk fiddle", "shehnai",
    "tinkle bell", "agogo", "steel drums", "woodblock", "taiko drum", "melodic tom",
    "synth drum", "reverse cymbal",
    "guitar fret noise", "breath noise", "seashore", "bird tweet", "telephone ring",
    "helicopter", "applause", "gunshot",
)
# Drum kits (General MIDI 2 kit programs, played on channel 10); "drums" is the standard kit.
DRUM_KITS = {"drums": 0, "room kit": 8, "power kit": 16, "electronic kit": 24, "808 kit": 25,
             "jazz kit": 32, "brush kit": 40, "orchestral kit": 48}
FAMILIES = INSTRUMENTS  # the first 40 names: broad families, each with one default program
INSTRUMENTS = FAMILIES + tuple(name for name in dict.fromkeys((*GM_NAMES, *DRUM_KITS))
                               if name not in FAMILIES)
# The family each General MIDI program belongs to (program → family), for what is said of a
# family: the styles it suggests, the English name the sentence encoder was trained on. The
# sound effects (120–127) belong to none.
_FAMILY_RUNS = (  # (first program, last program, family)
    (0, 3, "piano"), (4, 5, "electric piano"), (6, 6, "harpsichord"), (7, 7, "electric piano"),
    (8, 9, "celesta"), (10, 10, "music box"), (11, 11, "vibraphone"), (12, 13, "marimba"),
    (14, 14, "celesta"), (15, 15, "harp"), (16, 19, "organ"), (20, 21, "accordion"),
    (22, 22, "harmonica"), (23, 23, "accordion"), (24, 25, "guitar"),
    (26, 31, "electric guitar"), (32, 32, "contrabass"), (33, 39, "bass"), (40, 40, "violin"),
    (41, 41, "viola"), (42, 42, "cello"), (43, 43, "contrabass"), (44, 45, "strings"),
    (46, 46, "harp"), (47, 47, "timpani"), (48, 51, "strings"), (52, 54, "choir"),
    (55, 55, "strings"), (56, 56, "trumpet"), (57, 57, "trombone"), (58, 58, "brass"),
    (59, 59, "trumpet"), (60, 60, "horn"), (61, 63, "brass"), (64, 67, "saxophone"),
    (68, 69, "oboe"), (70, 70, "bassoon"), (71, 71, "clarinet"), (72, 73, "flute"),
    (74, 74, "recorder"), (75, 76, "pan flute"), (77, 77, "flute"), (78, 78, "recorder"),
    (79, 79, "flute"), (80, 87, "synth lead"), (88, 103, "synth pad"), (104, 104, "sitar"),
    (105, 105, "guitar"), (106, 107, "koto"), (108, 108, "music box"), (109, 109, "oboe"),
    (110, 110, "violin"), (111, 111, "oboe"), (112, 113, "drums"), (114, 114, "marimba"),
    (115, 119, "drums"),
)
FAMILY_OF: dict[str, str | None] = {name: None for name in INSTRUMENTS}
FAMILY_OF.update({GM_NAMES[program]: family for first, last, family in _FAMILY_RUNS
                  for program in range(first, last + 1)})
FAMILY_OF.update({name: name for name in FAMILIES} | dict.fromkeys(DRUM_KITS, "drums"))

# The instruments in a sentence, for help texts: the families, then a word about the rest.
INSTRUMENTS_SAID = (", ".join(FAMILIES) + "; and every General MIDI instrument by name "
                    "(distortion guitar, slap bass, tenor saxophone, church organ, warm pad, "
                    "808 kit, brush kit ...)")

TEMPO_FEELS = ("slow", "medium", "fast")
MINOR_MODES = ("minor", "dorian", "phrygian", "locrian")  # a minor third above the tonic

# One sensible lead per style, used when the request names no instrument.
STYLE_LEAD = {
    "classical": "piano", "baroque": "harpsichord", "jazz": "piano", "blues": "guitar",
    "pop": "piano", "rock": "electric guitar", "lofi": "electric piano", "ambient": "synth pad",
    "folk": "guitar", "celtic": "violin", "electronic": "synth lead", "cinematic": "strings",
    "chiptune": "synth lead",
}

# Usual tempo ranges in quarter notes per minute (low, high).
MOOD_TEMPO = {
    "calm": (60, 84), "happy": (108, 140), "sad": (56, 80), "energetic": (128, 168),
    "epic": (80, 132), "tense": (90, 140), "romantic": (60, 92), "mysterious": (60, 100),
    "playful": (104, 144), "dreamy": (56, 88), "dark": (60, 104),
}
STYLE_TEMPO = {
    "classical": (60, 140), "baroque": (72, 132), "jazz": (80, 180), "blues": (60, 120),
    "pop": (90, 130), "rock": (100, 160), "lofi": (70, 92), "ambient": (50, 84),
    "folk": (80, 132), "celtic": (96, 176), "electronic": (110, 140), "cinematic": (60, 140),
    "chiptune": (110, 170),
}

# The key chosen when none is stated: a tonic per mood, minor for the shadowed moods.
MOOD_KEY = {
    "calm": "F major", "happy": "G major", "sad": "D minor", "energetic": "E minor",
    "epic": "C minor", "tense": "E minor", "romantic": "Eb major", "mysterious": "A minor",
    "playful": "C major", "dreamy": "Db major", "dark": "C minor",
}
MINOR_TONIC = {"calm": "A", "happy": "E", "sad": "D", "energetic": "E", "epic": "C",
               "tense": "E", "romantic": "C", "mysterious": "A", "playful": "A", "dreamy": "B",
               "dark": "C"}
MAJOR_TONIC = {"calm": "F", "happy": "G", "sad": "F", "energetic": "A", "epic": "D",
               "tense": "D", "romantic": "Eb", "mysterious": "Db", "playful": "C", "dreamy": "Db",
               "dark": "Bb"}

MODES = ("major", "minor", "ionian", "dorian", "phrygian", "lydian", "mixolydian", "aeolian",
         "locrian")


def vocabulary_hash(*groups: tuple[str, ...]) -> str:
    """A short digest of label lists, stored beside trained heads so a mismatch is refused."""
    import hashlib  # here, not at the top: every `tunesmith` command imports this module

    joined = "\n".join("|".join(group) for group in groups)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]

# Styles an instrument strongly suggests; a stated instrument raises these styles' odds.
INSTRUMENT_STYLES = {
    "harpsichord": ("baroque",), "recorder": ("baroque", "folk"), "organ": ("baroque", "blues"),
    "saxophone": ("jazz",), "vibraphone": ("jazz",), "contrabass": ("jazz",),
    "trumpet": ("jazz", "cinematic"), "electric guitar": ("rock", "blues"),
    "harmonica": ("blues", "folk"), "electric piano": ("lofi", "jazz"),
    "synth lead": ("electronic", "chiptune"), "synth pad": ("ambient", "electronic"),
    "accordion": ("folk", "celtic"), "timpani": ("cinematic",), "choir": ("cinematic",),
    "brass": ("cinematic",), "horn": ("cinematic",), "guitar": ("folk", "pop"),
    "violin": ("classical", "celtic"), "cello": ("classical", "cinematic"),
    "viola": ("classical",), "strings": ("classical", "cinematic"), "harp": ("classical",),
    "celesta": ("classical",), "oboe": ("classical",), "clarinet": ("classical", "jazz"),
    "bassoon": ("classical",), "flute": ("classical", "folk"), "music box": ("ambient",),
    "pan flute": ("ambient", "folk"), "piano": ("classical", "jazz", "pop"),
    # General MIDI names whose family says too little (the others go by FAMILY_OF)
    "distortion guitar": ("rock",), "overdriven guitar": ("rock", "blues"),
    "jazz guitar": ("jazz",), "rock organ": ("rock",), "drawbar organ": ("jazz", "blues"),
    "honky-tonk piano": ("blues",), "synth bass": ("electronic",),
    "saw lead": ("electronic",), "banjo": ("folk",), "bagpipes": ("celtic",),
    "whistle": ("celtic", "folk"), "brush kit": ("jazz",), "jazz kit": ("jazz",),
    "power kit": ("rock",), "electronic kit": ("electronic",), "808 kit": ("electronic",),
    "orchestral kit": ("cinematic",), "tuba": ("cinematic",), "synth strings": ("electronic",),
}
