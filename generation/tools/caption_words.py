"""The words `generation.tools.captions` writes captions with, and what each one states.

Instrument names come with the General MIDI program a musician means by them ("program 29"
for overdriven guitars, "kit 25" for 808 drums), written here by hand from the GM tables.
"""

from __future__ import annotations

import random

INSTRUMENT_NAMES: list[tuple[str, str]] = [
    ("piano", "program 0"), ("acoustic grand piano", "program 0"), ("grand piano", "program 0"),
    ("bright acoustic piano", "program 1"), ("electric grand piano", "program 2"),
    ("honky-tonk piano", "program 3"), ("electric piano", "program 4"),
    ("Rhodes", "program 4"), ("FM electric piano", "program 5"), ("harpsichord", "program 6"),
    ("clavinet", "program 7"), ("celesta", "program 8"), ("glockenspiel", "program 9"),
    ("music box", "program 10"), ("vibraphone", "program 11"), ("marimba", "program 12"),
    ("xylophone", "program 13"), ("tubular bells", "program 14"), ("dulcimer", "program 15"),
    ("drawbar organ", "program 16"), ("Hammond organ", "program 16"),
    ("percussive organ", "program 17"), ("rock organ", "program 18"),
    ("church organ", "program 19"), ("reed organ", "program 20"), ("accordion", "program 21"),
    ("harmonica", "program 22"), ("tango accordion", "program 23"),
    ("acoustic guitar", "program 24"), ("nylon guitar", "program 24"),
    ("classical guitar", "program 24"), ("steel-string acoustic guitar", "program 25"),
    ("steel string guitar", "program 25"), ("jazz guitar", "program 26"),
    ("clean electric guitar", "program 27"), ("electric guitar", "program 27"),
    ("muted guitar", "program 28"), ("overdriven guitars", "program 29"),
    ("overdriven guitar", "program 29"), ("distortion guitar", "program 30"),
    ("distorted guitars", "program 30"), ("guitar harmonics", "program 31"),
    ("acoustic bass", "program 32"), ("electric bass", "program 33"),
    ("fingered bass", "program 33"), ("bass guitar", "program 33"),
    ("picked bass", "program 34"), ("fretless bass", "program 35"),
    ("slap bass", "program 36"), ("synth bass", "program 38"), ("violin", "program 40"),
    ("violins", "program 40"), ("viola", "program 41"), ("cello", "program 42"),
    ("cellos", "program 42"), ("contrabass", "program 43"), ("double bass", "program 43"),
    ("tremolo strings", "program 44"), ("pizzicato strings", "program 45"),
    ("harp", "program 46"), ("orchestral harp", "program 46"), ("timpani", "program 47"),
    ("string ensemble", "program 48"), ("strings", "program 48"),
    ("slow strings", "program 49"), ("synth strings", "program 50"),
    ("choir aahs", "program 52"), ("choir", "program 52"), ("voice oohs", "program 53"),
    ("synth voice", "program 54"), ("orchestra hit", "program 55"), ("trumpet", "program 56"),
    ("trumpets", "program 56"), ("trombone", "program 57"), ("tuba", "program 58"),
    ("muted trumpet", "program 59"), ("French horn", "program 60"),
    ("French horns", "program 60"), ("brass section", "program 61"),
    ("synth brass", "program 62"), ("soprano saxophone", "program 64"),
    ("alto saxophone", "program 65"), ("alto sax", "program 65"),
    ("tenor saxophone", "program 66"), ("tenor sax", "program 66"),
    ("baritone saxophone", "program 67"), ("oboe", "program 68"),
    ("English horn", "program 69"), ("cor anglais", "program 69"), ("bassoon", "program 70"),
    ("clarinet", "program 71"), ("piccolo", "program 72"), ("flute", "program 73"),
    ("flutes", "program 73"), ("recorder", "program 74"), ("pan flute", "program 75"),
    ("blown bottle", "program 76"), ("shakuhachi", "program 77"), ("whistle", "program 78"),
    ("ocarina", "program 79"), ("square lead", "program 80"), ("synth lead", "program 80"),
    ("sawtooth lead", "program 81"), ("calliope lead", "program 82"),
    ("chiff lead", "program 83"), ("charang lead", "program 84"),
    ("voice lead", "program 85"), ("fifths lead", "program 86"),
    ("new age pad", "program 88"), ("warm pad", "program 89"), ("synth pad", "program 89"),
    ("polysynth pad", "program 90"), ("choir pad", "program 91"), ("bowed pad", "program 92"),
    ("metallic pad", "program 93"), ("halo pad", "program 94"), ("sweep pad", "program 95"),
    ("FX 1 (rain)", "program 96"), ("soundtrack FX", "program 97"),
    ("crystal FX", "program 98"), ("atmosphere FX", "program 99"),
    ("brightness FX", "program 100"), ("goblins FX", "program 101"),
    ("echoes FX", "program 102"), ("sci-fi FX", "program 103"), ("sitar", "program 104"),
    ("banjo", "program 105"), ("shamisen", "program 106"), ("koto", "program 107"),
    ("kalimba", "program 108"), ("bagpipes", "program 109"), ("shanai", "program 111"),
    ("tinkle bell", "program 112"), ("agogo", "program 113"), ("steel drums", "program 114"),
    ("woodblock", "program 115"), ("taiko drum", "program 116"),
    ("melodic tom", "program 117"), ("synth drum", "program 118"),
    ("reverse cymbal", "program 119"), ("guitar fret noise", "program 120"),
    ("breath noise", "program 121"), ("seashore", "program 122"),
    ("bird tweet", "program 123"), ("telephone ring", "program 124"),
    ("helicopter", "program 125"), ("applause", "program 126"), ("gunshot", "program 127"),
    ("drums", "kit 0"), ("drum kit", "kit 0"), ("808 drums", "kit 25"),
    ("brush kit", "kit 40"), ("jazz drums", "kit 32"), ("electronic drums", "kit 24"),
    ("power drums", "kit 16"), ("orchestral percussion", "kit 48"), ("room kit", "kit 8"),
]
GENRES = ("electronic", "ambient", "pop", "rock", "jazz", "classical", "cinematic", "folk",
          "soundtrack", "lofi", "blues", "baroque", "celtic", "new age", "film score",
          "electronic dance", "orchestral", "country", "metal", "chiptune")
