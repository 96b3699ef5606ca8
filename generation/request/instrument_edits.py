"""Which instruments an edit names, and what it does with each: added ("throw in a sax"),
removed ("drop the drums"), swapped ("the sax for a trumpet") or given the melody ("melody on
violin"). Part of `request/changes.py`; read on folded text in five languages.
"""

from __future__ import annotations

import re

from generation.request.lexicon import INSTRUMENT_LEXICON, INSTRUMENT_WORDS

_ADD = (r"add|adding|with|plus|bring\s+in|throw\s+in|include|and\s+a|ajoute[rz]?|avec|"
        r"(?:bring|put|get)\s+back|re-?add|(?:how\s+(?:about|bout|abt)|what\s+about)\s+"
        r"(?=an?\s|some\s)|what\s+if\s+(?:we|you|u)\s+(?:added|add|had|threw\s+in|brought\s+in)|"
        r"maybe\s+some|(?:could|can|may)\s+(?:we|you|i|it)\s+(?:have|get|hear)|"
        r"(?:i|we)(?:'?d|\s+would)\s+(?:like|love)|"
        r"anade|agrega|con|fuge|mit|dazu|noch|加上|加入|再加|加")
_REMOVE = (r"drop|remove|lose|ditch|mute|without|no\s+more|get\s+rid\s+of|take\s+out|cut|kill|"
           r"yeet|nix|scrap|axe|bin|delete|erase|"
           r"enleve[rz]?|supprime[rz]?|retire[rz]?|sans|quita|quitar|quitale|quitalo|sin|"
           r"elimina(?:r)?|ohne|entfernen|"
           r"entferne|weg\s+mit|去掉|不要|删掉|拿掉")
LEAD = (r"melody\s+(?:on|for|to|with|played\s+(?:on|by))|"
        r"(?:give|hand|pass)\s+the\s+(?:melody|tune|lead|top\s*line)\s+to|"
         r"lead\s+(?:on|to)|(?:on|as)\s+(?:the\s+)?lead|plays?\s+the\s+(?:melody|tune|lead)|"
         r"melodie\s+(?:au|a\s+la|sur|on)|melodia\s+(?:en|con|al|a\s+la)|"
         r"melodie\s+(?:bitte\s+)?(?:auf|mit)|旋律[用给由]|旋律换成|旋律改成")
_SWAP = (r"swap|replace|switch|change|exchange|trade|remplace[rz]?|echange[rz]?|cambiar?|"
         r"sustitu(?:ye|ir)|reemplazar?|tausche[n]?|ersetze[n]?|wechsle|换成|改成|替换")
_INSTEAD = (r"instead\s+of|in\s+place\s+of|au\s+lieu\s+d[eu']|en\s+vez\s+de|en\s+lugar\s+de|"
            r"statt|anstatt|而不是")


# after an instrument, words that give it the melody: "cello lead pls", "the guitar should
# carry the tune", "add flute play melody", "make violin the lead"
_LEAD_AFTER = (r"^\s*(?:on\s+(?:the\s+)?(?:lead|melody|tune)|"
               # "the cello, can it play the main melody?", "the cello should have the melody"
               r",?\s*(?:can|could|will|would|should|may)\s+(?:it|she|he|they)\s+(?:please\s+)?"
               r"(?:play|take|carry|have|get)\s+(?:the\s+)?(?:main\s+|principal\s+|whole\s+)?"
               r"(?:melody|tune|lead|top\s*line|theme)\b|"
               r"(?:as\s+|the\s+)?(?:lead|solo|melody)\b"
               r"(?!\s+(?:guitar|synth|sheet))|(?:should\s+|to\s+|can\s+|could\s+|will\s+)?"
               r"(?:plays?|playing|carr(?:y|ies)|takes?|gets?|has|have|on)\s+(?:the\s+)?"
               r"(?:main\s+|principal\s+)?(?:melody|tune|lead|top\s*line|main\s+line|theme)\b|"
               r"(?:play|plays|playing|take|takes|carry|carries)\s+it\W*$)")  # "a harp play it"
