"""Which changes a line names: tempo, key, mood, style, instruments, length, meter and form.

    read_changes("a bit faster and add a cello")
      → Changes(tempo_factor=1.07, add=("cello",))

Only what the words name goes into `Changes`; `generation.music.revise` keeps the rest of the
piece. Words are read in English, French, Spanish, German and Chinese on the folded text
(lower case, no accents), with the exact slot readers of `request/slots.py` for absolute
values (keys, tempi, meters, lengths) and the lexicons for instruments, moods and styles.
Whether the line is an edit at all is `request/turn.py`'s question.
"""

from __future__ import annotations

import re

from generation.job import LITTLE, LOT, NORMAL, Changes
from generation.request.amounts import amount_near, has
from generation.request.fusion import read_fusion
from generation.request.instrument_edits import LEAD, read_instrument_edits
from generation.request.key_edits import read_key_edits
from generation.request.levels import read_levels
from generation.request.lexicon import (
    MOOD_LEXICON,
    MOOD_WORDS,
    STYLE_LEXICON,
    STYLE_WORDS,
    comparative_mood,
    fold,
)
from generation.request.multiples import multiple_changes
from generation.request.sections import read_frame, read_rewrite
from generation.request.slots import Text, read_length, read_meter
from generation.request.tempo_edits import FASTER, SLOWER, read_tempo_edits

# ------------------------------------------------------------------------ word lists
# All patterns run on folded text: lower case, accents removed ("más" → "mas").

_LONGER = (r"longer|lengthen|more\s+long|too\s+short|plus\s+longue?|mas\s+larg[oa]|langer|"
           r"更长|长一点")
_SHORTER = (r"shorter|shorten|more\s+short|too\s+long|plus\s+courte?|mas\s+cort[oa]|kurzer|"
            r"更短|短一点")
_TWICE_LONG = (r"twice\s+as\s+long|double\s+(?:the\s+)?length|deux\s+fois\s+plus\s+long|"
               r"el\s+doble\s+de\s+largo|doppelt\s+so\s+lang|长一倍")
_HALF_LONG = (r"half\s+as\s+long|half\s+the\s+length|deux\s+fois\s+plus\s+court|"
              r"la\s+mitad\s+de\s+largo|halb\s+so\s+lang|短一半")

# comparatives that name a mood or style by themselves
_MOOD_COMPARATIVES = {
    "sad": r"sadder|gloomier|more\s+melancholic|lonel(?:y|ier)|(?:more\s+)?(?:desolate|forlorn)|"
           r"plus\s+triste|mas\s+triste|trauriger|"
           r"更悲伤|更伤心|更忧伤",
    "happy": r"happier|cheerier|more\s+cheerful|brighter|jollier|sunnier|plus\s+(?:gai|joyeux)|"
             r"mas\s+(?:alegre|feliz)|frohlicher|heiterer|更快乐|更欢快|更开心",
    "calm": r"calmer|gentler|softer|mellower|more\s+relaxed|quieter|more\s+peaceful|"
            r"tone\s+(?:it|things|everything)\s+down|"
            r"plus\s+(?:calme|doux)|mas\s+(?:tranquilo|calmado|suave)|ruhiger|sanfter|"
            r"更平静|更安静|更柔和",
    "energetic": r"livelier|punchier|more\s+upbeat|more\s+intense|(?:more\s+)?energy|"
                 r"plus\s+(?:energique|dynamique)|mas\s+(?:energico|animado|intenso)|"
                 r"energischer|lebhafter|更有活力|更激烈|更有力",
    "dark": r"darker|scarier|spookier|more\s+(?:ominous|scary|menacing)|plus\s+sombre|"
            r"mas\s+oscur[oa]|dunkler|更黑暗|更阴暗",
    "epic": r"grander|bigger|more\s+epic|plus\s+epique|mas\s+epico|epischer|更史诗|更宏大",
    "tense": r"angrier|more\s+(?:aggressive|angry|tense)|plus\s+tendu|mas\s+tens[oa]|"
             r"spannender|wutender|更紧张|更愤怒",
    "dreamy": r"dreamier|hazier|plus\s+reveur|mas\s+sonador|vertraumter|更梦幻",
    "playful": r"sillier|bouncier|more\s+playful|plus\s+ludique|mas\s+jugueton|verspielter|更俏皮",
    "mysterious": r"more\s+mysterious|eerier|plus\s+mysterieux|mas\s+misterioso|"
                  r"geheimnisvoller|更神秘",
    "romantic": r"more\s+romantic|plus\s+romantique|mas\s+romantico|romantischer|更浪漫",
}
_OPPOSITE = {"sad": "happy", "happy": "sad", "calm": "energetic", "energetic": "calm",
             "dark": "happy", "epic": "calm", "tense": "calm", "dreamy": "energetic",
             "playful": "calm", "mysterious": "happy", "romantic": "energetic"}
