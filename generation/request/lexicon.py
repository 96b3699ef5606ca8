"""Word tables that map what people type to vocabulary names, in several languages.

English, French, Spanish, German, Italian and Chinese words are listed side by side. Latin
script is matched without accents (`flûte` is looked up as `flute`), so the tables are written
without them. A `Lexicon` finds every phrase of one table in a text, longest phrase first, and
tells whether a find is negated ("no drums", "sans batterie", "不要鼓").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from generation.request.ensembles import ENSEMBLES
from generation.request.gm_words import GM_WORDS

# phrase → (instrument names, note or "" when the phrase is an exact name or plain synonym)
INSTRUMENT_WORDS: dict[str, tuple[tuple[str, ...], str]] = {}


def _inst(names: str, *phrases: str, note: str = "") -> None:
    targets = tuple(name.strip() for name in names.split(","))
    for phrase in phrases:
        INSTRUMENT_WORDS[phrase] = (targets, note)


_inst("piano", "piano", "pianos", "grand piano", "upright piano", "keys", "pianoforte",
      "klavier", "flugel", "fluegel", "钢琴", "ピアノ")
_inst("electric piano", "electric piano", "e-piano", "epiano", "rhodes", "fender rhodes",
      "wurlitzer", "wurli", "piano electrique", "piano electrico", "电钢琴", "电子琴")
_inst("harpsichord", "harpsichord", "clavecin", "cembalo", "clavicembalo", "大键琴", "羽管键琴")
_inst("celesta", "celesta", "celeste", "钢片琴")
_inst("music box", "music box", "musicbox", "boite a musique", "caja de musica", "spieluhr",
      "spieldose", "carillon", "八音盒", "音乐盒")
_inst("vibraphone", "vibraphone", "vibraphon", "vibrafono", "颤音琴")
_inst("marimba", "marimba", "马林巴")
_inst("organ", "organ", "organs", "church organ", "pipe organ", "orgue", "organo", "orgel",
      "管风琴", "风琴")
_inst("accordion", "accordion", "accordeon", "acordeon", "akkordeon", "squeezebox",
      "手风琴")
_inst("harmonica", "harmonica", "blues harp", "mouth organ", "armonica", "mundharmonika",
      "口琴")
_inst("guitar", "guitar", "guitars", "acoustic guitar", "classical guitar", "nylon guitar",
      "spanish guitar", "guitare", "guitarra", "gitarre", "akustikgitarre", "吉他", "木吉他")
_inst("electric guitar", "electric guitar", "electric guitars", "e-guitar",
      "lead guitar", "guitare electrique", "guitarra electrica", "e-gitarre", "电吉他")
_inst("bass", "bass", "bass guitar", "electric bass", "bassline", "bass line", "basse",
      "bajo electrico", "e-bass", "贝斯", "低音吉他")
_inst("acoustic bass", "acoustic bass", "upright bass", "standup bass", "jazz bass",  # plucked
      "pizzicato bass", "walking bass")  # the orchestra's double bass (contrabass) is bowed
_inst("contrabass", "contrabass", "double bass", "string bass", "contrebasse", "contrabajo",
      "kontrabass", "低音提琴")
_inst("violin", "violin", "violins", "fiddle", "fiddles", "violon", "violons", "violin solo",
      "geige", "geigen", "violine", "violino", "小提琴")
_inst("viola", "viola", "violas", "bratsche", "中提琴")
_inst("cello", "cello", "cellos", "celli", "violoncello", "violoncelle", "violonchelo",
      "chelo", "大提琴")
_inst("strings", "strings", "string section", "string orchestra", "cordes", "cuerdas",
      "streicher", "archi", "弦乐", "弦乐团")
_inst("harp", "harp", "harps", "harpe", "arpa", "harfe", "竖琴")
_inst("choir", "choir", "choirs", "chorus", "voices", "vocals", "singing", "chant", "chanting",
      "choeur", "coro", "chor", "合唱", "合唱团", "人声")
_inst("trumpet", "trumpet", "trumpets", "trompette", "trompeta", "trompete", "tromba", "小号")
_inst("trombone", "trombone", "trombones", "trombon", "posaune", "长号")
_inst("horn", "horn", "horns", "french horn", "french horns", "cor", "trompa", "waldhorn",
      "corno", "圆号")
_inst("brass", "brass", "brass section", "brass band", "cuivres", "metales", "blechblaser",
      "铜管")
_inst("saxophone", "saxophone", "saxophones", "sax", "saxes", "alto sax", "saxofon",
      "saxophon", "萨克斯", "萨克斯风")
_inst("oboe", "oboe", "oboes", "hautbois", "双簧管")
_inst("clarinet", "clarinet", "clarinets", "clarinette", "clarinete", "klarinette",
      "clarinetto", "单簧管")
_inst("bassoon", "bassoon", "bassoons", "basson", "fagot", "fagott", "fagotto", "巴松",
      "大管")
_inst("flute", "flute", "flutes", "flauta", "flote", "querflote", "flauto", "长笛", "笛子")
_inst("recorder", "recorder", "flute a bec", "flauta dulce", "blockflote", "竖笛")
_inst("pan flute", "pan flute", "panflute", "pan pipes", "panpipes", "flute de pan",
      "flauta de pan", "panflote", "排箫")
_inst("synth lead", "synth", "synths", "synth lead", "lead synth", "synthesizer",
      "synthesiser", "synthe", "sintetizador", "synthesizer lead", "合成器")
_inst("synth pad", "synth pad", "pad", "pads", "synth pads", "warm pads", "nappes")
_inst("drums", "drums", "drum", "drum kit", "drumkit", "percussion", "drumbeat", "drum beat",
      "batterie", "bateria", "schlagzeug", "trommeln", "batteria", "鼓",
      "架子鼓", "打击乐")
_inst("timpani", "timpani", "kettle drums", "kettledrums", "timbales", "pauken", "定音鼓")
_inst("koto", "koto", "箏")
_inst("sitar", "sitar", "西塔琴")
_inst("erhu", "erhu", "二胡")
_inst("guzheng", "guzheng", "zheng", "古筝")
_inst("pipa", "pipa", "琵琶")
_inst("strings, brass, flute, timpani", "orchestra", "orchestral", "full orchestra",
      "symphony orchestra", "orchestre", "orquesta", "orchester", "管弦乐", "管弦乐团")
_inst("synth lead", "8-bit", "8bit", "8 bit", "16-bit", "16 bit")
_inst("piano", "pianist", "piano player")
_inst("guitar", "guitarist", "slide guitar", "fingerstyle guitar")
_inst("violin", "violinist", "fiddler", "fiddle player")
_inst("cello", "cellist")
_inst("drums", "drummer", "bass drum", "kick drum", "snare", "snare drum", "hi-hat", "hihat",
      "hi-hats", "cymbals", "breakbeat", "kit")
# what players call them: "add bones", "tenor on the melody", "get an upright on it"
_inst("saxophone", "saxophonist", "sax player", "tenor", "tenor sax", "bari", "bari sax")
_inst("trombone", "bones")
_inst("acoustic bass", "upright")
_inst("trumpet", "trumpeter", "trumpet player")
_inst("flute", "flautist", "flutist")
_inst("harp", "harpist")
_inst("organ", "organist")
_inst("bass", "bassist", "bass player")
_inst("clarinet", "bass clarinet")
_inst("choir", "voice", "vocal", "humming", "female vocals", "male vocals", "soprano")
_inst("flute, oboe, clarinet, bassoon", "woodwinds", "woodwind", "woodwind section")
_inst("strings", "string ensemble")
# strings named by what they play ("a low string drone", "pizzicato strings"), and the short
# or misspelt names people type in a hurry ("add drumz", "elec guitar")
_inst("strings", "string pad", "string pads", "string drone", "string ostinato",
      "string scratches", "string swells", "string stabs", "string line", "pizzicato strings",
      "pizz strings", "pizzicato", "strngs", "stings section")
_inst("drums", "drumz", "drms", "drumms")
_inst("electric guitar", "elec guitar", "e guitar", "electric gtr", "elec gtr")
_inst("guitar", "gtr", "acoustic gtr")
for _phrase, _names in ENSEMBLES.items():  # "string quartet", "jazz piano trio", ...
    _inst(", ".join(_names), _phrase)
_inst("guitar", "acoustic", "nylon string guitar")
_inst("vibraphone", "vibes")  # not "chill vibes": INSTRUMENT_FALSE_FRIENDS
_inst("piano", "acoustic piano")
_inst("drums", "acoustic drums", "beatbox", "beatboxing")
# Nearest vocabulary instrument for the ones tunesmith does not have; the user is told.
_NEAREST = {
    "ukulele": "guitar", "uke": "guitar", "mandolin": "guitar", "lute": "guitar",
    "bouzouki": "guitar", "尤克里里": "guitar", "cornet": "trumpet", "flugelhorn": "trumpet",
    "dizi": "flute", "guqin": "guzheng", "古琴": "guzheng", "tabla": "drums", "djembe": "drums",
    "bongos": "drums", "congas": "drums", "cajon": "drums", "handpan": "marimba",
    "theremin": "synth lead", "keyboard": "piano", "mellotron": "strings",
    "zither": "guzheng", "toy piano": "celesta", "oud": "guitar", "balalaika": "guitar",
    "cavaquinho": "guitar", "charango": "guitar", "shakers": "drums", "tambourine": "drums",
    "cowbell": "drums",
}
for _word, _name in _NEAREST.items():
    _inst(_name, _word, note=f"{{phrase}} is not in tunesmith's instruments; using {_name}")
# The General MIDI names and what musicians call them (after the families: they are exact).
for _name, _phrases in GM_WORDS.items():
    _inst(_name, *_phrases)

# Numbers written as words, for lengths ("thirty seconds", "zwei Minuten", "两分钟").
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "sixteen": 16,
    "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "fifty": 50, "sixty": 60,
    "ninety": 90, "half a": 0.5, "a couple of": 2, "a couple": 2, "couple of": 2,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "dix": 10, "trente": 30,
    "quarante": 40, "soixante": 60, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4,
    "cinco": 5, "diez": 10, "treinta": 30, "cuarenta": 40, "sesenta": 60, "ein": 1, "eine": 1,
    "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "zehn": 10, "dreissig": 30,
    "vierzig": 40, "sechzig": 60, "dreißig": 30,
    "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "十": 10,
    "半": 0.5, "三十": 30, "四十": 40, "六十": 60, "九十": 90,
}

# Italian tempo terms: the middle of their standard metronome ranges, in bpm.
ITALIAN_TEMPOS = {
    "grave": 40, "largo": 50, "lento": 56, "larghetto": 63, "adagio": 70, "adagietto": 74,
    "andante": 92, "andantino": 96, "moderato": 112, "allegretto": 116, "allegro": 138,
    "vivace": 160, "vivacissimo": 170, "presto": 184, "prestissimo": 208,
}

MOOD_WORDS: dict[str, str] = {}


def _mood(name: str, *phrases: str) -> None:
    for phrase in phrases:
        MOOD_WORDS[phrase] = name


_mood("calm", "calm", "calming", "peaceful", "serene", "tranquil", "relaxing", "relaxed",
      "soothing", "restful", "chill", "doux", "douce", "suave", "sanft", "sanfte", "sanfter",
      "轻柔", "柔和", "chilled", "placid", "quiet",
      "mellow", "gentle", "平静", "安静", "cozy", "cosy", "snug",
      "宁静", "放松", "舒缓", "轻松", "calme", "paisible", "apaisant", "apaisante",
      "tranquille", "serein", "sereine", "relaxant", "tranquilo", "tranquila", "calmado",
      "calmada", "relajante", "relajado", "sereno", "serena", "ruhig", "ruhige", "ruhiges",
      "ruhigen", "entspannt", "entspannend", "entspannte", "friedlich", "gelassen", "calmo",
      "tranquillo")
_mood("happy", "happy", "upbeat", "joyful", "joyous", "cheerful", "jolly", "sunny", "uplifting",
      "feel-good", "feel good", "hopeful", "快乐", "开心", "欢快", "高兴", "愉快", "欢乐", "joyeux",
      "joyeuse", "heureux", "heureuse", "gai", "gaie", "enjoue", "feliz", "alegre", "alegres",
      "frohlich", "frohliche", "frohliches", "glucklich", "heiter", "heitere", "felice",
      "allegra")
_mood("sad", "sad", "sadness", "melancholy", "melancholic", "sorrowful", "mournful",
      "heartbroken", "heartbreaking", "depressing", "depressed", "grief", "grieving",
      "tearful", "somber", "bittersweet", "悲伤", "伤心", "忧伤", "难过",
      "悲哀", "哀伤", "triste", "tristes", "melancolique", "melancolico", "melancolica",
      "traurig", "traurige", "trauriges", "traurigen", "melancholisch", "wehmutig")
_mood("energetic", "energetic", "energizing", "energising", "high energy", "high-energy",
      "banger", "bangers", "intense workout", "adrenaline", "punchy",
      "pumping", "hype", "hyped", "full of energy", "lively", "vigorous", "活力", "充满活力",
      "动感", "激情", "energique", "dynamique", "energico", "energica", "energetico",
      "energetica", "energisch", "energiegeladen", "schwungvoll", "lebhaft", "urgent", "driving")
_mood("epic", "epic", "heroic", "majestic", "triumphant", "glorious", "grandiose", "史诗",
      "宏大", "壮丽", "英雄", "磅礴", "epique", "heroique", "epico", "epica", "heroico",
      "heroica", "episch", "epische", "episches", "heroisch", "gewaltig")
_mood("tense", "tense", "suspense", "suspenseful", "inquietant", "inquietante",
      "aterrador", "aterradora", "beangstigend", "anxious", "nervous", "tension", "uneasy",
      "nail-biting", "chaotic", "frantic",
      "紧张", "悬疑", "焦虑", "tendu", "tendue", "angoissant", "angoissante",
      "tenso", "tensa", "angustioso", "angespannt", "spannend", "nervos", "beklemmend",
      "teso",
      # anger: negative and aroused, which of the eleven moods is tense
      "angry", "anger", "furious", "fury", "rage", "raging", "enraged", "aggressive",
      "fierce", "wrathful", "en colere", "furieux", "furieuse", "rageur", "enojado", "enojada",
      "furioso", "furiosa", "rabioso", "agresivo", "wutend", "zornig", "aggressiv", "愤怒",
      "生气", "暴怒")
_mood("romantic", "romantic", "romance", "love song", "in love", "tender", "amorous", "sugary",
      "浪漫", "爱情", "romantique", "amoureux", "amoureuse", "romantico", "romantica",
      "romantisch", "romantische", "zartlich", "verliebt")
_mood("mysterious", "mysterious", "mystery", "eerie", "haunting", "enigmatic", "mystical",
      "mystic", "cryptic",
      "神秘", "mysterieux", "mysterieuse", "misterioso", "misteriosa", "geheimnisvoll",
      "mysterios", "ratselhaft")
_mood("playful", "playful", "whimsical", "silly", "quirky", "cheeky", "goofy", "bouncy",
      "mischievous", "俏皮", "调皮", "顽皮", "有趣", "espiegle", "ludique", "jugueton",
      "juguetona", "travieso", "traviesa", "verspielt", "verspielte", "verspieltes",
      "neckisch", "giocoso", "scherzando")
_mood("dreamy", "dreamy", "dreamlike", "dream-like", "ethereal", "hazy", "floaty", "magical",
      "梦幻", "如梦", "reveur", "reveuse", "onirique", "sonador", "sonadora", "onirico",
      "vertraumt", "vertraumte", "traumerisch", "sognante")
_mood("dark", "dark", "spooky", "creepy", "gruselig", "ominous", "sinister", "menacing",
      "grim", "brooding", "evil", "scary", "frightening", "terrifying", "dread",
      "黑暗", "阴暗", "阴森", "sombre", "sinistre", "obscur", "obscure", "oscuro", "oscura",
      "sombrio", "sombria", "siniestro", "dunkel", "dunkle", "dunkles", "dunklen", "duster",
      "finster")

STYLE_WORDS: dict[str, str] = {}


def _style(name: str, *phrases: str) -> None:
    for phrase in phrases:
        STYLE_WORDS[phrase] = name


_style("classical", "classical", "romantic era", "mozart", "beethoven", "chopin", "schubert",
       "debussy", "satie", "sonata", "nocturne", "etude", "古典", "古典音乐", "classique",
       "clasica", "clasico", "klassisch", "klassische", "klassik", "classica")
_style("baroque", "baroque", "bach", "vivaldi", "handel", "telemann", "fugue", "baroque era",
       "巴洛克", "barroco", "barroca", "barock", "barocco")
_style("jazz", "jazz", "jazzy", "swing", "bebop", "bossa nova", "bossa", "smooth jazz",
       "ragtime", "dixieland", "new orleans", "jazz club", "lounge jazz",
       "big band", "film noir", "爵士", "爵士乐", "jazzig")
_style("blues", "blues", "bluesy", "delta blues", "honky tonk", "boogie woogie", "12 bar",
       "twelve bar", "布鲁斯", "蓝调")
_style("pop", "pop", "k-pop", "kpop", "j-pop", "jpop", "pop song", "流行", "流行音乐")
_style("rock", "rock", "rock and roll", "rock n roll", "metal", "heavy metal", "punk",
       "grunge", "hard rock", "摇滚", "rockig")
_style("lofi", "lofi", "lo-fi", "lo fi", "lofi hip hop", "chillhop", "低保真")
_style("ambient", "ambient", "drone", "new age", "soundscape", "氛围", "氛围音乐", "ambiant",
       "ambiante", "ambiental")
_style("folk", "folk", "folk song", "folksong", "country", "bluegrass", "americana",
       "klezmer", "polka", "western saloon", "hoedown", "singer-songwriter", "cajun",
       "民谣", "民歌", "folklorique", "folclorico", "folclorica", "volkslied", "volksmusik")
_style("celtic", "celtic", "irish", "scottish", "jig", "reel", "hornpipe", "slip jig",
       "凯尔特", "爱尔兰", "苏格兰", "celtique", "celta", "keltisch", "keltische", "irisch")
_style("electronic", "electronic", "electronica", "edm", "techno", "house music", "trance",
       "club music", "club banger", "dance music", "disco", "eurodance", "idm", "breakbeat",
       "dubstep", "drum and bass", "dnb", "synthwave", "synth-wave", "retrowave", "vaporwave",
       "电子", "电子音乐", "electronique", "electronica", "elektronisch", "elektronische",
       "elettronica")
_style("cinematic", "cinematic", "film score", "movie score", "soundtrack", "trailer",
       "hans zimmer", "john williams", "ost", "score for a film", "movie music", "film music",
       "trailer music", "epic orchestral", "电影", "电影配乐", "cinematique", "musique de film",
       "cinematografica", "cinematografico", "banda sonora", "filmmusik", "cinematografica")
_style("chiptune", "chiptune", "8-bit", "8bit", "8 bit", "8 bits", "8-bits", "videojuego retro",
       "retro-videospiel", "16-bit", "16 bit", "nes",
       "gameboy", "game boy", "retro game", "retro video game", "arcade", "芯片音乐", "8位")

_NEGATION = re.compile(
    r"(?:\b(?:no|not|without|minus|except|sans|sin|ohne|kein|keine|keinen|senza|non)"
    r"(?:\s+(?:too|very|so|any|the|a|de|des|du|la|el|los|las|un|une))?\s+$"
    r"|(?:不要|没有|无|不)$)",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Lower-case, width-folded text without accents, same length or shorter per character."""
    text = unicodedata.normalize("NFKC", text)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped).replace("ß", "ss").lower()