# an article and up to two describing words between a verb and the instrument: "add a quiet
# cello", "throw in some low muted brass"
_MODIFIED = (r"(?:\s+(?:a|an|some|the|more))?(?:\s+(?!and\b|or\b|but\b|then\b)"
             r"[a-z][a-z'-]*){1,2}\s*")


# between two instruments, "it" standing for the first: "the recorder is too squeaky. swap it
# for a flute", "the viola... could it be a clarinet instead"
_SWAP_IT = (r"(?:swap|replace|switch|exchange|trade|change)\s+(?:it|that|this|them)\s+(?:out\s+)?"
            r"(?:for|with|to|by|into)\s+(?:an?\s+|the\s+|some\s+)?$|"
            r"(?:could|can|should|would|make)\s+(?:it|that|this)\s+(?:be\s+)?(?:an?\s+|the\s+)?$|"
            r"^\s+(?:\w+\s+){0,2}(?:be\s+|is\s+|gets?\s+)?(?:replaced|swapped)\s+(?:by|with|for)\s+"
            r"(?:an?\s+|the\s+|some\s+)?$")


# a loose verb that adds what it names with a place after it: "chuck a sax on it", "pop a harp
# in", "sneak a clarinet in there", "slap some drums under it", "lemme hear some bells on this"
_LOOSE_ADD = (r"(?:^|\s)(?:throw|chuck|toss|slap|stick|pop|sneak|layer|sprinkle|put|get|bring|"
              r"drop|shove|whack|bung|tack|stack|squeeze|fit|work|hear|gimme|give\s+(?:me|us|it)|"
              r"want|need|needs|use)" + _MODIFIED + "$")
_PLACE = (r"^\s*(?:in|into|on|onto|under(?:neath)?|over|behind|below|above|beneath|"
          r"in\s+(?:there|here)|on\s+top|in\s+the\s+(?:mix|back|background)|going)\b"
          r"(?!\s+(?:the\s+|an?\s+)?(?:lead|melody|tune|top\s*line|main\s+line)\b)")


# a sign right before an instrument, at the start or after a space: "+organ", "- drums"
_SIGN = r"(?:^|[\s,;/(])([+\-\u2212\u2013])\s*(?:the\s+|an?\s+)?$"


CORRECTION = (r"\W+(?:no|nah|sorry|oops|actually|wait)\W+(?:make\s+(?:that|it)|i\s+mean|rather|"
               r"change\s+that\s+to)\s+(?:an?\s+|the\s+|some\s+)?")


# the instruments kept, every other part left out: "just piano", "make it drums and bass
# only", "strip it down to just the guitar", "everything but the piano out"
_JUST = (r"(?:^|[,.!;:]\s*|(?:make\s+it|strip\s+it(?:\s+(?:down|back))?\s+to|cut\s+it\s+"
         r"(?:down\s+)?to|leave|keep|now|ok|so|then|go|want|it'?s|be|and|&|\+|but)\s+)"
         r"(?:just|only)\s+"
         r"(?:the\s+|an?\s+)?$")
_ALL_BUT = (r"(?:remove|drop|lose|kill|mute|cut|ditch|get\s+rid\s+of)\s+(?:everything|all"
            r"(?:\s+the\s+rest)?|the\s+rest|every\s+other\s+part)\s+(?:but|except(?:\s+for)?|"
            r"apart\s+from|besides)\s+(?:the\s+)?$")
_LISTED = r"\s*(?:,|and|&|\+|n)?\s*(?:the\s+|an?\s+)?"