_STYLE_COMPARATIVES = {"jazz": r"jazzier", "rock": r"rockier", "blues": r"bluesier",
                       "folk": r"folkier", "pop": r"poppier", "celtic": r"more\s+irish",
                       "electronic": r"more\s+electronic", "cinematic": r"more\s+cinematic"}
_MORE = r"more|plus|mas|mehr|更|更加"
_TONE_DOWN = r"(?:tone|dial|pull|ease|back)\s+(?:it\s+)?(?:down|back|off)"
_LESS = r"less|moins|menos|weniger|不那么|少一点"



# ------------------------------------------------------------------------ readers

# a mood said as a noun with a verb that turns it up or down: "turn down the energy", "bring
# the darkness down a bit", "crank up the drama"
_MOOD_NOUNS = {"energy": "energetic", "intensity": "energetic", "hype": "energetic",
               "intense": "energetic", "urgency": "energetic", "drive": "energetic",
               "propulsion": "energetic", "momentum": "energetic", "wonder": "dreamy",
               "magic": "dreamy", "awe": "epic", "grandeur": "epic", "heroism": "epic",
               "bombast": "epic", "majesty": "epic", "menace": "dark", "dread": "dark",
               "fear": "dark", "horror": "dark", "anger": "tense", "rage": "tense",
               "chaos": "tense", "whimsy": "playful", "silliness": "playful",
               "slapstick": "playful", "levity": "playful", "fun": "playful", "grief": "sad",
               "loneliness": "sad", "longing": "romantic", "warmth": "romantic",
               "tenderness": "romantic", "coziness": "calm",
               "darkness": "dark", "creepiness": "dark", "spookiness": "dark", "drama": "epic",
               "epicness": "epic", "happiness": "happy", "joy": "happy", "sadness": "sad",
               "melancholy": "sad", "mystery": "mysterious", "tension": "tense",
               "romance": "romantic", "calm": "calm", "chill": "calm"}
_NOUN = "|".join(_MOOD_NOUNS)
_DOWN_VERB = r"turn|tone|dial|bring|take|knock|pull|ease|cut|scale|tame"
_UP_VERB = r"turn|crank|pump|ramp|dial|amp|jack|bump|ratchet|kick"
_NOUN_DOWN = (rf"(?:{_DOWN_VERB})\s+(?:down|back)\s+(?:on\s+)?(?:the\s+)?(?P<a>{_NOUN})|"
              rf"(?:{_DOWN_VERB})\s+(?:the\s+)?(?P<b>{_NOUN})\s+(?:(?:way|right|a\s+bit|a\s+little|"
              rf"a\s+notch|a\s+touch)\s+)?(?:down|back)|(?:(?:reduce|lower)(?:\s+the)?|less|too|low|lower)\s+"
              rf"(?P<c>{_NOUN})|(?P<d>{_NOUN})\s+down")
_NOUN_UP = (rf"(?:{_UP_VERB})\s+up\s+(?:the\s+)?(?P<a>{_NOUN})|(?:{_UP_VERB})\s+(?:the\s+)?"
            rf"(?P<b>{_NOUN})\s+up|(?:(?:boost|raise|increase)(?:\s+the)?|more|higher|high)\s+"
            rf"(?P<c>{_NOUN})|(?P<d>{_NOUN})\s+up")


def _mood_noun(text: str) -> dict:
    """"turn down the energy", "more wonder, less bombast" (what is asked more of leads)."""
    for pattern, down in sorted(((_NOUN_DOWN, True), (_NOUN_UP, False)),
                                key=lambda p: not re.search(r"\bmore\b", text) or p[1]):
        if found := has(pattern, text):
            mood = _MOOD_NOUNS[next(g for g in found.groups() if g)]
            return {"mood": _OPPOSITE[mood], "mood_amount": LITTLE} if down else \
                {"mood": mood, "mood_amount": amount_near(text, *found.span())}
    return {}


_TOO_MUCH = r"(?:(?P<way>way|far|much)\s+)?(?:too|overly)\s+$"  # "too sad": less of it
_DULL = r"(?:too|so|kinda|bit|less|very|pretty|really)\s+(?:boring|dull|bland|lifeless)|boring"