def _is_cjk(phrase: str) -> bool:
    return any(ord(ch) > 0x2E80 for ch in phrase)


@dataclass(frozen=True)
class Find:
    """One phrase found in folded text: where, what it maps to, and whether it was negated."""

    start: int
    end: int
    phrase: str
    negated: bool


class Lexicon:
    """All phrases of one table compiled into one pattern, longest first."""

    def __init__(self, phrases: list[str], plural: bool = False,
                 false_friends: dict[str, str] | None = None):
        latin = sorted((p for p in phrases if not _is_cjk(p)), key=len, reverse=True)
        cjk = sorted((p for p in phrases if _is_cjk(p)), key=len, reverse=True)
        suffix = r"(?:s|es)?" if plural else ""
        parts = []
        if latin:
            words = "|".join(re.escape(p).replace(r"\ ", r"[\s_-]+") for p in latin)
            parts.append(rf"(?<![\w#♯♭])(?P<latin>{words}){suffix}(?![\w])")
        if cjk:
            parts.append("(?P<cjk>" + "|".join(re.escape(p) for p in cjk) + ")")
        self._pattern = re.compile("|".join(parts))
        self._phrases = set(phrases)
        self._last: tuple[str, tuple[Find, ...]] = ("", ())  # the last text read, its finds
        # phrase → pattern of its surroundings ("<before>|<after>") where it means something else
        self._false_friends = {phrase: re.compile(context)
                               for phrase, context in (false_friends or {}).items()}

    def find(self, folded: str) -> list[Find]:
        """Every match in `folded` (text passed through `fold`), left to right."""
        last = self._last  # read once: another thread may replace it
        if folded == last[0]:  # parse_request asks twice of the same text
            return list(last[1])
        finds = []
        for match in self._pattern.finditer(folded):
            raw = match.group("latin") if match.groupdict().get("latin") else match.group("cjk")
            phrase = re.sub(r"[\s_-]+", " ", raw) if raw not in self._phrases else raw
            if phrase not in self._phrases:
                phrase = raw
            before = folded[max(0, match.start() - 24):match.start()]
            friend = self._false_friends.get(phrase)
            if friend and friend.search(f"{before}|{folded[match.end():match.end() + 24]}"):
                continue
            finds.append(Find(match.start(), match.end(), phrase, bool(_NEGATION.search(before))))
        self._last = (folded, tuple(finds))
        return finds