def _only(text: str, names: list) -> tuple[str, ...]:
    """The instruments a line keeps alone ("just piano", "piano only"), else ()."""
    for index, (find, _) in enumerate(names):
        before = text[:find.start]
        if not (re.search(_JUST, before) and not re.search(  # "just the piano. take the
                rf"(?<![a-z])(?:{_REMOVE}|out)(?![a-z])", text)  # bass out": of those two
                or re.search(_ALL_BUT, before)):
            continue
        kept, end = [], find.start
        for other, name in names[index:]:
            if not re.fullmatch(_LISTED, text[end:other.start]):
                break
            kept.append(name)
            end = other.end
        if not re.match(r"\s*(?:(?:is|are)\s+(?:too|so)\b|(?:on|for|in)\s+the\b)", text[end:]):
            return tuple(kept)  # not "just the drums are too loud", "only the piano in the intro"
    *listed, (last, _) = names
    if re.match(r"\s+only\b", text[last.end:]) and not re.search(r"\b(?:add|with)\b", text):
        return tuple(name for _, name in names)  # "piano only", "drums and bass only"
    return ()


def read_instrument_edits(text: str) -> dict:
    """The instruments a line adds, removes, swaps or gives the melody to (folded text)."""
    if labelled := _labelled_lead(text):
        return {"lead": labelled}
    correction = re.search(CORRECTION, text)
    if correction:  # "add a glockenspiel... no, make that celesta": the second one is meant
        named = [f for f in INSTRUMENT_LEXICON.find(text) if f.end <= correction.start()]
        if named:
            text = text[:named[-1].start] + text[correction.end():]
    text = _kind_of(text)
    # each find with the instruments its phrase names ("string quartet" names three)
    finds = [(f, INSTRUMENT_WORDS[f.phrase][0]) for f in INSTRUMENT_LEXICON.find(text)
             if INSTRUMENT_WORDS[f.phrase][0]]
    if not finds:
        return {}
    add, remove, lead, denied = [], [], None, []
    names = [(f, group[0]) for f, group in finds]
    if only := _only(text, names):
        return {"only": only}
    groups = {id(f): group for f, group in finds}
    swap, taken = _swaps(names, text)
    last: tuple[str, int] | None = None  # the previous instrument's action and end
    for find, name in names:
        if id(find) in taken:
            continue
        before = text[max(0, find.start - 32):find.start]
        after = text[find.end:find.end + 24]
        listed = last is not None and re.fullmatch(
            r"\s*(?:,|and|&|et|y|und|和|plus|with)?\s*(?:a|an|some|the|un|une|des|una?|"
            r"einen?|eine)?\s*", text[last[1]:find.start])
        leads = re.search(_LEAD_AFTER, text[find.end:find.end + 64])  # "can it play the ..."
        if listed and last[0] in ("add", "remove") and not leads:
            (add if last[0] == "add" else remove).extend(groups[id(find)])
            last = (last[0], find.end)
            continue
        action = None
        if re.search(r"there(?:'?s|\s+is|\s+are)\s+(?:no|not\s+an?y?)\s+$", before):
            last = None  # "oh, there's no piano": what is heard, not a removal
            continue
        sign = re.search(_SIGN, before)
        if sign:  # "+organ", "-drums", "-bagpipes +whistle": a terse add or removal
            (add if sign.group(1) == "+" else remove).extend(groups[id(find)])
            last = ("add" if sign.group(1) == "+" else "remove", find.end)
            continue
        kind = _action(find, before, after, bool(leads))
        if kind in ("lead", "lead+add"):
            lead = name
            if kind == "lead+add":  # "add a vibraphone lead"
                add.extend(groups[id(find)])
        elif kind in ("remove", "denied"):
            remove.extend(groups[id(find)])
            if kind == "denied":
                denied.extend(groups[id(find)])
        elif kind == "add":
            add.extend(groups[id(find)])
        action = {"lead+add": "lead", "denied": "remove"}.get(kind, kind)
        last = (action, find.end) if action else None
    if not (add or remove or lead or swap) and re.search(
            r"(?:bring|put|get)\s+(?:it|them|em|'em|those|these)\s+back|re-?add\s+(?:it|them|em)",
            text[names[-1][0].end:]):  # "i miss the violin, put it back"
        add = [n for f, _ in names for n in groups[id(f)]]
    if lead and denied:  # "melody on the cello, not on violin": where the melody is not
        remove = [n for n in remove if n not in denied]
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