def _too(mood: str, before: str) -> dict | None:
    """"too sad", "way too mellow": the other way, a little (a step if "way too")."""
    if not (too := re.search(_TOO_MUCH, before)):
        return None
    return {"mood": _OPPOSITE.get(mood, "calm"), "mood_amount": NORMAL if too.group("way")
            else LITTLE}


def _mood(text: str) -> dict:
    # "not scary enough" asks for more of it; "more... wonder" is "more wonder"
    text = re.sub(r"\bnot\s+(\w+)\s+enough\b", r"more \1", re.sub(r"\.{2,}|…", " ", text))
    if said := _mood_noun(text):
        return said
    if has(_DULL, text):  # "kinda boring", "less boring"
        return {"mood": "energetic", "mood_amount": NORMAL}
    for mood, pattern in _MOOD_COMPARATIVES.items():
        match = has(pattern, text)
        if match:
            before = text[max(0, match.start() - 12):match.start()]
            if re.search(rf"(?:{_LESS})\s*$", before):
                return {"mood": _OPPOSITE[mood], "mood_amount": LITTLE}
            return {"mood": mood, "mood_amount": amount_near(text, *match.span())}
    if derived := comparative_mood(text):  # "creepier": more of what "creepy" names
        mood, start, end = derived
        if too := _too(mood, text[max(0, start - 12):start]):
            return too  # "too darker" is rare; kept for symmetry
        less = re.search(rf"(?:{_LESS})\s*$", text[max(0, start - 12):start])
        return {"mood": _OPPOSITE[mood], "mood_amount": LITTLE} if less else \
            {"mood": mood, "mood_amount": amount_near(text, start, end)}
    for find in MOOD_LEXICON.find(text):
        before = text[max(0, find.start - 16):find.start]
        mood = MOOD_WORDS[find.phrase] if isinstance(MOOD_WORDS[find.phrase], str) else None
        if mood is None:
            continue
        after = text[find.end:find.end + 20]
        if too := _too(mood, before):
            return too
        if re.search(rf"(?:{_LESS})\s*$|{_TONE_DOWN}\s+(?:on\s+)?(?:the\s+)?$", before) or (
                re.search(r"(?:bring|take|turn|dial|tone)\s+(?:the\s+)?$", before)
                and re.match(r"\s+(?:(?:way|right|all\s+the\s+way|a\s+(?:bit|lot|notch))\s+)?"
                             r"(?:down|back)", after)):
            return {"mood": _OPPOSITE.get(mood, "calm"), "mood_amount": LITTLE}
        clause = re.split(r"[,.;:!?&+]|\band\b|\bthen\b", before)[-1]
        if re.fullmatch(r"\s*(?:(?:ok|and|now|but|so|more|very|really|also)\s+)*", clause) and \
                re.match(r"\s*(?:now|please|pls|too|then)?\s*(?:[,.!?;:&+]|and\b|$)", after) and \
                (find.start > 0 or re.match(r"\s*[,;&+]|\s+and\b", after)):
            return {"mood": mood, "mood_amount": NORMAL}  # "lonely, sad", "tense, slower"
        if re.search(rf"(?:{_MORE})\s*$|(?:bring\s+in|add|build(?:\s+up)?|crank\s+up|up\s+the)"
                     rf"\s+(?:the\s+|some\s+)?$|(?:make\s+it|sound|feel|rends[\s-]le|hazlo|"
                     rf"mach\s+es)\s+(?:(?:a\s+)?(?:bit|little|lot|much|way|more)\s+)*$",
                     before):
            return {"mood": mood, "mood_amount": amount_near(text, find.start, find.end)}
    return {}


# dance forms: with a meter said, or said of what the piece should be like ("a jig has to
# drive"), they name the meter or the character, not a new style
_DANCE = (r"jigs?|slip\s+jigs?|reels?|hornpipes?|waltz(?:es)?|tangos?|marche?s?|polkas?|"
          r"tarantellas?|minuets?|mazurkas?|boleros?|gigue|valse|vals|walzer")