# "vibes" after a describing word is a feeling ("happy vibes", "rain vibes", "cafe vibes"); after
# a verb, an article, "and" or a comma it is the vibraphone ("add vibes", "guitar and vibes")
INSTRUMENT_FALSE_FRIENDS = {
    "vibes": r"(?:^|[^a-z])(?!(?:add|adding|some|the|and|with|w|solo|lose|drop|no|plus|on|for|"
             r"swap|replace|by|any|mute|ditch|remove|of|but|then|now|also|put|bring|get|need|"
             r"more|less|than|or|a|to|in|nix|kill|cut)\s*\|)[a-z]+\s*\|",
}
INSTRUMENT_LEXICON = Lexicon(list(INSTRUMENT_WORDS), plural=True,
                             false_friends=INSTRUMENT_FALSE_FRIENDS)
MOOD_LEXICON = Lexicon(list(MOOD_WORDS))


def comparative_mood(folded: str) -> tuple[str, int, int] | None:
    """A comparative made of a mood word of the lexicon, its mood and span: "creepier" is
    more creepy (dark), "grimmer" more grim, "eerier" more eerie (mysterious)."""
    for m in re.finditer(r"(?<![a-z])([a-z]{2,}?)(ier|er)(?![a-z])", folded):
        stem = m.group(1)
        bases = [stem + "y", stem + "ie"] if m.group(2) == "ier" else \
            [stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else ""]
        mood = next((MOOD_WORDS[b] for b in bases if isinstance(MOOD_WORDS.get(b), str)), None)
        if mood:
            return mood, m.start(), m.end()
    return None