def _action(find, before: str, after: str, leads: bool) -> str | None:
    """What a line does with one instrument it names, by the words around it: "lead",
    "lead+add" ("add a vibraphone lead"), "remove", "denied" (a removal said as where the
    melody is not: "the melody on cello, not on violin"), "add", or None."""
    if re.search(rf"(?:{LEAD})(?:\s+(?:the|a|an|le|la|el|die|der|das|dem))?\s*$",
                 before) or leads:
        return "lead+add" if re.search(rf"(?:{_ADD}){_MODIFIED}$", before) else "lead"
    if find.negated or re.search(
            rf"(?:{_REMOVE})(?:\s+(?:just|only))?(?:\s+(?:the|all\s+the|that|those|le|la|les|el|los|las|"
            rf"die|der|das|den))?\s*$", before) or re.search(
            r"^\s*(?:(?:out|away|off|weg)\b|去掉|拿掉|删掉|"
            r"(?:(?:can|should|could|must|will|to|has\s+to)\s+)?(?:drop|sit|step|bow|fade)\s+"
            r"(?:this\s+one\s+)?out\b|(?:has\s+to\s+|should\s+|must\s+|"
            r"can\s+|could\s+)?go\b(?!\s+(?:up|down|higher|lower|faster|slower|on)))", after):
        return "denied" if re.search(r"\bnot\s+(?:on\s+|in\s+|for\s+)?(?:the\s+|a\s+)?$",
                                     before) else "remove"
    if re.search(rf"(?:{_ADD})(?:\s*(?:a|an|some|the|un|une|des|una?|unos|einen?|"
                   rf"eine|ein|etwas|个|一个|一把))?\s*$", before) or re.search(
            rf"(?:^|\s)(?:add|adding|bring\s+in|throw\s+in|include)(?:\s+something"
        rf"(?:\s+else)?\W+(?:like\s+)?(?:an?\s+|some\s+)?|{_MODIFIED})$",
            before) or (re.search(r"(?:bring|put|get|want|need|have)\s+(?:the\s+|my\s+)?$",
                                  before) and re.match(r"\s+back\b", after)) or re.match(
            r"\s+back\s+(?:in|on)\b|\s+back\W*(?:pls|plz|please)?\W*$", after) or (
            re.search(_LOOSE_ADD, before) and re.search(_PLACE, after)) or re.search(
            r"^\s*(?:(?:too|as\s+well|also|along\s+with|alongside|on\s+top|aussi|tambien|"
            r"auch)\b|dazu|hinzu|也)", after):
        return "add"
    if re.search(r"(?:on|with|for|sur|avec|en|con|auf|mit|用|在)\s+(?:a\s+|an\s+|the\s+|"
                   r"le\s+|la\s+|el\s+|der\s+|die\s+|dem\s+)?$|(?:a\s+la|a\s+l'|au)\s*$",
                   before) and not re.search(r"\bnot\s+\w+\s+(?:\w+\s+)?$", before):
        return "lead"  # "now on guitar", "try it on the flute"
    return None


def _kind_of(text: str) -> str:
    """`text` with "a muted one" after an instrument said as that kind of it ("change the
    trumpet to a muted one": "... to muted trumpet"; "make the strings tremolo ones")."""
    for said in reversed(list(re.finditer(
            r"(?<![a-z])(?:an?\s+|the\s+)?([a-z][a-z-]+)\s+ones?(?![a-z])", text))):
        earlier = [f for f in INSTRUMENT_LEXICON.find(text[:said.start()])]
        if not earlier or said.group(1) in ("other", "new", "different", "same", "last"):
            continue
        phrase = f"{said.group(1)} {earlier[-1].phrase}"
        finds = INSTRUMENT_LEXICON.find(phrase)
        if len(finds) == 1 and finds[0].phrase == phrase:
            text = text[:said.start()] + phrase + text[said.end():]
    return text