def _style(text: str, meter: bool = False) -> dict:
    for style, pattern in _STYLE_COMPARATIVES.items():
        if has(pattern, text):
            return {"style": style}
    for find in STYLE_LEXICON.find(text):
        before = text[max(0, find.start - 28):find.start]
        style = STYLE_WORDS[find.phrase]
        if not isinstance(style, str) or find.negated or re.fullmatch(_DANCE, find.phrase) and (
                meter or re.match(r"\s+(?:has|needs|should|must|cadence|close)\b",
                                  text[find.end:])):
            continue
        if re.search(r"(?:into|to|as|like|more|style\s+of|make\s+it|now|en|a|como|comme|"
                     r"in|zu|als|wie|mas|plus|mehr|成|改成)\s+(?:an?\s+|the\s+|un\s+|une\s+|"
                     r"una?\s+|ein(?:en)?\s+)?(?:bit\s+|little\s+)?(?:more\s+)?$|"
                     r"(?:成|改成|换成|变成|更)\s*$", before) or (
                re.search(r"(?:and|&|\+|,)\s*$", before) and re.match(
                    r"\s*(?:pls|plz|please|too|now|vibes?|style)?\s*(?:[,.!?]|$)",
                    text[find.end:])):  # "more chill and lofi"
            return {"style": style}
    return {}


def _length(text: str, slots: Text) -> dict:
    for moment in re.finditer(r"\bfor\s+(?:just\s+)?(?:a|one)\s+(?:sec|second|tick)\b", slots.low):
        slots.take(*moment.span())  # "let the piano take it for a sec": a while, not a length
    said = Text(slots.cased, slots.low, list(slots.used))
    length = read_length(said)
    if length is not None and length.seconds and not re.search(
            r"\d\s*(?:s|secs?|seconds?|mins?|minutes?)\s+(?:longer|shorter)", text):
        slots.used[:] = said.used  # "shorter, 20 seconds": the number is the length asked
        return {"duration_s": float(length.seconds)}
    if has(_TWICE_LONG, text) or has(r"double\s+it|twice", text) and has(
            r"long\w*|length|loop|duration|minutes?|seconds?", text):  # "longer loop, double it"
        return {"length_factor": 2.0}
    cut = has(r"(?:cut|trim|shorten|chop)\s+(?:it\s+)?(?:down\s+)?to\s+(?:exactly\s+|about\s+|"
              r"just\s+)?(\d{1,3})(?!\s*(?:bpm|%|bars?|\d|/))", text)
    if cut:  # "cut it to exactly 35"
        return {"duration_s": float(cut.group(1))}
    if has(_HALF_LONG, text):
        return {"length_factor": 0.5}
    for pattern, longer in ((_LONGER, True), (_SHORTER, False)):
        match = has(pattern, text)
        if match:
            # "longer outro" is about a section, not the whole piece
            if re.match(r"\s*(?:intro|outro|ending|end|middle|bridge)", text[match.end():]) or \
                    re.search(r"(?:intro|outro|ending|middle|bridge)\W*(?:is|s|feels|seems)?"
                              r"\s*(?:\w+\s+)?$", text[:match.start()]):
                continue  # "the intro is too long" is no length of the whole
            amount = amount_near(text, *match.span())
            factor = {LITTLE: 1.25, NORMAL: 1.5, LOT: 2.0}[amount]
            return {"length_factor": factor if longer else round(1 / factor, 4)}
    length = read_length(slots)
    if length is not None and length.seconds:
        return {"duration_s": float(length.seconds)}
    return {}


_SPARSER = (r"sparser|sparse|thinner|fewer\s+layers|less\s+stuff|thin\s+(?:it\s+|things\s+)?out|"
            r"less\s+activity|(?:reduce|lower)\s+(?:the\s+)?(?:note\s+)?density|"
            r"thin\s+the\s+(?:texture|writing)|open\s+it\s+up|not\s+so\s+many\s+notes|"
            r"less\s+(?:busy|dense|"
            r"cluttered|going\s+on)|not\s+(?:so|as|too)\s+busy|too\s+busy|fewer\s+notes|"
            r"less\s+notes|more\s+(?:space|room|air|minimal)|too\s+much\s+(?:going\s+on|stuff|"
            r"happening)|less\s+happening|emptier|barer|leaner|cluttered|crowded|cramped|"
            r"strip\s+(?:it\s+)?(?:back|down)|"
            r"declutter|calm\s+down\s+the\s+notes|plus\s+(?:epure|aere|clairseme)|"
            r"moins\s+(?:charge|dense|de\s+notes)|menos\s+(?:notas|denso|cargado)|"
            r"mas\s+(?:espacio|sencillo)|weniger\s+(?:noten|dicht|voll)|luftiger|sparsamer|"
            r"更稀疏|稀疏一点|少一些音符|少一点音符|简单一点|别那么密")
