"""Small talk: a line of thanks, a greeting, or a verdict that asks for nothing ("sounds
great", "good for now", "hmm i don't know. that's fine"). Part of `request/turn.py`.
"""

from __future__ import annotations

import re

SMALLTALK_WORDS = {  # words a line of thanks, greeting or praise is made of
    "thanks", "thank", "you", "thx", "thnx", "thanx", "ty", "tysm", "cheers", "merci", "gracias",
    "danke", "vielen", "dank", "muchas", "beaucoup", "much", "so", "very", "a", "lot", "hi",
    "hello", "hey", "there", "yo", "salut", "bonjour", "hola", "hallo", "nice", "cool", "great",
    "awesome", "love", "it", "i", "like", "beautiful", "amazing", "perfect", "wow", "lol",
    "haha", "genial", "super", "magnifique", "precioso", "bonito", "toll", "schon", "sick",
    "dope", "fire", "neat", "sweet", "lovely", "wonderful", "brilliant", "ok", "okay", "k",
    "that", "is", "that's", "thats", "it's", "its", "really", "one", "bot", "tunesmith", "sehr",
    "mucho", "parfait", "perfecto", "klasse", "bien", "tres", "c'est", "es", "muy", "oh",
    "谢谢", "多谢", "你好", "嗨", "好听", "不错", "太棒了", "太棒", "好的", "谢谢你",
    # a verdict that asks for nothing: "sounds great", "good for now", "perfect, locking this
    # one", "hmm i don't know. that's fine", "i think i like that"
    "sounds", "good", "fine", "perf", "done", "locking", "lock", "locked", "for", "now", "yes",
    "yeah", "yep", "yup", "think", "this", "the", "scene", "leave", "don't", "dont", "know",
    "lmao", "lmfao", "rofl", "exactly", "right", "what", "wanted", "want", "needed", "keeper",
    "works", "work", "ship", "we're", "were", "im", "i'm", "hmm", "hm", "um", "well", "sure",
    "with", "all", "set",
    "sorted", "solid", "vibe", "vibes", "banger", "slaps", "goated", "fr", "ngl", "omg",
    "bueno", "gut", "prima", "d'accord", "vale", "absolute", "absolutely", "total", "pure",
    "yea", "heh", "hehe", "noice", "smooth", "clean", "one's", "ones"}
_CORE = {"thanks", "thank", "thx", "thnx", "thanx", "ty", "tysm", "cheers", "merci",
                   "gracias", "danke", "dank", "hi", "hello", "hey", "yo", "salut", "bonjour",
                   "hola", "hallo", "nice", "cool", "great", "awesome", "love", "like",
                   "beautiful", "amazing", "perfect", "wow", "lol", "haha", "genial", "super",
                   "magnifique", "precioso", "bonito", "toll", "schon", "sick", "dope", "fire",
                   "neat", "sweet", "lovely", "wonderful", "brilliant", "ok", "okay", "k",
                   "parfait", "perfecto", "klasse", "谢谢", "多谢", "你好", "嗨", "好听", "不错",
                   "太棒了", "太棒", "好的", "谢谢你", "sounds", "good", "fine", "perf",
                   "done", "locking", "lock", "locked", "yes", "yeah", "yep", "leave", "lmao",
                   "lmfao", "rofl", "exactly", "works", "keeper", "solid", "slaps", "banger",
                   "goated", "sorted", "bueno", "gut", "prima", "vale", "yea", "heh", "hehe",
                   "noice", "smooth", "clean", "vibe"}


def smalltalk(words: list[str]) -> bool:
    """Whether a line (its words) is thanks, a greeting or a verdict that asks for nothing."""
    words = [re.sub(r"([a-z])\1{2,}", r"\1", w) for w in words]  # "lmaooo", "yesss"
    words = [w if w in SMALLTALK_WORDS else re.sub(r"([a-z])\1+$", r"\1", w) for w in words]
    return bool(words) and all(w in SMALLTALK_WORDS for w in words) and any(
        w in _CORE for w in words)


# chat about the user's day or what the piece is for, that asks nothing of it: "brb, grabbing
# a coffee", "back in a tick", "ty this is for my short film", "lol it sounds like mario",
# "not bad not bad"
CHATTER = (r"\b(?:brb|afk|gtg|g2g|bbl|be\s+right\s+back|back\s+in\s+(?:a\s+)?(?:\d+|tick|sec|"
           r"second|min|minute|moment|bit|few|five|ten)|(?:make|grab|get|making|grabbing|getting|"
           r"brew|brewing)\s+(?:a|some|my)\s+(?:cup\s+of\s+|quick\s+)?(?:tea|coffee|snack|"
           r"food|lunch|dinner|drink|water|break)|for\s+my\s+(?:\w+\s+){0,2}(?:film|movie|"
           r"video|game|project|class|students|channel|stream|podcast|school|presentation|"
           r"wedding|birthday|party|assignment|homework)|(?:sounds|sounding)\s+like\s+(?:a\s+|the\s+)?"
           r"(?!it\b|a\s+bit\b|an?\s+\w+er\b)\w+|reminds\s+me\s+of|not\s+bad|nice\s+one|"
           r"my\s+(?:cat|dog|mom|dad|kid|son|daughter)\b|btw)")