def _labelled_lead(text: str) -> str | None:
    """The instrument a line labels as the lead: "lead: flute", "melody = cello", "lead: saw"
    (a synth named by its wave: the GM "saw lead")."""
    said = re.fullmatch(r"\W*(?:lead|melody|tune|solo|top\s*line)\s*(?::|=|->|\u2192)\s*"
                        r"(?:the\s+|an?\s+)?([^\W\d][\w' -]*?)\W*", text)
    if said is None:
        return None
    for words in (said.group(1), f"{said.group(1)} lead"):
        finds = INSTRUMENT_LEXICON.find(words)
        if len(finds) == 1 and INSTRUMENT_WORDS[finds[0].phrase][0]:
            return INSTRUMENT_WORDS[finds[0].phrase][0][0]
    return None


def _swaps(names: list, text: str) -> tuple[list[tuple[str, str]], set[int]]:
    """The swaps a line names and the ids of the finds they use: "swap the sax for a
    trumpet", "trumpet instead of sax", "replace sax with trumpet", "swap it for a flute"."""
    swap: list[tuple[str, str]] = []
    taken: set[int] = set()
    for (a, first), (b, second) in zip(names, names[1:], strict=False):
        between = text[a.end:b.start]
        before = text[max(0, a.start - 28):a.start]
        if re.search(r"(?:make|turn)\s+(?:the\s+)?$", before) and re.fullmatch(
                r"\s+(?:into\s+)?(?:an?\s+)?", between):
            swap.append((first, second))
            taken |= {id(a), id(b)}
        elif (re.search(rf"(?:{_SWAP})(?:\s+(?:the|le|la|l'|el|das|den|die))?\s*$", before)
                and re.search(r"^\s*(?:for|with|to|by|into|par|pour|por|con|gegen|durch|mit|"
                              r"zu|->|→|换成|为)\s", between + " ")) or re.search(
                    r"^\s*(?:->|→|=>|to)\s*$", between):
            swap.append((first, second))
            taken |= {id(a), id(b)}
        elif re.search(rf"(?:{_INSTEAD})\s+(?:the\s+|an?\s+)?$", before) and re.fullmatch(
                r"\W*(?:(?:use|try|have|put\s+in|go\s+with|get|do|let'?s\s+(?:have|use|do|try))"
                r"\s+)?(?:an?\s+|the\s+|some\s+)?", between):  # "instead of piano use harp"
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
    if not swap and len(names) == 2 and re.search(
            _SWAP_IT, text[names[0][0].end:names[1][0].start]):
        swap.append((names[0][1], names[1][1]))  # "the viola... could it be a clarinet instead?"
        taken |= {id(names[0][0]), id(names[1][0])}
    return swap, taken


def signed_only(text: str) -> bool:
    """A line of signed instruments and nothing else: "+organ", "-bagpipes +whistle"."""
    rest = re.sub(r"[,;/]|\b(?:pls|please|plz)\b", lambda m: " " * len(m.group()), text)
    for find in sorted(INSTRUMENT_LEXICON.find(text), key=lambda f: -f.start):
        rest = rest[:find.start] + "@" + rest[find.end:]
    return bool(re.fullmatch(r"(?:\s*[+\-\u2212\u2013]\s*(?:the\s+|an?\s+)?@)+\s*", rest))


def named_only(text: str) -> bool:
    """Instruments said with nothing but words of choice: "muted trumpet actually", "use
    tremolo strings instead"."""
    rest = text
    for find in sorted(INSTRUMENT_LEXICON.find(text), key=lambda f: -f.start):
        rest = rest[:find.start] + " " + rest[find.end:]
    return rest != text and not re.sub(
        r"\b(?:actually|instead|rather|use|then|pls|please|ok|okay|no|nah|hmm+|the|an?|go|with|"
        r"try|i|mean|just|some)\b|[^\w\s]", " ", rest).strip()