_BUSIER = (r"busier|denser|more\s+layers|more\s+stuff|"
           r"more\s+(?:notes|busy|active|going\s+on|movement|motion|activity|dense|happening)|"
           r"too\s+(?:empty|bare|sparse)|"
           r"fill\s+(?:it\s+)?(?:out|up|in)|fuller|thicker|more\s+complex|plus\s+(?:dense|"
           r"charge|de\s+notes|rempli)|mas\s+(?:notas|denso|lleno|cargado)|mehr\s+noten|dichter|"
           r"voller|更密|更密集|多一些音符|多一点音符|更丰富")
DENSITY_STEP = {LITTLE: 0.08, NORMAL: 0.15, LOT: 0.25}


# a texture complained of: "too busy", "it sounds a little busy to me", "it feels empty"
_TOO = (r"(?:too|(?:sounds|feels|seems|is|it'?s|kind\s+of|kinda)\s+(?:a\s+(?:bit|little|lil)\s+|"
        r"kinda\s+|rather\s+|quite\s+|pretty\s+|so\s+|very\s+|way\s+)?)\s*(?:(?P<empty>sparse|"
        r"empty|bare|thin)|busy|dense|full|cluttered|crowded|messy)"
        r"(?!\s+(?:for|of)\b|\s+to\s+(?!me\b|my\b))")


def _density(text: str) -> dict:
    if (too := has(_TOO, text)) and not has(r"not\s+" + _TOO, text):  # "it's too sparse now"
        way = LITTLE if re.search(r"(?:bit|little|lil|tad|kinda|slightly)\s+(?:too\s+)?",
                                  text[max(0, too.start() - 12):too.end()]) else NORMAL
        return {"density": (1 if too.group("empty") else -1) * DENSITY_STEP[way]}
    for pattern, sign in ((_SPARSER, -1), (_BUSIER, 1)):
        match = has(pattern, text)
        if match:
            return {"density": sign * DENSITY_STEP[amount_near(text, *match.span())]}
    return {}


def _meter(slots: Text) -> dict:
    found = read_meter(slots)
    return {"meter": found[0]} if found else {}


def read_changes(line: str) -> Changes:
    """Every change a line names, read on its own (no conversation needed)."""
    levels, text = read_levels(fold(line))  # "the drums are too loud": read, then blanked
    slots = Text.of(line)
    values: dict = dict(levels)
    values.update(read_tempo_edits(text, slots))
    values.update(_meter(slots))
    values.update(_length(text, slots))
    values.update(multiple_changes(text, values))
    values.update(_density(text))
    values.update(read_key_edits(text, slots))
    values.update(read_instrument_edits(text))
    if values.get("add") and re.search(r",\s*(?:very\s+|really\s+)?(?:sparse|quiet|soft|subtle|"
                                       r"light|gentle)(?:\s+ones?)?\W*$", text):
        values.pop("density", None)  # "add a piano, sparse": how the piano plays
    if values.get("only") and has(r"strip\w*", text):
        values.pop("density", None)  # "strip it down to just the guitar": the band, not notes
    values.update(_mood(text))
    values.update(_style(text, "meter" in values))
    values.update(read_fusion(text, values))
    values.update(read_rewrite(text))
    framed = read_frame(text)
    if framed:  # "add an intro", "a longer outro": bars around the melody, nothing else
        if values.get("rewrite") in ("beginning", "ending"):
            values.pop("rewrite")
        values.pop("length_factor", None)
    values.update(framed)
    return Changes(**values)




def named_as_change(text: str, changes: Changes) -> bool:
    """Whether the words say "change this piece" by themselves: a comparative ("sadder",
    "faster") or a change only an existing piece can have ("up a tone", "twice as long",
    "swap the sax", "melody on violin")."""
    comparative = has("|".join([*_MOOD_COMPARATIVES.values(), *_STYLE_COMPARATIVES.values(),
                                FASTER, SLOWER, _LONGER, _SHORTER, _LESS]), text)
    relative = bool(changes.transpose or changes.relative or changes.levels or changes.tempo_factor
                    or changes.tempo_step
                    or changes.length_factor or changes.swap or changes.rewrite or changes.remove
                    or changes.intro or changes.outro or (changes.lead and has(
                        LEAD + r"|lead|solo|(?:the|its)\s+(?:melody|tune|theme)|"
                        r"(?:carr(?:y|ies)|takes?|plays?|gets?)\s+the\s+"
                        r"(?:melody|tune|line|theme)", text)))
    return bool(comparative or relative)
