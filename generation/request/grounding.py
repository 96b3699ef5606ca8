"""Whether a line says anything the reader knows: the learned reader guesses an edit even for
"Grazie!" or "asdf" (its sentence encoder places every line somewhere), so what it guesses is
acted on only when the line is grounded: some word or symbol of it is one the exact readers
and the lexicon know (a value, an instrument, a mood, a style, a section, a direction, an edit
verb, a word of the history). A line that is not is small talk (thanks and chatter, in any
language, emoji), or not understood (keyboard mash).

    grounded("bit more pace on it") → True       grounded("Grazie!") → False
    mashed("jjjjjjjkkkkkkk;;;'") → True          mashed("spasibo") → False
"""

from __future__ import annotations

import re

from generation.request.amounts import has
from generation.request.lexicon import (
    INSTRUMENT_LEXICON,
    MOOD_LEXICON,
    STYLE_LEXICON,
    comparative_mood,
)

# stems of the words that make a line about the music or its history, in the languages the
# exact readers read (folded: lower case, no accents); matched at a word's start
_STEMS = (
    # tempo, loudness, texture, pitch, length
    r"fast|slow|quick|rapid|speed|pace|tempo|bpm|rush|drag|hurr|brisk|sluggish|lazy|"
    r"loud|quiet|soft|volume|gentl|harsh|punch|busy|busier|spars|dens|thin|full|fill|empty|"
    r"clutter|crowd|bare|simpl|complex|notes?\b|layer|texture|high|low|up\b|down\b|rais|"
    r"pitch|key\b|keys\b|major|minor|maj\b|min\b|tone|semitone|step|octave|transpos|modulat|"
    r"dominant|subdominant|relative|rel\b|sharp|flat|long|short|length|minute|second|sec\b|"
    r"secs\b|min\b|mins\b|bar\b|bars\b|meter|metre|time\s+sig|waltz|swing|groove|beat|rhythm|"
    r"compound|duple|triple|quadruple|"
    # parts of the piece and of the band
    r"melod|tune|lead|solo|harmon|chord|cadence|reharmon|bass|drum|percuss|part\b|parts\b|"
    r"line\b|voice|instrument|sound(?!s\b)|intro|outro|ending|end\b|start|beginning|opening|middle|"
    r"bridge|chorus|verse|section|drop\b|build|climax|theme|"
    # edit verbs and comparisons
    r"add|remov|drop|ditch|lose|mute|swap|replac|switch|put|give|bring|take|throw|lower|"
    r"shift|move|make|turn|change|chang|tweak|adjust|fix|redo|rewrit|rework|more\b|less\b|"
    r"chill|anoth|anot\b|bigger|smaller|bright|dark|warm|cold|heav|light|hard|deep|rich|wide|big\b|"
    r"instead|without|only|just\s+the|no\s+more|"
    # the history
    r"undo|back\b|revert|previous|prev\b|earlier|original|version|again|another|one\s+more|"
    r"retry|reroll|regenerat|different|variation|vary|cancel|restore|redo|"
    r"volta|voltar|torna|indietro|zuruck|atras|retour|annul|deshac|before|old\b|older|"
    r"forward|fresh|attempt|flip|doubl|halv|half|twice|extend|thick|fewer|hot\w*|push|"
    # other languages: faster/slower, more/less, add/remove
    r"piu\b|meno\b|plus\b|moins\b|mas\b|menos\b|mehr\b|weniger\b|veloce|lento|lenta|presto|"
    r"allegro|adagio|andante|largo|moderato|vite|lent|schnell|langsam|rapido|despacio|"
    r"ajoute|enleve|anade|quita|hinzu|entfern|mach|rends|fais|hazlo|pon\b|mets\b|"
    # French, Spanish, German: history, pitch, length, sections
    r"revien|remet|refai|reecri|monte|baisse|descend|redescend|rallong|raccourc|retir|"
    r"variante|prise|precedent|avant|arriere|mieux\s+sans|retabl|duree|demi|quarte|"
    r"(?:un|d'un|demi)[\s-]ton\b|quinte|mineur|majeur|milieu|debut|fin\b|antes|anterior|sub[ea]|baj[ae]|tono|semiton|"
    r"octava|cuarta|quinta|doble|larg|cort[ao]|deshaz|rehaz|otra\s+(?:vez|toma)|de\s+nuevo|"
    r"vuelve|regresa|primera|principio|pon[lg]|cambi|percusion|vorig|davor|wiederherstell|"
    r"halbton|oktave|runter|rauf|hoch|tief|nochmal|neu\b|schlank|flott|teil\b|anfang|"
    r"ende\b|dazu|begleit|umschreib"
)
_GROUNDS = re.compile(rf"(?<![a-z])(?:{_STEMS})")
_CJK_EDIT = re.compile(r"[快慢加减换改调高低长短更再撤版退恢降升度音重写尾头中满少去初开上简]")
_SYMBOLS = re.compile(r"\d|[+#♯♭×]|(?<![a-z])x\s*\d|\d\s*x(?![a-z])")

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {(row[i], row[i + 1]) for row in _ROWS for i in range(len(row) - 1)}
_NEIGHBOURS |= {(b, a) for a, b in _NEIGHBOURS}
_LAUGHS = re.compile(r"(?:ha|he|hi|ho|ja|je|ji|ka|ke|ki|xd|lol|lmao|rs)+|h?m+|a+h+|o+h+|u+h+|z+|w+")


def grounded(text: str) -> bool:
    """Whether the folded line names something the readers know (see the module's doc)."""
    return bool(_GROUNDS.search(text) or _CJK_EDIT.search(text) or _SYMBOLS.search(text)
                or INSTRUMENT_LEXICON.find(text) or MOOD_LEXICON.find(text)
                or STYLE_LEXICON.find(text)
                or comparative_mood(re.sub(r"(?<=[a-z])(i?)est(?![a-z])", r"\1er", text)))


def _mashed_word(word: str) -> bool:
    """A run of keys, not a word: one key held ("jjjjjjj"), neighbouring keys ("asdf",
    "qwertyuiop", "lkjlkj"), the home row ("sdfkjhsdf") or a long run with no vowel."""
    if _LAUGHS.fullmatch(word):
        return False
    if re.search(r"(.)\1{3,}", word):
        return True
    if len(word) < 4:
        return False
    pairs = list(zip(word, word[1:], strict=False))
    near = sum((a, b) in _NEIGHBOURS for a, b in pairs) / len(pairs)
    home = sum(c in _ROWS[1] for c in word) / len(word)
    return near >= 0.5 or len(word) >= 5 and (home >= 0.8 or not re.search(r"[aeiouy]", word))


def mashed(text: str) -> bool:
    """Whether every word of the folded line is keyboard mash ("asdkjfh", "jjjkkk;;;'")."""
    words = re.findall(r"[a-z]+", text)
    return bool(words) and all(_mashed_word(w) for w in words) and not has(
        r"lol|lmao|haha", text)


def ungrounded(text: str, typed: str) -> str | None:
    """What a line the readers know nothing of is (`text`: folded and its typos repaired,
    `typed`: folded as typed): "unknown" (keyboard mash), "smalltalk" (words or emoji:
    thanks, chatter), or None when it is grounded or holds neither (punctuation alone)."""
    if grounded(text):
        return None
    if mashed(typed):
        return "unknown"
    if re.search(r"[^\W\d_]", text) or re.search(r"[\u2600-\u27bf\U0001f000-\U0001faff]", text):
        return "smalltalk"
    return None