# Style words that mean something else in these surroundings ("<24 chars before>|<after>").
STYLE_FALSE_FRIENDS = {
    "reel": r"(?:highlight|demo|sizzle|blooper|show|fishing)\s*\|",
    "drone": r"\|\s*(?:footage|shot|video|flight|race|racing|camera)",
    "trailer": r"\|\s*park",
    "swing": r"\|\s*set|(?:playground|porch|tire)\s*\|",
    "rock": r"\|\s*(?:climbing|formation|garden|pool|candy|bottom)|(?:bed|solid)\s*\|",
    "country": r"\|\s*(?:club|house)|(?:every|another|which|this)\s*\|",
    "arcade": r"\|\s*fire",
}
STYLE_LEXICON = Lexicon(list(STYLE_WORDS), false_friends=STYLE_FALSE_FRIENDS)

# Emoji people put in requests, as words the sentence encoder and the tables understand.
EMOJI = {
    "🌧": "rain", "☔": "rain", "☕": "coffee", "😢": "sad", "😭": "crying", "💔": "heartbreak",
    "😊": "happy", "😄": "happy", "😁": "happy", "🙂": "happy", "🥳": "party", "🎉": "party",
    "🔥": "hype", "💀": "spooky", "👻": "ghost", "🎃": "halloween", "🌙": "night",
    "🌃": "night city", "⭐": "stars", "✨": "sparkle", "❤": "love", "💕": "love",
    "😍": "love", "🌊": "ocean", "🌲": "forest", "🌳": "forest", "🏰": "castle",
    "⚔": "battle", "🗡": "battle", "🐉": "dragon", "🎮": "video game", "👾": "retro game",
    "🤖": "robot", "🚀": "space", "🌌": "galaxy", "😱": "scared", "😨": "scared",
    "😴": "sleepy", "💤": "sleep", "🎄": "christmas", "☀": "sunny", "🌞": "sunny",
    "🌸": "spring blossoms", "🍂": "autumn", "❄": "winter snow", "🕵": "detective",
    "😈": "villain", "💃": "dance", "🕺": "dance", "🌅": "sunrise", "🌄": "sunrise",
    "🏖": "beach", "🌴": "tropical", "😌": "relaxed", "🧘": "meditation", "📚": "study",
    "🌈": "rainbow", "🤡": "clown", "🐱": "cat", "🐶": "puppy", "🎂": "birthday",
    "💪": "workout", "🏃": "running", "😡": "angry", "😠": "angry", "🤔": "curious",
    "🎸": "guitar", "🎹": "piano", "🎻": "violin", "🎺": "trumpet", "🎷": "saxophone",
    "🥁": "drums", "🪕": "banjo", "🪗": "accordion", "🎤": "vocals", "🪈": "flute",
    "🎵": " ", "🎶": " ", "🎼": " ",
}
