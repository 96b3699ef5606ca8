"""Everyday scene words, named in English for the (English) sentence encoder: a table of
`request/lexicon.py`, kept apart to keep that file short.
"""

from __future__ import annotations

from generation.request.lexicon import Lexicon

# Everyday scene words in French, Spanish, German and Chinese, named in English for the
# (English) sentence encoder: "una fiesta en la playa" is read with "party beach" beside it.
SCENE_WORDS: dict[str, str] = {}
for _english, _words in {
    "party": "fete soiree fiesta party feier 派对 聚会", "beach": "plage playa strand 海滩",
    "night": "nuit noche nacht 夜晚 夜里 晚上", "rain": "pluie lluvia regen 雨 下雨",
    "sea": "mer mar meer 大海 海", "forest": "foret bosque wald 森林",
    "mountain": "montagne montana berg berge 山", "city": "ville ciudad stadt 城市",
    "love": "amour amor liebe 爱", "dance": "danse danser baile bailar tanz tanzen 跳舞 舞",
    "dream": "reve sueno traum 梦", "sleep": "dormir sommeil schlafen 睡觉 睡眠",
    "morning": "matin manana morgen 早晨 早上", "summer": "ete verano sommer 夏天",
    "winter": "hiver invierno 冬天", "spring": "printemps primavera fruhling 春天",
    "autumn": "automne otono herbst 秋天", "snow": "neige nieve schnee 雪",
    "war battle": "guerre bataille guerra batalla krieg schlacht 战争 战斗",
    "horror": "horreur horror terror grusel 恐怖", "ghost": "fantome fantasma geist 鬼",
    "space": "espace espacio weltraum 太空", "wedding": "mariage boda hochzeit 婚礼",
    "funeral": "funerailles funeral beerdigung 葬礼", "children": "enfants ninos kinder 孩子 儿童",
    "game": "jeu juego spiel 游戏", "film movie": "film pelicula 电影",
    "sunset": "coucher de soleil atardecer sonnenuntergang 日落", "study": "etudier estudiar "
    "lernen 学习", "coffee": "cafe kaffee 咖啡", "sport workout": "sport deporte 运动 健身",
    "castle": "chateau castillo burg schloss 城堡", "dragon": "dragon drache 龙",
    "hero": "heros heroe held 英雄", "villain": "mechant villano bosewicht 反派",
    "christmas": "noel navidad weihnachten 圣诞", "birthday": "anniversaire cumpleanos "
    "geburtstag 生日", "travel": "voyage viaje reise 旅行", "sad goodbye": "adieu adios "
    "abschied 告别", "garden": "jardin garten 花园", "moon": "lune luna mond 月亮",
    "stars": "etoiles estrellas sterne 星星", "storm": "tempete tormenta sturm 暴风雨",
    "river": "riviere rio fluss 河", "lake": "lac lago see 湖", "train": "tren zug 火车",
}.items():
    for _word in _words.split():
        SCENE_WORDS[_word] = _english
SCENE_LEXICON = Lexicon(list(SCENE_WORDS))
