"""One line of a conversation, read: an edit of the current piece, a new request, a question,
or a move in the conversation's history (undo, redo, go back to a version).

    read_turn("a bit faster and add a cello", has_piece=True)
      → Turn("edit", changes=Changes(tempo_factor=1.07, add=("cello",)))

Only what the sentence names goes into `Changes`; everything else of the piece is kept by
`generation.music.revise`. Words are read in English, French, Spanish, German and Chinese on
the folded text (lower case, no accents), with the exact slot readers of `request/slots.py`
for absolute values (keys, tempi, meters, lengths) and the lexicons for instruments, moods
and styles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from generation.job import LITTLE, LOT, NORMAL, Changes
from generation.request.lexicon import (
    INSTRUMENT_LEXICON,
    INSTRUMENT_WORDS,
    MOOD_LEXICON,
    MOOD_WORDS,
    STYLE_LEXICON,
    STYLE_WORDS,
    fold,
)
from generation.request.slots import Text, read_key, read_length, read_meter, read_tempo


@dataclass(frozen=True)
class Turn:
    """What a line asks for.

    kind: 'edit' (changes to the current piece, or to version `base`), 'new' (compose
    `text`), 'vary' (same piece, new melody details), 'again' (same request, new seed),
    'undo', 'redo', 'goto' (make version `base` current), 'question' (`topic`), 'help',
    'smalltalk', 'empty' or 'unknown'.
    """

    kind: str
    text: str = ""
    changes: Changes = field(default_factory=Changes)
    base: int | None = None  # a version named in the line ("the second version but ...")
    topic: str | None = None  # for questions: key, tempo, meter, instruments, ...


# ------------------------------------------------------------------------ word lists
# All patterns run on folded text: lower case, accents removed ("más" → "mas").

_LITTLE = (r"a\s+(?:little\s+|tiny\s+|wee\s+)?bit|a\s+little|a\s+touch|slightly|somewhat|"
           r"a\s+tad|a\s+lil|lil|a\s+smidge|kinda|un\s+peu|un\s+poco|un\s+poquito|"
           r"ein\s+(?:bisschen|wenig)|etwas|leicht|一点点|一点|一些|稍微|有点|稍|略")
_LOT = (r"much(?:\s+much)*|way|a\s+lot|lots|far|significantly|really|very|considerably|"
        r"beaucoup|bien|mucho|muchisimo|viel|sehr|deutlich|很多|非常|得多|多了")

_FASTER = (r"faster|quicker|speed\s+(?:it\s+)?up|more\s+tempo|up\s+the\s+tempo|"
           r"plus\s+(?:vite|rapide)|accelere[rz]?|mas\s+(?:rapido|rapida|deprisa)|"
           r"acelera(?:r|lo)?|schneller|更快|快一点点|快一点|快点|加快|快些")
_SLOWER = (r"slower|slow\s+(?:it\s+)?down|less\s+fast|plus\s+lente?|moins\s+vite|"
           r"ralenti[rs]?|mas\s+(?:lento|lenta|despacio)|langsamer|更慢|慢一点点|慢一点|慢点|"
           r"放慢|慢些|慢很多|慢得多")
_DOUBLE_TEMPO = (r"twice\s+as\s+fast|double\s+(?:the\s+)?(?:tempo|speed)|double[\s-]time|"
                 r"deux\s+fois\s+plus\s+(?:vite|rapide)|(?:el\s+)?doble\s+de\s+(?:rapido|"
                 r"velocidad|tempo)|doppelt\s+so\s+schnell|快一倍")
_HALF_TEMPO = (r"half\s+(?:the\s+)?(?:tempo|speed)|half\s+as\s+fast|half[\s-]time|"
               r"half[\s-]speed|deux\s+fois\s+moins\s+vite|moitie\s+(?:du\s+)?tempo|"
               r"(?:la\s+)?mitad\s+de\s+(?:rapido|velocidad|tempo)|halb\s+so\s+schnell|"
               r"halbes\s+tempo|慢一倍|一半的速度|速度减半|半速")

_LONGER = (r"longer|lengthen|plus\s+longue?|mas\s+larg[oa]|langer|更长|长一点")
_SHORTER = (r"shorter|shorten|plus\s+courte?|mas\s+cort[oa]|kurzer|更短|短一点")
_TWICE_LONG = (r"twice\s+as\s+long|double\s+(?:the\s+)?length|deux\s+fois\s+plus\s+long|"
               r"el\s+doble\s+de\s+largo|doppelt\s+so\s+lang|长一倍")
_HALF_LONG = (r"half\s+as\s+long|half\s+the\s+length|deux\s+fois\s+plus\s+court|"
              r"la\s+mitad\s+de\s+largo|halb\s+so\s+lang|短一半")

_UP = (r"up|higher|raise|plus\s+haut|monte[rz]?|mas\s+alto|sube|subir|hoher|nach\s+oben|"
       r"升高?|高")
_DOWN = (r"down|lower|plus\s+bas|baisse[rz]?|mas\s+bajo|baja|bajar|tiefer|nach\s+unten|"
         r"降低?|低")
# what may stand between a direction and a step: "lower it a tone", "monte-le d'un ton"
_THING = r"(?:\s*(?:-?(?:it|le|la|lo)|everything|the\s+key|by|d'|de|um|了)\b)*\s*"
_STEPS = [  # (pattern, semitones)
    (r"(?:a\s+)?(?:whole\s+(?:step|tone)|full\s+step|tone|step|un\s+ton|un\s+tono|"
     r"einen?\s+ganzton|ganzton|一个全音|全音)", 2),
    (r"(?:a\s+)?(?:half[\s-]step|semi[\s-]?tone|half[\s-]tone|un\s+demi[\s-]ton|"
     r"un\s+semitono|einen?\s+halbton|halbton|半音)", 1),
    (r"(?:a\s+)?(?:minor\s+third)", 3), (r"(?:a\s+)?(?:major\s+third|third)", 4),
    (r"(?:a\s+)?(?:fourth|4th|perfect\s+fourth|quarte)", 5),
    (r"(?:a\s+)?(?:fifth|5th|perfect\s+fifth|quinte)", 7),
    (r"(?:an?\s+)?(?:octave|oktave)", 12),
]

_MINOR = r"minor|mineur|menor|moll|小调"
_MAJOR = r"major|majeur|mayor|dur|大调"

# comparatives that name a mood or style by themselves
_MOOD_COMPARATIVES = {
    "sad": r"sadder|gloomier|more\s+melancholic|plus\s+triste|mas\s+triste|trauriger|"
           r"更悲伤|更伤心|更忧伤",
    "happy": r"happier|cheerier|more\s+cheerful|brighter|jollier|sunnier|plus\s+(?:gai|joyeux)|"
             r"mas\s+(?:alegre|feliz)|frohlicher|heiterer|更快乐|更欢快|更开心",
    "calm": r"calmer|gentler|softer|mellower|more\s+relaxed|quieter|more\s+peaceful|"
            r"plus\s+(?:calme|doux)|mas\s+(?:tranquilo|calmado|suave)|ruhiger|sanfter|"
            r"更平静|更安静|更柔和",
    "energetic": r"livelier|punchier|more\s+upbeat|more\s+intense|more\s+energy|"
                 r"plus\s+(?:energique|dynamique)|mas\s+(?:energico|animado|intenso)|"
                 r"energischer|lebhafter|更有活力|更激烈|更有力",
    "dark": r"darker|more\s+ominous|plus\s+sombre|mas\s+oscur[oa]|dunkler|更黑暗|更阴暗",
    "epic": r"grander|bigger|more\s+epic|plus\s+epique|mas\s+epico|epischer|更史诗|更宏大",
    "tense": r"angrier|scarier|more\s+(?:aggressive|angry|tense)|plus\s+tendu|mas\s+tens[oa]|"
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
_LESS = r"less|moins|menos|weniger|不那么|少一点"

_ADD = (r"add|adding|with|plus|bring\s+in|throw\s+in|include|and\s+a|ajoute[rz]?|avec|"
        r"anade|agrega|con|fuge|mit|dazu|noch|加上|加入|再加|加")
_REMOVE = (r"drop|remove|lose|ditch|mute|without|no\s+more|get\s+rid\s+of|take\s+out|cut|kill|"
           r"enleve[rz]?|supprime[rz]?|retire[rz]?|sans|quita|quitar|quitale|quitalo|sin|"
           r"elimina(?:r)?|ohne|entfernen|"
           r"entferne|weg\s+mit|去掉|不要|删掉|拿掉")
_LEAD = (r"melody\s+(?:on|for|to|with|played\s+(?:on|by))|give\s+the\s+melody\s+to|"
         r"lead\s+(?:on|to)|(?:on|as)\s+(?:the\s+)?lead|plays?\s+the\s+(?:melody|tune|lead)|"
         r"melodie\s+(?:au|a\s+la|sur|on)|melodia\s+(?:en|con|al|a\s+la)|"
         r"melodie\s+(?:bitte\s+)?(?:auf|mit)|旋律[用给由]|旋律换成|旋律改成")
_SWAP = (r"swap|replace|switch|change|exchange|trade|remplace[rz]?|echange[rz]?|cambiar?|"
         r"sustitu(?:ye|ir)|reemplazar?|tausche[n]?|ersetze[n]?|wechsle|换成|改成|替换")
_INSTEAD = (r"instead\s+of|in\s+place\s+of|au\s+lieu\s+d[eu']|en\s+vez\s+de|en\s+lugar\s+de|"
            r"statt|anstatt|而不是")

# an edit says what to do to "it"; these cues mark a line as one
_EDIT_CUES = (r"make\s+it|turn\s+it|change|now|instead|keep|same|but|also|too|try\s+it|"
              r"more|less|rends[\s-]le|fais[\s-]le|plus|moins|maintenant|hazlo|ahora|mas|menos|"
              r"mach\s+es|jetzt|mehr|weniger|让它|改|更|现在|换")

_UNDO = (r"undo|go\s+back|revert|back\s+to\s+(?:the\s+)?(?:previous|last|earlier|old)"
         r"(?:\s+(?:one|version))?|previous\s+version|annule[rz]?|retour|deshacer|deshaz|"
         r"vuelve|volver|ruckgangig|zuruck|take\s+(?:that|it)\s+back|撤销|返回|回到上一")
_REDO = r"redo|retablir|rehacer|wiederherstellen|重做|恢复"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "premiere?": 1, "deuxieme": 2, "troisieme": 3,
             "primera?": 1, "primero": 1, "segunda?": 2, "segundo": 2, "tercera?": 3,
             "erste[nrs]?": 1, "zweite[nrs]?": 2, "dritte[nrs]?": 3, "第一": 1, "第二": 2,
             "第三": 3}
_VERSION = r"(?:version|versions?|take|one|piece|tune|versión|fassung|个版本|版|首)"

_NEW = (r"(?:now\s+)?something\s+(?:completely\s+|totally\s+|entirely\s+)?(?:different|else)|"
        r"(?:a\s+)?(?:new|another|different)\s+(?:piece|song|tune|track|one)(?!\s+version)|"
        r"start\s+(?:over|again|fresh)|from\s+scratch|autre\s+chose|nouveau\s+morceau|"
        r"nouvelle\s+piece|otra\s+cosa|nueva\s+(?:pieza|cancion)|etwas\s+(?:ganz\s+)?anderes|"
        r"neues\s+stuck|换一首|来点别的|新的一首|new\s+one\s*:|forget\s+(?:that|it)|"
        r"algo\s+(?:totalmente\s+|completamente\s+)?(?:distinto|diferente)|"
        r"(?:une\s+)?autre\s+chose|quelque\s+chose\s+d'autre")
_VARY = (r"(?:a\s+)?(?:little|bit|slightly)\s+different|variation|vary\s+it|vary|"
         r"another\s+version|same\s+but\s+different|remix\s+it|une\s+variation|"
         r"un\s+peu\s+different|una\s+variacion|un\s+poco\s+diferente|eine\s+variation|"
         r"etwas\s+anders|变奏|变一下|稍微不同")
_AGAIN = (r"again|another\s+one|one\s+more|try\s+again|regenerate|reroll|re-?roll|encore|"
          r"otra\s+vez|de\s+nuevo|nochmal|noch\s+einmal|one\s+more\s+time|再来一次|再来一遍|"
          r"再来|再一次")

_TOPICS = [  # (topic, pattern): the first that matches a question names its topic
    ("abilities", r"what\s+can\s+you\s+do|what\s+do\s+you\s+do|how\s+does\s+this\s+work|"
                  r"que\s+(?:sais|peux)[\s-]tu\s+faire|que\s+(?:savez|pouvez)[\s-]vous\s+faire|"
                  r"que\s+(?:puedes|sabes)\s+hacer|"
                  r"was\s+kannst\s+du|你能做什么|你会什么"),
    ("styles", r"(?:what|which)\s+(?:styles|genres)|quels?\s+styles|que\s+estilos|"
               r"welche\s+stile|什么风格"),
    ("moods", r"(?:what|which)\s+moods|quelles?\s+humeurs|que\s+(?:estados|animos)|"
              r"welche\s+stimmungen"),
    ("instrument list", r"(?:what|which)\s+instruments\s+(?:can|do)\s+you|"
                        r"quels\s+instruments\s+(?:connais|peux)|que\s+instrumentos\s+"
                        r"(?:conoces|puedes)|welche\s+instrumente\s+(?:kennst|kannst)"),
    ("key", r"\bkey\b|tonalit|tonalidad|tonart|\bscale\b|gamme|escala|什么调|调性|\bmode\b|modo"),
    ("tempo", r"tempo|bpm|how\s+fast|speed|vitesse|velocidad|rapido|schnell|速度|多快"),
    ("meter", r"meter|time\s+signature|signature|mesure|compas|takt|拍号|几拍"),
    ("chords", r"chord|progression|harmon|accord|acorde|akkord|和弦"),
    ("instruments", r"instrument|who\s+plays|playing|instrumento|instrumente|乐器"),
    ("length", r"how\s+long|length|duration|duree|\bdure|\bdura\b|duracion|combien\s+de\s+temps|"
               r"lange|dauer|多长|时长|多久"),
    ("form", r"\bform\b|structure|section|forme|estructura|aufbau|form|结构|段落"),
    ("mood", r"mood|feel|emotion|humeur|animo|stimmung|情绪|感觉"),
    ("style", r"style|genre|estilo|stil|风格"),
]
_HELP = r"help|aide|ayuda|hilfe|帮助|怎么用|commands?"


def _has(pattern: str, text: str) -> re.Match[str] | None:
    """`pattern` as whole words (CJK needs no word boundaries) in folded text."""
    return re.search(rf"(?<![a-z])(?:{pattern})(?![a-z])", text)


def _amount(text: str, start: int, end: int) -> float:
    """LITTLE or LOT when an amount word stands next to the span, else NORMAL."""
    before, after = text[max(0, start - 24):start], text[end:end + 16]
    if re.search(r"一点点|稍|略", text[start:end + 2]):
        return LITTLE
    if re.search(rf"(?:{_LITTLE})\s*$", before) or re.search(rf"^\s*(?:{_LITTLE})", after):
        return LITTLE
    if re.search(rf"(?:{_LOT})\s*$", before) or re.search(rf"^\s*(?:{_LOT})", after):
        return LOT
    return NORMAL


# ------------------------------------------------------------------------ readers

def _tempo(text: str, slots: Text) -> dict:
    if _has(_DOUBLE_TEMPO, text):
        return {"tempo_factor": 2.0}
    if _has(_HALF_TEMPO, text):
        return {"tempo_factor": 0.5}
    for pattern, step in ((_FASTER, 1.15), (_SLOWER, 1 / 1.15)):
        match = _has(pattern, text)
        if match:
            amount = _amount(text, *match.span())
            factor = {LITTLE: 1.07, NORMAL: 1.15, LOT: 1.35}[amount]
            return {"tempo_factor": factor if step > 1 else round(1 / factor, 4)}
    if re.search(r"\d|bpm|tempo|lento|adagio|andante|moderato|allegr|presto|vivace|largo",
                 re.sub(r"(?:de|mas|muy|tan|doble)\s+larg[oa]", " ", text)):
        tempo = read_tempo(slots)
        if tempo is not None:
            return {"tempo_bpm": tempo.bpm}
    return {}


def _key(text: str, slots: Text) -> dict:
    found: dict = {}
    relative = _has(r"relative?|relatif|relativ[ao]|parallele?|paralleltonart|关系", text)
    if relative:
        after = text[relative.start():relative.end() + 16]
        if re.search(rf"{_MAJOR}|durtonart|大调", after):
            return {"mode": "major", "relative": True}
        if re.search(rf"{_MINOR}|molltonart|小调", after):
            return {"mode": "minor", "relative": True}
    for direction, sign in ((_UP, 1), (_DOWN, -1)):
        for pattern, semitones in _STEPS:
            if (_has(rf"(?:{direction}){_THING}{pattern}", text)
                    or _has(rf"{pattern}\s*(?:{direction})", text)):
                return {"transpose": sign * semitones}
        number = _has(rf"(?:{direction}){_THING}(\d{{1,2}})\s*(?:semi[\s-]?tones?|half[\s-]"
                      rf"steps?|demi[\s-]tons?|semitonos?|halbtone|个半音)", text)
        if number:
            return {"transpose": sign * int(number.group(1))}
    key = read_key(slots)
    if key is not None and key.tonic:
        found["tonic"] = key.tonic
        if _has(rf"{_MINOR}|{_MAJOR}|dorian|phrygian|lydian|mixolydian|locrian|aeolian|ionian",
                text):
            found["mode"] = key.mode
        return found
    if key is not None:  # a mode alone: "in minor", "make it dorian"
        return {"mode": key.mode}
    for mode, words in (("minor", _MINOR), ("major", _MAJOR)):
        if _has(rf"(?:in|en|to|into|a)\s+(?:{words})|(?:{words})\s+(?:key|please|pls|now|"
                rf"instead)|^(?:{words})$|(?:改成|换成|变成|转成)(?:{words})", text):
            return {"mode": mode}
    return {}


def _mood(text: str) -> dict:
    for mood, pattern in _MOOD_COMPARATIVES.items():
        match = _has(pattern, text)
        if match:
            before = text[max(0, match.start() - 12):match.start()]
            if re.search(rf"(?:{_LESS})\s*$", before):
                return {"mood": _OPPOSITE[mood], "mood_amount": LITTLE}
            return {"mood": mood, "mood_amount": _amount(text, *match.span())}
    for find in MOOD_LEXICON.find(text):
        before = text[max(0, find.start - 16):find.start]
        mood = MOOD_WORDS[find.phrase] if isinstance(MOOD_WORDS[find.phrase], str) else None
        if mood is None:
            continue
        if re.search(rf"(?:{_LESS})\s*$", before):
            return {"mood": _OPPOSITE.get(mood, "calm"), "mood_amount": LITTLE}
        if re.search(rf"(?:{_MORE})\s*$|(?:make\s+it|sound|feel|rends[\s-]le|hazlo|"
                     rf"mach\s+es)\s+(?:(?:a\s+)?(?:bit|little|lot|much|way|more)\s+)*$",
                     before):
            return {"mood": mood, "mood_amount": _amount(text, find.start, find.end)}
    return {}


def _style(text: str) -> dict:
    for style, pattern in _STYLE_COMPARATIVES.items():
        if _has(pattern, text):
            return {"style": style}
    for find in STYLE_LEXICON.find(text):
        before = text[max(0, find.start - 28):find.start]
        style = STYLE_WORDS[find.phrase]
        if not isinstance(style, str) or find.negated:
            continue
        if re.search(r"(?:into|to|as|like|more|style\s+of|make\s+it|now|en|a|como|comme|"
                     r"in|zu|als|wie|mas|plus|mehr|成|改成)\s+(?:an?\s+|the\s+|un\s+|une\s+|"
                     r"una?\s+|ein(?:en)?\s+)?(?:bit\s+|little\s+)?(?:more\s+)?$|"
                     r"(?:成|改成|换成|变成|更)\s*$", before):
            return {"style": style}
    return {}


def _instruments(text: str) -> dict:
    # each find with the instruments its phrase names ("string quartet" names three)
    finds = [(f, INSTRUMENT_WORDS[f.phrase][0]) for f in INSTRUMENT_LEXICON.find(text)
             if INSTRUMENT_WORDS[f.phrase][0]]
    if not finds:
        return {}
    add, remove, swap, lead = [], [], [], None
    names = [(f, group[0]) for f, group in finds]
    groups = {id(f): group for f, group in finds}
    taken = set()
    # "swap the sax for a trumpet", "trumpet instead of sax", "replace sax with trumpet"
    for (a, first), (b, second) in zip(names, names[1:], strict=False):
        between = text[a.end:b.start]
        before = text[max(0, a.start - 28):a.start]
        if (re.search(rf"(?:{_SWAP})(?:\s+(?:the|le|la|l'|el|das|den|die))?\s*$", before)
                and re.search(r"^\s*(?:for|with|to|by|into|par|pour|por|con|gegen|durch|mit|"
                              r"zu|->|→|换成|为)\s", between + " ")) or re.search(
                    r"^\s*(?:->|→|=>|to)\s*$", between):
            swap.append((first, second))
            taken |= {id(a), id(b)}
        elif re.search(rf"^\s*(?:{_INSTEAD})\s", between + " "):
            swap.append((second, first))
            taken |= {id(a), id(b)}
        elif re.search(r"^\s*(?:换成|改成|换为|替换成)\s*$", between) or (
                re.search(r"^\s*out\W+(?:and\s+)?(?:an?\s+|some\s+)?$", between)
                and re.match(r"\s*in\b", text[b.end:])):
            swap.append((first, second))  # "把钢琴换成竖琴", "sax out, trumpet in"
            taken |= {id(a), id(b)}
    last: tuple[str, int] | None = None  # the previous instrument's action and end
    for find, name in names:
        if id(find) in taken:
            continue
        before = text[max(0, find.start - 32):find.start]
        after = text[find.end:find.end + 24]
        listed = last is not None and re.fullmatch(
            r"\s*(?:,|and|&|et|y|und|和|plus|with)?\s*(?:a|an|some|the|un|une|des|una?|"
            r"einen?|eine)?\s*", text[last[1]:find.start])
        if listed and last[0] in ("add", "remove"):
            (add if last[0] == "add" else remove).extend(groups[id(find)])
            last = (last[0], find.end)
            continue
        action = None
        if re.search(rf"(?:{_LEAD})(?:\s+(?:the|a|an|le|la|el|die|der|das|dem))?\s*$",
                     before) or re.search(
                r"^\s*(?:on\s+(?:the\s+)?(?:lead|melody|tune)|plays?\s+the\s+(?:melody|tune|lead)|"
                r"(?:takes?|gets?)\s+the\s+(?:melody|tune|lead))", after):
            lead, action = name, "lead"
        elif find.negated or re.search(
                rf"(?:{_REMOVE})(?:\s+(?:the|all\s+the|that|those|le|la|les|el|los|las|"
                rf"die|der|das|den))?\s*$", before) or re.search(
                r"^\s*(?:(?:out|away|off|weg)\b|去掉|拿掉|删掉)", after):
            remove.extend(groups[id(find)])
            action = "remove"
        elif re.search(rf"(?:{_ADD})(?:\s*(?:a|an|some|the|un|une|des|una?|unos|einen?|"
                       rf"eine|ein|etwas|个|一个|一把))?\s*$", before) or re.search(
                r"^\s*(?:(?:too|as\s+well|also|aussi|tambien|auch)\b|dazu|hinzu|也)", after):
            add.extend(groups[id(find)])
            action = "add"
        elif re.search(r"(?:on|with|for|sur|avec|en|con|auf|mit|用|在)\s+(?:a\s+|an\s+|the\s+|"
                       r"le\s+|la\s+|el\s+|der\s+|die\s+|dem\s+)?$|(?:a\s+la|a\s+l'|au)\s*$",
                       before):
            lead, action = name, "lead"  # "now on guitar", "try it on the flute"
        last = (action, find.end) if action else None
    out: dict = {}
    if add:
        out["add"] = tuple(dict.fromkeys(add))
    if remove:
        out["remove"] = tuple(dict.fromkeys(remove))
    if swap:
        out["swap"] = tuple(swap)
    if lead:
        out["lead"] = lead
    return out


def _length(text: str, slots: Text) -> dict:
    if _has(_TWICE_LONG, text):
        return {"length_factor": 2.0}
    if _has(_HALF_LONG, text):
        return {"length_factor": 0.5}
    for pattern, longer in ((_LONGER, True), (_SHORTER, False)):
        match = _has(pattern, text)
        if match:
            # "longer outro" is about a section, not the whole piece
            if re.match(r"\s*(?:intro|outro|ending|end|middle|bridge)", text[match.end():]):
                continue
            amount = _amount(text, *match.span())
            factor = {LITTLE: 1.25, NORMAL: 1.5, LOT: 2.0}[amount]
            return {"length_factor": factor if longer else round(1 / factor, 4)}
    length = read_length(slots)
    if length is not None and length.seconds:
        return {"duration_s": float(length.seconds)}
    return {}


_REWRITE_WORDS = {  # section → the words that name it, in five languages
    "ending": r"ending|end|outro|last\s+(?:part|section|bit|bars)|fin|final|finale|ende|schluss|"
              r"结尾|结束部分|尾声",
    "beginning": r"beginning|opening|start|intro|first\s+(?:part|section|bit|bars)|debut|"
                 r"commencement|comienzo|principio|inicio|anfang|beginn|开头|开始部分|前奏",
    "middle": r"middle(?:\s+(?:part|section|bit))?|bridge|milieu|medio|mittelteil|mitte|"
              r"中间部分|中间段|中段|中间",
}
_REWRITE_VERBS = (r"new|another|different|fresh|redo|rewrite|rework|remake|change|replace|"
                  r"regenerate|nouvelle?|autre|refai[st]|rechange|change[rz]?|reecri[st]|"
                  r"nuevo|nueva|otro|otra|distinto|rehaz|rehacer|cambia|reescribe|neue[nrs]?|"
                  r"andere[nrs]?|neu|换个|换一个|重写|重新写|改写|改|换|新的")


def _rewrite(text: str) -> dict:
    """A section written anew: "a new ending", "redo the middle", "换个结尾"."""
    for section, words in _REWRITE_WORDS.items():
        for match in re.finditer(rf"(?<![a-z])(?:{words})(?![a-z])", text):
            before = text[max(0, match.start() - 40):match.start()]
            after = text[match.end():match.end() + 24]
            if re.search(r"(?:longer|shorter|plus\s+long|mas\s+larg|langer|更长|短)\s*$",
                         before):
                continue  # "a longer outro" is about length, not a rewrite
            if re.search(rf"(?<![a-z])(?:{_REWRITE_VERBS})(?![a-z])", before) or re.match(
                    r"\s*(?:nuevo|nueva|distinto|neu|anew|again|over)(?![a-z])", after):
                return {"rewrite": section}
    return {}


_FRAME = {  # what frames the melody: the words for it, in five languages
    "intro": r"intro|introduction|prelude|preludio|vorspiel|einleitung|前奏|引子",
    "outro": r"outro|coda|ending|end|fade[\s-]?out|finale?|conclusion|schluss|ausklang|"
             r"尾奏|尾声|结尾",
}
_FRAME_MORE = (r"add|adding|put|give\s+it|with|longer|extend|lengthen|more|ajoute[rz]?|"
               r"plus\s+longu?e?|avec|anade|agrega|mas\s+larg[oa]|con|fuge|langer\w*|mit|"
               r"加(?:一个|个|上)?|更长的?|长一点的?")


def _frame(text: str) -> dict:
    """Bars added around the melody: "add an intro", "a longer outro", "ajoute une coda"."""
    found: dict = {}
    for part, words in _FRAME.items():
        for match in re.finditer(rf"(?<![a-z])(?:{words})(?![a-z])", text):
            before = text[max(0, match.start() - 28):match.start()]
            after = text[match.end():match.end() + 16]
            longer_after = re.match(r"\s*(?:longer|plus\s+longu?e?|mas\s+larg[oa]|langer|"
                                    r"长一点|更长)", after)
            if part == "outro" and match.group(0) in ("ending", "end", "final", "finale",
                                                     "结尾", "schluss") and not (re.search(
                    r"(?:longer|extend|lengthen|plus\s+long|mas\s+larg|langer|更长)\s*"
                    r"(?:the\s+|le\s+|la\s+|el\s+|das\s+|den\s+)?$", before) or longer_after):
                continue  # "a new ending" is a rewrite; only a longer ending adds bars
            if re.search(rf"(?<![a-z])(?:{_FRAME_MORE})(?![a-z])[^.,;!?]*$", before) or \
                    longer_after:
                found[part] = 2
                break
    return found


def _meter(slots: Text) -> dict:
    found = read_meter(slots)
    return {"meter": found[0]} if found else {}


def read_changes(line: str) -> Changes:
    """Every change a line names, read on its own (no conversation needed)."""
    text = fold(line)
    slots = Text.of(line)
    values: dict = {}
    values.update(_tempo(text, slots))
    values.update(_meter(slots))
    values.update(_length(text, slots))
    values.update(_key(text, slots))
    values.update(_instruments(text))
    values.update(_mood(text))
    values.update(_style(text))
    values.update(_rewrite(text))
    framed = _frame(text)
    if framed:  # "add an intro", "a longer outro": bars around the melody, nothing else
        if values.get("rewrite") in ("beginning", "ending"):
            values.pop("rewrite")
        values.pop("length_factor", None)
    values.update(framed)
    return Changes(**values)


def _version(text: str) -> int | None:
    """A version named in the line: "version 2", "v3", "the first one", "the second take"."""
    match = re.search(r"(?<![a-z])(?:version|v|take|versión|fassung)\s*#?\s*(\d{1,3})\b", text)
    if match:
        return int(match.group(1))
    for word, number in _ORDINALS.items():
        if re.search(rf"(?<![a-z])(?:{word})\s*(?:{_VERSION})?(?![a-z])", text) and \
                re.search(rf"(?:the|le|la|el|die|der|das|die|回到|到)?\s*(?:{word})", text):
            if re.search(rf"(?:{word})\s*(?:{_VERSION})|(?:back\s+to|go\s+to|like)\s+(?:the\s+)?"
                         rf"(?:{word})|回到(?:{word})", text):
                return number
    return None


def read_turn(line: str, has_piece: bool) -> Turn:
    """What `line` asks of a conversation whose current piece exists when `has_piece`."""
    raw = _retyped((line or "").strip())
    text = fold(raw).strip()
    if not text:
        return Turn("empty")
    words = re.sub(r"[^\w\s']", " ", text).split()
    core = _core(" ".join(words))  # without "hmm", "ok", "please" around it
    if _has(_NEW, text):
        rest = raw[raw.find(":") + 1:] if ":" in raw else ""
        rest = rest.strip() or re.sub(_NEW, " ", text).strip(" ,.!:-")
        return Turn("new", text=rest or raw)
    if re.fullmatch(rf"(?:{_UNDO})(?:\s+(?:that|it|ca|eso|das|the\s+last\s+(?:one|change)))*",
                    core) or core in ("back", "go back"):
        return Turn("undo")
    if re.fullmatch(rf"(?:{_REDO})(?:\s+(?:that|it))*", core):
        return Turn("redo")
    if re.fullmatch(rf"(?:{_HELP})", core) or core == "":
        return Turn("smalltalk", text=raw) if _smalltalk(words) else Turn("help")
    version = _version(text)
    changes = read_changes(raw)
    clauses = [_core(" ".join(re.sub(r"[^\w\s']", " ", c).split()))
               for c in re.split(r"[.!?;,:，。！？；]+", text)]
    polite = any(re.search(_POLITE, c) for c in clauses)
    wanted = changes or version is not None or _has(_UNDO, text)
    if _asking(raw, core) and not polite and not re.search(r"^(?:how|what)\s+about\b", core):
        if re.search(_WH, core) or not wanted:  # "what key?", not "¿y un minuto?"
            topic = _topic(text)
            return Turn("question", topic=topic) if topic or re.search(_WH, core) \
                else Turn("unknown", text=raw)
    if polite and not wanted and _topic(text):
        return Turn("question", topic=_topic(text))  # "could you tell me the key?"
    if version is not None and (changes or _has(_UNDO + r"|go\s+to|back\s+to|回到", text)
                                or len(words) <= 5):
        return Turn("edit" if changes else "goto", changes=changes, base=version, text=raw)
    if has_piece and not changes:
        if _has(_VARY, text):
            return Turn("vary", text=raw)
        if re.fullmatch(rf"(?:{_AGAIN})", core):
            return Turn("again", text=raw)
    if not changes and _smalltalk(words):
        return Turn("smalltalk", text=raw)
    if has_piece and changes and (_edit_said(raw, text, changes) or polite
                                  or not _describes_piece(text)):
        return Turn("edit", changes=changes, text=raw)
    if has_piece and not changes and not _describes_piece(text):
        return Turn("unknown", text=raw)
    return Turn("new", text=raw)


_OPENERS = (r"hmm+|um+|uh+|ok(?:ay)?|k|actually|nah|nope|no|non|nein|oh|wait|well|alright|"
            r"so|and|then|et|y|und|ah|yeah|yes|oui|si|ja|please|pls|plz|hey|算了|嗯|好吧")
_CLOSERS = r"please|pls|plz|bitte|por\s+favor|stp|svp|tho|lol|吧"
_POLITE = (r"^(?:could|would|can|will|may)\s+(?:you|we|i)\b|^(?:pourriez|pourrais|pouvez|peux)"
           r"[\s-]?(?:vous|tu)\b|^tu\s+(?:peux|pourrais)\b|^(?:podrias|podria|puedes|puede)\b|"
           r"^(?:konnten|konntest|kannst|konnen|wurden|wurdest)\s+(?:sie|du)\b|^(?:能|可以|请|麻烦)")
_WH = (r"^(?:what|which|how|who|where|why|whats|wat|wats|is\s+it|is\s+this|are\s+there|"
       r"does\s+it|do\s+you|tell\s+me|quelle?s?|quel|combien|est[\s-]ce|c'est\s+quoi|qu'est|"
       r"que|cual|cuales|cuanto|cuantos|como|en\s+que|welche[rs]?|was|wie|wieviel)\b|"
       r"什么|哪|多少|几|多长|多久|多快")
_SMALLTALK = {  # words a line of thanks, greeting or praise is made of
    "thanks", "thank", "you", "thx", "thnx", "thanx", "ty", "tysm", "cheers", "merci", "gracias",
    "danke", "vielen", "dank", "muchas", "beaucoup", "much", "so", "very", "a", "lot", "hi",
    "hello", "hey", "there", "yo", "salut", "bonjour", "hola", "hallo", "nice", "cool", "great",
    "awesome", "love", "it", "i", "like", "beautiful", "amazing", "perfect", "wow", "lol",
    "haha", "genial", "super", "magnifique", "precioso", "bonito", "toll", "schon", "sick",
    "dope", "fire", "neat", "sweet", "lovely", "wonderful", "brilliant", "ok", "okay", "k",
    "that", "is", "that's", "thats", "it's", "its", "really", "one", "bot", "tunesmith", "sehr",
    "mucho", "parfait", "perfecto", "klasse", "bien", "tres", "c'est", "es", "muy", "oh",
    "谢谢", "多谢", "你好", "嗨", "好听", "不错", "太棒了", "太棒", "好的", "谢谢你"}
_SMALLTALK_CORE = {"thanks", "thank", "thx", "thnx", "thanx", "ty", "tysm", "cheers", "merci",
                   "gracias", "danke", "dank", "hi", "hello", "hey", "yo", "salut", "bonjour",
                   "hola", "hallo", "nice", "cool", "great", "awesome", "love", "like",
                   "beautiful", "amazing", "perfect", "wow", "lol", "haha", "genial", "super",
                   "magnifique", "precioso", "bonito", "toll", "schon", "sick", "dope", "fire",
                   "neat", "sweet", "lovely", "wonderful", "brilliant", "ok", "okay", "k",
                   "parfait", "perfecto", "klasse", "谢谢", "多谢", "你好", "嗨", "好听", "不错",
                   "太棒了", "太棒", "好的", "谢谢你"}
_PIECE = (r"piece|song|tune|track|music|jig|reel|waltz|tango|lullaby|ballad|march|anthem|"
          r"something|anything|morceau|musique|chanson|valse|gigue|pieza|cancion|musica|vals|"
          r"giga|stuck|musik|lied|walzer|曲|音乐|歌")
_EDIT_VERBS = (r"add|drop|remove|ditch|lose|mute|swap|replace|switch|put|give|bring|take|"
               r"throw|lower|raise|transpose|shift|move|try|play\s+it|make|turn|"
               r"ajoute|enleve|retire|remplace|mets|rends|fais|monte|baisse|joue|anade|quita|"
               r"cambia|pon|hazlo|hazla|sube|baja|toca|fuge|nimm|ersetze|tausche|mach|spiel|"
               r"把|加|去掉|换|改|再|让|升|降")


def _retyped(line: str) -> str:
    """Hasty typing made readable: "n"/"&" for "and", "w/" for "with", letters swapped or
    doubled in the words an edit is made of ("fatser", "chello")."""
    line = re.sub(r"(?<=\s)[n&](?=\s)", "and", line)
    line = re.sub(r"(?i)(?<![a-z])w/\s*", "with ", line)
    return re.sub(r"[A-Za-z]{5,}", lambda m: _spelled(m.group(0)), line)


_KNOWN = ("faster", "slower", "sadder", "happier", "darker", "calmer", "louder", "softer",
          "longer", "shorter", "jazzier", "minor", "major", "tempo", "cello", "violin",
          "flute", "drums", "piano", "guitar", "trumpet", "saxophone", "remove", "melody",
          "version", "again", "different", "transpose", "energetic")


def _spelled(word: str) -> str:
    low = word.lower()
    if low in _KNOWN or low in _SMALLTALK:
        return word
    for known in _KNOWN:  # one transposition, insertion or deletion, never a substitution
        if abs(len(known) - len(low)) > 1 or known[0] != low[0]:
            continue
        if len(known) == len(low):
            diff = [i for i in range(len(low)) if low[i] != known[i]]
            if len(diff) == 2 and diff[1] == diff[0] + 1 and \
                    low[diff[0]] == known[diff[1]] and low[diff[1]] == known[diff[0]]:
                return known
        else:
            short, long_ = sorted((low, known), key=len)
            if any(long_[:i] + long_[i + 1:] == short for i in range(len(long_))):
                return known
    return word


def _core(bare: str) -> str:
    """`bare` without the fillers around what it asks ("hmm, actually undo that please")."""
    previous = None
    while previous != bare:
        previous = bare
        bare = re.sub(rf"^(?:{_OPENERS})(?:\s+|$)", "", bare)
        bare = re.sub(rf"(?:^|\s+)(?:{_CLOSERS})$", "", bare)
    return bare.strip()


def _smalltalk(words: list[str]) -> bool:
    return bool(words) and all(w in _SMALLTALK for w in words) and any(
        w in _SMALLTALK_CORE for w in words)


def _asking(raw: str, core: str) -> bool:
    return raw.endswith(("?", "？", "?!", "吗")) or bool(re.search(_WH, core))


def _topic(text: str) -> str | None:
    return next((name for name, pattern in _TOPICS if re.search(pattern, text)), None)


def _edit_said(raw: str, text: str, changes: Changes) -> bool:
    """Whether the words say "change this piece": an edit verb or cue, a comparative, or a
    change only an existing piece can have ("up a tone", "twice as long", "swap")."""
    comparative = _has("|".join([*_MOOD_COMPARATIVES.values(), *_STYLE_COMPARATIVES.values(),
                                 _FASTER, _SLOWER, _LONGER, _SHORTER, _LESS]), text)
    relative = bool(changes.transpose or changes.relative or changes.tempo_factor
                    or changes.length_factor or changes.swap or changes.rewrite or changes.remove
                    or changes.intro or changes.outro
                    or (changes.lead and _has(_LEAD, text)))
    return bool(comparative or relative or _has(_EDIT_CUES, text) or _has(_EDIT_VERBS, text)
                or _only_changes(raw))


def _describes_piece(text: str) -> bool:
    """A description of a whole piece: a piece named ("a jig", "something"), or two of mood,
    style, instruments and key ("calm piano in D minor")."""
    if _has(_PIECE, text):
        return True
    named = [bool(MOOD_LEXICON.find(text)), bool(STYLE_LEXICON.find(text)),
             bool(INSTRUMENT_LEXICON.find(text)),
             bool(re.search(r"(?<![a-z])[a-g](?:#|b|\s*sharp|\s*flat)?\s+(?:major|minor|"
                            r"maj|min|dur|moll)|小调|大调", text))]
    return sum(named) >= 2


def _only_changes(line: str) -> bool:
    """A line that names nothing but values to change: "in G", "120 bpm", "in 3/4 please".

    Once keys, tempi, meters and lengths are read, at most one content word may be left,
    and no instrument, mood or style: "calm piano in D minor" is a new request.
    """
    slots = Text.of(line)
    for read in (read_tempo, read_key, read_meter, read_length):
        read(slots)
    rest = slots.blanked()
    if INSTRUMENT_LEXICON.find(rest) or MOOD_LEXICON.find(rest) or STYLE_LEXICON.find(rest):
        return False
    content = [w for w in re.findall(r"[^\W\d_]+|\d+", rest) if w not in _FILLER]
    return len(content) <= 1


_FILLER = {"in", "at", "a", "an", "the", "to", "please", "pls", "now", "it", "bit", "little",
           "en", "un", "una", "une", "bitte", "auf", "por", "favor", "and", "et", "y", "und",
           "bpm", "key", "of", "s", "make", "then", "ok", "okay"}
