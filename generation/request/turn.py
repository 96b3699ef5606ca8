"""One line of a conversation, read: an edit of the current piece, a new request, a question,
or a move in the conversation's history (undo, redo, go back to a version).

    read_turn("a bit faster and add a cello", has_piece=True)
      → Turn("edit", changes=Changes(tempo_factor=1.07, add=("cello",)))

The changes a line names are read by `request/changes.py`; this module decides what the line
is: an edit (changes said of the piece), a new request (a whole piece described), a question,
small talk, or undo/redo/a version. Typed in haste is fine: swapped and doubled letters of the
words that matter are repaired first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from generation.job import BLEND_MIX, VARY_LITTLE, VARY_LOT, Changes
from generation.request.amounts import has
from generation.request.changes import named_as_change, read_changes
from generation.request.haste import retyped
from generation.request.keys import read_key
from generation.request.lexicon import INSTRUMENT_LEXICON, MOOD_LEXICON, STYLE_LEXICON, fold
from generation.request.slots import Text, read_length, read_meter, read_tempo
from generation.request.smalltalk import CHATTER, smalltalk
from generation.request.topics import TERSE_TOPIC, topic_of
from generation.request.versions import named_version, named_versions


@dataclass(frozen=True)
class Turn:
    """What a line asks for.

    kind: 'edit' (changes to the current piece, or to version `base`), 'new' (compose
    `text`), 'vary' (same piece, the melody moved by `amount`), 'blend' (the piece, or
    version `base`, with its melody moved `amount` of the way to version `other`'s), 'again'
    (same request, new seed), 'undo', 'redo', 'goto' (make version `base` current),
    'question' (`topic`), 'help', 'smalltalk', 'empty' or 'unknown'.
    """

    kind: str
    text: str = ""
    changes: Changes = field(default_factory=Changes)
    base: int | None = None  # a version named in the line ("the second version but ...")
    topic: str | None = None  # for questions: key, tempo, meter, instruments, ...
    amount: float | None = None  # vary: how far (None: the default); blend: the mix
    other: int | None = None  # blend: the version blended in (PREVIOUS: the one before)
    steps: int = 1  # undo: how many versions back ("undo both", "go back two")


PREVIOUS = -1  # `Turn.other` for "the previous one": the version the piece was made from


# Patterns run on folded text: lower case, accents removed ("más" → "mas").
_EDIT_CUES = (r"make\s+it|turn\s+it|change|now|instead|keep|same|but|also|too|try\s+it|meets|"
              r"more|less|rends[\s-]le|fais[\s-]le|plus|moins|maintenant|hazlo|ahora|mas|menos|"
              r"mach\s+es|jetzt|mehr|weniger|让它|改|更|现在|换")
_UNDO = (r"undo|go\s+back|revert|back\s+to\s+(?:the\s+)?(?:previous|last|earlier|old)"
         r"(?:\s+(?:one|version))?|previous\s+version|annule[rz]?|retour|deshacer|deshaz|"
         r"vuelve|volver|ruckgangig|zuruck\w*|en\s+arriere|take\s+(?:that|it)\s+back|撤销|返回|回到上一|"
         r"(?:ctrl|cmd|control)\s*[+-]?\s*z|roll\s+(?:it\s+|that\s+)?back|rollback|scratch\s+that|put\s+it\s+back\s+(?:how|the\s+way|like)\s+it\s+was")
_REDO = r"redo|retablir|rehacer|wiederherstellen|重做|恢复"
_NEW = (r"(?<!add\s)(?<!adding\s)(?:now\s+)?something\s+(?:completely\s+|totally\s+|"
        r"entirely\s+)?(?:different|else)|"
        r"(?:a\s+)?(?:new|another|different)\s+(?:piece|song|tune|track)(?!\s+version)|"
        r"(?:a\s+)?different\s+one(?!\s+version)|"
        r"start\s+(?:over|again|fresh)|from\s+scratch|autre\s+chose|nouveau\s+morceau|"
        r"nouvelle\s+piece|otra\s+cosa|nueva\s+(?:pieza|cancion)|etwas\s+(?:ganz\s+)?anderes|"
        r"neues\s+stuck|换一首|来点别的|新的一首|new\s+one\s*:|forget\s+(?:that|it)|"
        r"algo\s+(?:totalmente\s+|completamente\s+)?(?:distinto|diferente)|"
        r"(?:une\s+)?autre\s+chose|quelque\s+chose\s+d'autre")
_VARY = (r"(?:a\s+)?(?:little|bit|slightly)\s+different|variation|vary\s+it|vary|differently|"
         r"tweak\s+(?:it|that|this)(?!\s+(?:to|so|up|down|until))|"
         r"another\s+version|same\s+but\s+different|same\s+(?:idea|thing|vibe|feel),?\s+(?:but\s+)?"
         r"different|remix\s+it|une\s+variation|"
         r"un\s+peu\s+different|una\s+variacion|un\s+poco\s+diferente|eine\s+variation|"
         r"etwas\s+anders|变奏|变一下|稍微不同|(?:very|quite|much\s+more|way\s+more)\s+"
         r"different|varie[rz]?(?:[\s-]le)?|tres\s+different|varia(?:lo|la)?|muy\s+diferente|"
         r"variiere|ganz\s+anders|sehr\s+anders|变化大|很不一样|稍微变")
# How far a variation goes, by its words: a little, or a lot (else the 🎲 default).
_LITTLE = (r"(?<![a-z])(?:a\s+little|little|a\s+lil|lil|a\s+bit|bit|slightly|a\s+touch|un\s+peu|"
           r"legerement|un\s+poco|poco|ligeramente|etwas|ein\s+bisschen|leicht|稍微|一点|略)"
           r"(?![a-z])")
_LOT = (r"(?<![a-z])(?:a\s+lot|lots|very|much|quite|way\s+more|heavily|beaucoup|tres|fort|"
        r"mucho|muy|bastante|viel|sehr|ganz|stark|很|大|完全)(?![a-z])")
# A new take of the same request ("another take", "a different version", "and another one?")
_TAKE = (r"(?:another|a\s+different|different|a\s+new|new|one\s+more|a\s+fresh|fresh)\s+"
         r"(?:take|go|shot|attempt|version)(?!\s+of\s+(?:v|version)\b)|another\s+one|new\s+one|"
         r"one\s+more\s+(?:time|try)")
_BLEND = (r"blend|(?<![a-z])mix|combine|merge|mash\s*up|melange|fusionne|mezcla|combina|"
          r"fusiona|misch|verbinde|kombiniere|混合|融合|结合|合并")
# The share of the other piece in a blend, by its words (else half and half).
_MIX_LITTLE = (r"(?:a\s+(?:little|bit|touch|hint)|just\s+a\s+(?:little|bit|touch|hint))\s+"
               r"of|un\s+peu\s+d|un\s+poco\s+de|etwas\s+(?:von|vom)|一点")
_MIX_LOT = (r"mostly|mainly|a\s+lot\s+of|surtout|beaucoup\s+d|sobre\s+todo|mucho\s+de|"
            r"hauptsachlich|viel\s+(?:von|vom)|大部分|主要")
_PREVIOUS = (r"(?:the\s+)?(?:previous|last|earlier|other)\s+(?:one|version)|the\s+one\s+before|"
             r"(?:la\s+)?(?:precedente|version\s+precedente)|(?:la\s+)?anterior|"
             r"(?:die|der|das)\s+vorherige|上一个|上一版|上一首")
_AGAIN = (r"again|another\s+one|one\s+more|try\s+again|regenerate|reroll|re-?roll|encore|"
          r"run\s+(?:it|that|this)\s+back|"
          r"otra\s+vez|de\s+nuevo|nochmal|noch\s+einmal|one\s+more\s+time|再来一次|再来一遍|"
          r"再来|再一次")

_HELP = r"help|aide|ayuda|hilfe|帮助|怎么用|commands?"


def _vary_amount(text: str) -> float | None:
    """"a little" or "a lot" in a variation's words, as an amount (None: neither said)."""
    if re.search(_LOT, text) and not re.search(r"not\s+(?:very|much|a\s+lot)", text):
        return VARY_LOT
    if re.search(_LITTLE, text):
        return VARY_LITTLE
    return None


def _blend(text: str) -> Turn | None:
    """A blend named in the line: "blend it with the first one", "mix v2 and v4"."""
    verb = re.search(_BLEND, text)
    if not verb:
        return None
    # the versions are named after the verb ("go back to v1 and mix in a cello" is no blend),
    # or before it in Chinese, where the verb ends the sentence ("把它和第一个混合")
    if not re.search(r"[\u4e00-\u9fff]", verb.group(0)):
        text = text[verb.start():]
    named = named_versions(text)
    other = named[-1] if named else PREVIOUS if re.search(_PREVIOUS, text) else None
    if other is None:
        return None
    base = named[0] if len(named) >= 2 else None
    percent = re.search(r"(\d{1,3})\s*%", text)
    mix = (min(int(percent.group(1)), 100) / 100 if percent else
           0.25 if re.search(_MIX_LITTLE, text) else 0.75 if re.search(_MIX_LOT, text)
           else BLEND_MIX)
    return Turn("blend", text=text, base=base, other=other, amount=mix)


def read_turn(line: str, has_piece: bool) -> Turn:
    """What `line` asks of a conversation whose current piece exists when `has_piece`."""
    raw = retyped((line or "").strip())
    text = fold(raw).strip()
    if not text:
        return Turn("empty")
    words = re.sub(r"[^\w\s']", " ", text).split()
    core = _core(" ".join(words))  # without "hmm", "ok", "please" around it
    if has(_NEW, text):
        rest = raw[raw.find(":") + 1:] if ":" in raw else ""
        rest = rest.strip() or re.sub(_NEW, " ", text).strip(" ,.!:-")
        return Turn("new", text=rest or raw)
    if _undoes(core) or _undo_last(text):  # "prev", "no no, cancel", "Too slow. Undo."
        return Turn("undo", steps=undo_steps(text))
    if undo_steps(text) > 1 and has(_UNDO, text) and not read_changes(raw) and \
            named_version(text) is None:  # "go back to phase two, version 2" names the version
        return Turn("undo", steps=undo_steps(text))
    if re.fullmatch(rf"(?:{_REDO})(?:\s+(?:that|it))*", core):
        return Turn("redo")
    if re.fullmatch(rf"(?:{_HELP})", core) or core == "":
        return Turn("smalltalk", text=raw) if smalltalk(words) else Turn("help")
    if has_piece and (blend := _blend(text)) is not None:
        return replace(blend, text=raw)
    version = named_version(text)
    changes = read_changes(raw)
    clauses = [_core(" ".join(re.sub(r"[^\w\s']", " ", c).split()))
               for c in re.split(r"[.!?;,:，。！？；]+", text)]
    polite = any(re.search(_POLITE, c) for c in clauses)
    wh_clause = any(re.search(_WH, c) for c in clauses[1:])  # "nice, what key is that"
    wanted = changes or version is not None or has(_UNDO, text) or has_piece and has(_TAKE, text)
    if not changes and smalltalk(words) and not re.search(_WH, core):
        return Turn("smalltalk", text=raw)  # "i think it's good now?"
    if not changes and version is None and has(CHATTER, text) and not _names_any(text) \
            and not topic_of(text):  # not "remind me of the time signature?"
        return Turn("smalltalk", text=raw)  # "brb, grabbing a coffee"
    if re.fullmatch(TERSE_TOPIC, core):
        return Turn("question", topic=topic_of(core))  # "len", "bpm", "key now"
    if (_asking(raw, core) or wh_clause) and not polite and not re.search(
            r"^(?:how|what)\s+(?:about|bout|abt)\b|^what\s+if\s+(?:we|you|u|i)\b", core):
        if re.search(_WH, core) or wh_clause or not wanted:  # "what key?", not "¿y un minuto?"
            topic = topic_of(text)
            return Turn("question", topic=topic) if topic or re.search(_WH, core) \
                else Turn("unknown", text=raw)
    if polite and not wanted and topic_of(text):
        return Turn("question", topic=topic_of(text))  # "could you tell me the key?"
    if not changes and version is None and _undo_only(core):  # "let's go back to the previous"
        return Turn("undo", steps=undo_steps(text))
    if version is not None and (changes or has(_UNDO + r"|go\s+to|back\s+to|回到|" + _RETURN, text)
                                or len(words) <= 5):
        return Turn("edit" if changes else "goto", changes=changes, base=version, text=raw)
    if has_piece and not changes:
        if has(_VARY, text):
            return Turn("vary", text=raw, amount=_vary_amount(text))
        if re.fullmatch(rf"(?:{_AGAIN})", core) or has(_TAKE, text):
            return Turn("again", text=raw)
    if not changes and smalltalk(words):
        return Turn("smalltalk", text=raw)
    if has_piece and changes and (_edit_said(raw, text, changes) or polite
                                  or not _describes_piece(text)):
        # "undo that and make it faster instead": an edit of the version before this one
        return Turn("edit", changes=changes, text=raw,
                    base=PREVIOUS if re.search(_UNDO_THEN, text) else None)
    if has_piece and not changes and not _describes_piece(text):
        return Turn("unknown", text=raw)
    return Turn("new", text=raw)


_STEP_WORDS = {"two": 2, "2": 2, "both": 2, "twice": 2, "deux": 2, "dos": 2, "zwei": 2, "两": 2,
               "二": 2, "three": 3, "3": 3, "trois": 3, "tres": 3, "drei": 3, "三": 3}
_UNDO_THEN = (rf"(?:^|[\s,.!])(?:{_UNDO})(?:\s+(?:that|it|ca|eso|das|the(?:\s+\w+){{1,2}}))?\s*"
              r"(?:[,.;!]|\b(?:and|et|y|und|then)\b)")


# words that choose a version named in the line: "I like version 3 more, return to it"
_RETURN = (r"return|restore|switch\s+to|voltar|volver|volvamos|vuelve|retourne[rz]?|"
           r"zuruck|prefer\w*|like|liked|better|best|go\s+[1-9]")
# an undo said tersely: "prev", "cancel that", "back a step"
_BARE_UNDO = (r"prev(?:ious)?(?:\s+(?:one|version))?|cancel(?:\s+(?:that|it))?|"
              r"(?:go\s+|take\s+it\s+)?back\s+(?:a|one)\s+step|(?:a\s+|one\s+)?step\s+back")


def _undoes(core: str) -> bool:
    """Whether a line's core says nothing but undo."""
    return bool(re.fullmatch(rf"(?:{_UNDO})(?:\s+(?:that|it|ca|eso|das|the\s+last\s+"
                             r"(?:one|change)))*", core) or core in ("back", "go back")
                or re.fullmatch(_BARE_UNDO, core))


def _undo_last(text: str) -> bool:
    """A complaint then an undo ("Too slow. Undo.", "too cluttered, back a step"): the undo
    is what is asked, the complaint says why."""
    clauses = [c for c in (_core(" ".join(re.sub(r"[^\w\s']", " ", c).split()))
                           for c in re.split(r"[.!?;,]+", text)) if c]
    return len(clauses) >= 2 and _undoes(clauses[-1]) and not any(
        has(_EDIT_VERBS, c) for c in clauses[:-1])


def undo_steps(text: str) -> int:
    """How many versions an undo goes back: "undo both", "go back two steps", "undo that and
    the one before", "undo undo" (1 unless the folded line counts more; "go back to two"
    names a version, not a count)."""
    if re.search(r"\b(?:and|plus|&)\s+(?:the\s+one|one)\s+before\b", text):
        return 2  # "undo that and the one before" ("the one before was better" is one step)
    if len(re.findall(r"\bundo\b", text)) >= 2:
        return len(re.findall(r"\bundo\b", text))
    if times := re.search(r"\bx\s*([2-5])\b|\b([2-5])\s*x\b", text):  # "undo x2"
        return int(times.group(1) or times.group(2))
    for match in re.finditer(r"(?<![a-z\d])(two|2|both|twice|deux|dos|zwei|three|3|trois|tres|"
                             r"drei)(?![a-z\d])|[两二三](?=步|次|个|下)", text):
        before = text[max(0, match.start() - 9):match.start()]
        if not re.search(r"\b(?:to|version|v|a|la|de|zu|auf)\s*$", before):
            return _STEP_WORDS[match.group(1) or match.group(0)]
    return 1


_OPENERS = (r"hm+|um+|uh+|ok(?:ay)?|k|actually|nah|nope|no|non|nein|oh|wait|well|alright|"
            r"ew+|ugh+|bruh|lol|lmao|oof|meh|welp|eh+|yikes|oops|whoops|dang|damn|ngl|tbh|"
            r"so|and|then|et|y|und|ah|yeah|yes|oui|si|ja|please|pls|plz|hey|算了|嗯|好吧")
_OPENERS_WORDS = set(re.findall(r"[a-z']+", _OPENERS.replace("(?:ay)?", "")))
_CLOSERS = r"please|pls|plz|bitte|por\s+favor|stp|svp|tho|lol|吧"
_POLITE = (r"^(?:could|would|can|will|may)\s+(?:you|we|i)\b|^(?:pourriez|pourrais|pouvez|peux)"
           r"[\s-]?(?:vous|tu)\b|^tu\s+(?:peux|pourrais)\b|^(?:podrias|podria|puedes|puede)\b|"
           r"^(?:konnten|konntest|kannst|konnen|wurden|wurdest)\s+(?:sie|du)\b|^(?:能|可以|请|麻烦)")
_WH = (r"^(?:what|which|how|who|where|why|whats|wat|wats|is\s+it|is\s+this|are\s+there|"
       r"is\s+there|does\s+it\s+have|has\s+it\s+got|"
       r"does\s+it|do\s+you|tell\s+me|quelle?s?|quel|combien|est[\s-]ce|c'est\s+quoi|qu'est|"
       r"que|cual|cuales|cuanto|cuantos|como|en\s+que|welche[rs]?|wie|wieviel|"
       r"was(?!\s+(?:better|nicer|best|good|great|fine|worse|cooler|perfect|right|way|much|so|"
       r"too|more|less)\b))\b|"
       r"什么|哪|多少|几|多长|多久|多快")
_PIECE = (r"piece|song|tune|track|music(?!\s*box)|jig|reel|waltz(?!\s+(?:time|feel|rhythm))|tango|"
          r"lullaby|ballad|march|anthem|"
          r"something|anything|morceau|musique|chanson|valse|gigue|pieza|cancion|musica|vals|"
          r"giga|stuck|musik|lied|walzer|曲|音乐|歌")
# a piece word that names this piece or what it should be like, not a new piece: "in 6/8
# like a jig", "it is waltz", "a jig has to drive", "a tango cadence", "the main tune"
_PIECE_HERE = (rf"(?<![a-z])(?:(?:like|as|it'?s|it\s+is|is|be|proper|real)\s+(?:an?\s+)?|"
               rf"(?:the|this|that|of|my|our)\s+(?:[a-z]+\s+)?)(?:{_PIECE})(?![a-z])|"
               rf"(?<![a-z])(?:{_PIECE})\s+(?:has|needs|should|must|cadence|close|feel|rhythm|"
               rf"groove|vibe|ending|beat|time)(?![a-z])")
_EDIT_VERBS = (r"add|drop|remove|ditch|lose|mute|swap|replace|switch|put|give|bring|take|"
               r"throw|lower|raise|transpose|shift|move|try|play\s+it|make|turn|chuck|toss|slap|"
               r"sneak|sprinkle|shove|whack|squeeze|gimme|lemme|(?:pop|stick|layer)\s+(?:an?|some)|"
               r"ajoute|enleve|retire|remplace|mets|rends|fais|monte|baisse|joue|anade|quita|"
               r"cambia|pon|hazlo|hazla|sube|baja|toca|fuge|nimm|ersetze|tausche|mach|spiel|"
               r"把|加|去掉|换|改|再|让|升|降")


def _core(bare: str) -> str:
    """`bare` without the fillers around what it asks ("hmm, actually undo that please")."""
    previous = None
    while previous != bare:
        previous = bare
        bare = re.sub(rf"^(?:{_OPENERS})(?:\s+|$)", "", bare)
        bare = re.sub(rf"(?:^|\s+)(?:{_CLOSERS})$", "", bare)
    return bare.strip()


def _asking(raw: str, core: str) -> bool:
    return raw.endswith(("?", "？", "?!", "吗")) or bool(re.search(_WH, core))


def _edit_said(raw: str, text: str, changes: Changes) -> bool:
    """Whether the words say "change this piece": an edit verb or cue, a comparative, or a
    change only an existing piece can have ("up a tone", "twice as long", "swap")."""
    return bool(named_as_change(text, changes) or has(_EDIT_CUES, text)
                or has(_EDIT_VERBS, text) or _only_changes(raw))


_UNDO_FILLER = {"let's", "lets", "let", "us", "can", "could", "would", "we", "you", "u", "i",
                "just", "want", "wanna", "to", "the", "that", "this", "it", "one", "version",
                "change", "last", "pls", "plz", "please", "no", "nah", "go", "again", "like",
                "thanks", "ty", "thx", "think", "should", "maybe", "was", "worse", "bad",
                "nope", "lol", "yeah", "and", "now", "quick", "before"}


def _undo_only(core: str) -> bool:
    """A line that says nothing but undo, among fillers: "let's go back to the previous
    version", "ok that was worse, undo pls"."""
    if not has(_UNDO, core):
        return False
    rest = re.sub(rf"(?<![a-z])(?:{_UNDO})(?![a-z])", " ", core)
    return all(word in _UNDO_FILLER or word in _OPENERS_WORDS for word in rest.split())


def _names_any(text: str) -> bool:
    """Whether a line names an instrument, a mood or a style."""
    return bool(INSTRUMENT_LEXICON.find(text) or MOOD_LEXICON.find(text)
                or STYLE_LEXICON.find(text))


def _describes_piece(text: str) -> bool:
    """A description of a whole piece: a piece named ("a jig", "something"), or two of mood,
    style, instruments and key ("calm piano in D minor")."""
    text = re.sub(_PIECE_HERE, " ", text)  # "like a jig", "the end of the music"
    if has(_PIECE, text):
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