MOODS_SAID = ("melancholic", "uplifting", "dreamy", "energetic", "calm", "epic", "mysterious",
              "romantic", "dark", "playful", "tense", "happy", "sad", "relaxing", "peaceful",
              "haunting", "introspective", "hopeful", "nostalgic", "meditative", "joyful",
              "somber", "cheerful", "suspenseful")
KEY_FORMS = ("in {key}", "in the key of {key}", "in {key}", "set in {key}", "written in {key}")
METER_FORMS = ("with a {meter} time signature", "in {meter} time", "in {meter}",
               "with a time signature of {meter}", "in a {meter} meter")
TEMPO_BPM_FORMS = ("{bpm} bpm", "a tempo of {bpm} BPM", "{bpm} beats per minute",
                   "a steady {bpm} BPM", "around {bpm} bpm", "a tempo of {bpm} bpm")
# (said, lowest and highest bpm it means): the standard metronome ranges of the terms
TEMPO_WORDS = [(form.format(word=word), low, high) for word, low, high in (
    ("Largo", 40, 60), ("Adagio", 66, 76), ("Andante", 76, 108), ("Moderato", 108, 120),
    ("Allegro", 120, 156), ("Vivace", 156, 176), ("Presto", 168, 200), ("Allegretto", 112, 120),
    ("Andantino", 80, 108), ("Larghetto", 60, 66)) for form in (
    "a {word} tempo", "a {word} pace", "{word}")]


def _commas(chords: list[str], rng: random.Random) -> str:
    comma = "," if rng.random() < 0.5 else ""
    return ", ".join(chords[:-1]) + f"{comma} and {chords[-1]}"


