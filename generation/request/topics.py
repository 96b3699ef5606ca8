"""What a question about the piece asks: its topic (key, tempo, instruments, length ...),
read by words in six languages. Part of `request/turn.py`.
"""

from __future__ import annotations

import re

_TOPICS = [  # (topic, pattern): the first that matches a question names its topic
    ("abilities", r"what\s+(?:else\s+|kinda\s+stuff\s+|kind\s+of\s+stuff\s+)?can\s+"
                  r"(?:you|u|this\s+thing|it)\s+(?:even\s+)?do|what\s+do\s+you\s+do|"
                  r"how\s+does\s+this\s+work|"
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
    ("history", r"what\s+(?:did|have|has)\s+(?:we|you)\s+(?:\w+\s+)?(?:change|changed|done)|"
                r"what\s+(?:we'?ve|you'?ve|you)\s+changed|what\s+changed|"
                r"(?:was\s+it|it\s+was)\s+before"),
    ("key", r"\bkey\b|tonalit|tonalidad|tonart|\bscale\b|gamme|escala|什么调|调性|\bmode\b|modo|"
            r"(?:is\s+it|are\s+we)\s+(?:still\s+)?in\s+[a-g](?:#|b|\s+flat|\s+sharp)?"
            r"(?:\s+(?:major|minor|maj|min))?\W*$|"
            r"\b(?:major|minor)\b"),
    ("tempo", r"tempo|bpm|metronome|how\s+fast|speed|vitesse|velocidad|rapido|schnell|速度|多快"),
    ("meter", r"meter|time\s+sig\w*|signature|mesure|compas|takt|拍号|几拍|\b\d{1,2}/\d{1,2}\b"),
    ("chords", r"chord|progression|harmon|accord|acorde|akkord|和弦"),
    ("instruments", r"instrument|\binsts?\b|\binstr\w*|who\s+plays|playing|who'?s\s+in\b|"
                    r"who\s+(?:is|are)\s+in\b|in\s+the\s+band|line-?up|instrumento|instrumente|乐器|"
                    r"(?:should|does|did)\s+it\s+have|(?:is\s+it|is\s+the\s+\w+)\s+on\s+the\b|"
                    r"^(?:is\s+there|does\s+it\s+have|has\s+it\s+got)\s+(?:an?\s+|any\s+)?"
                    r"(?!way\b)\w+"),
    ("length", r"how\s+long|length|\blen\b|\bdur\b|how\s+many\s+(?:seconds|secs|minutes|mins)|"
               r"duration|duree|\bdure|\bdura\b|duracion|combien\s+de\s+temps|"
               r"lange|dauer|多长|时长|多久"),
    ("form", r"\bform\b|structure|section|forme|estructura|aufbau|form|结构|段落"),
    ("mood", r"mood|feel|emotion|humeur|animo|stimmung|情绪|感觉"),
    ("style", r"style|genre|estilo|\bstil\b|风格"),
]

# a topic said alone asks about it: "len", "bpm", "insts", "key now"
TERSE_TOPIC = (r"(?:len|length|dur|duration|bpm|tempo|key|insts?|instruments|style|genre|meter|"
                r"time\s+sig|mood)(?:\s+(?:now|rn|again|pls|plz))?")


def topic_of(text: str) -> str | None:
    """The topic a question asks about (folded text), or None."""
    return next((name for name, pattern in _TOPICS if re.search(pattern, text)), None)