CHORD_FORMS = (
    lambda chords, rng: f"The chord sequence of {_commas(chords, rng)} adds to its character",
    lambda chords, rng: f"The chord progression is {' - '.join(chords)}",
    lambda chords, rng: f"Its harmony moves through {_commas(chords, rng)}",
    lambda chords, rng: f"The chords {', '.join(chords)} repeat throughout",
    lambda chords, rng: f"It is built on the progression {'-'.join(chords)}",
    lambda chords, rng: f"The main chord progression, {_commas(chords, rng)}, gives it shape",
    lambda chords, rng: f"Chords: {' | '.join(chords)}",
)
CLOSINGS = (
    "It would suit a film scene or a quiet evening at home.",
    "The arrangement stays clear, and every part has room to breathe.",
    "Overall, it feels like a late night drive through an empty city.",
    "This track would work well in a documentary or a video game menu.",
    "The dynamics rise toward the end before settling gently.",
    "It is well suited to study sessions, reading, or winding down after a long day.",
    "The melody returns near the end, slightly varied, before the final cadence.",
    "",
)
# Sentences that lengthen a caption without stating anything the labels score.
DETAILS = (
    "The opening bars are sparse, and the texture thickens gradually as more parts join in.",
    "A short motif is introduced early and developed through the middle section.",
    "There is a clear contrast between the gentle verses and the fuller refrain.",
    "The lower parts anchor the harmony while the upper parts trade short phrases.",
    "Dynamics are carefully shaped, with soft passages giving way to brighter climaxes.",
    "The rhythm section keeps a steady groove that never becomes overbearing.",
    "Countermelodies weave around the main theme, adding depth without clutter.",
    "The production is clean, with a wide stereo image and a natural sense of space.",
    "Midway through, the arrangement drops to a quieter interlude before building again.",
    "Its phrasing is lyrical and unhurried, leaving space between the melodic lines.",
    "The piece has a clear structure with an introduction, two main sections and a coda.",
    "Syncopated accents give the middle section a lively, forward-leaning push.",
)

# Fourteen caption shapes: where the genre, mood, key, tempo, meter, instruments and chords go.
SHAPES = (
    "A {mood} {genre} song featuring {instruments}. Set {key} {meter}, it moves at {tempo}. "
    "{chords}. {closing}",
    "This {genre} piece is {mood}, played by {instruments}. {chords}. The song is {key}, at "
    "{tempo}, {meter}. {closing}",
    "{chords}, and the piece stays {key} throughout. It is a {mood} {genre} track {meter}, "
    "taken at {tempo}, with {instruments}.",
    "Featuring {instruments}, this {mood} {genre} composition unfolds {key} at {tempo}. Its "
    "rhythm is {meter}. {chords}. {closing}",
    "A {genre} instrumental with a {mood} feel. Instruments: {instruments}. Key: it is {key}. "
    "Tempo: {tempo}. Meter: {meter}. {chords}.",
    "At {tempo}, this {mood} {genre} song {meter} brings together {instruments}. {chords}. "
    "The tonal center is firmly {key}. {closing}",
    "Moving at {tempo} {meter}, a {mood} {genre} tune {key}. The lead is shared by "
    "{instruments}. {closing} {chords}.",
    "{closing} This {genre} track, {mood} in tone, is {key} and {meter}, at {tempo}. "
    "{instruments} carry it from start to finish. {chords}.",
    "The {instruments} open this {mood} {genre} piece. {chords}. Written at {tempo} "
    "{meter}, it remains {key}.",
    "A short {genre} piece, {mood} and warm, {key}. The ensemble is {instruments}. {chords}. "
    "It keeps {tempo} {meter} from the first bar to the last. {closing}",
    "This is a {mood} {genre} song. {chords}. It is {key}, {meter}, with {instruments}, "
    "and it moves at {tempo}. {closing}",
    "With {instruments}, this {genre} song creates a {mood} atmosphere. The piece is {key} "
    "at {tempo}. {chords}. The time signature: {meter}.",
    "{meter}, {key}, at {tempo}: a {mood} {genre} arrangement for {instruments}. {chords}. "
    "{closing}",
    "A {mood} {genre} song that features {instruments}. {chords}. Performed at {tempo} and "
    "{meter}, it is {key}. {closing}",
)
