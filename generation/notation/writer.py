"""A music21 Score → MusicXML 4.0 text, with the drum kit's sounds named for playback.

music21 writes the score as built (its `makeNotation` pass is skipped: score.py builds whole
bars). One thing it cannot say is which drum each note of a percussion part plays, so a
notation program would play every note as one sound: the drum part's score-part gets one
instrument per sound with its General MIDI key (`<midi-unpitched>`), and each note names its
instrument (`<instrument id>`), as MuseScore and Dorico write drum parts.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from music21 import stream
from music21.musicxml.m21ToXml import ScoreExporter

from generation.notation.drumkit import drum

DRUM_ID = re.compile(r"^drum(\d+)-\d+$")  # the id score.py gives each drum note


HEADER = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE score-partwise PUBLIC '
          '"-//Recordare//DTD MusicXML 4.0 Partwise//EN" '
          '"http://www.musicxml.org/dtds/partwise.dtd">\n')


def musicxml_tree(score: stream.Score) -> ElementTree.Element:
    """The MusicXML of `score` as an element tree (`<score-partwise>`)."""
    root = ScoreExporter(score, makeNotation=False).parse()
    for part in root.iter("part"):
        _name_drums(root, part)
    return root


def musicxml_text(root: ElementTree.Element) -> str:
    return HEADER + ElementTree.tostring(root, encoding="unicode")


def one_part(root: ElementTree.Element, index: int,
             credits: dict[str, str]) -> ElementTree.Element:
    """A score of `root`'s part `index` alone, with `credits` (the page's texts by MusicXML
    credit type: 'title', 'subtitle', 'composer'), sharing the part's elements with `root`
    rather than writing it again."""
    part = root.findall("part")[index]
    single = ElementTree.Element(root.tag, root.attrib)
    for child in root:
        if child.tag == "part-list":
            listed = ElementTree.SubElement(single, "part-list")
            listed.extend(p for p in child if p.get("id") == part.get("id"))
        elif child.tag != "part":
            single.append(child)
    single.append(part)
    _credit(single, credits)
    return single


def first_bars(root: ElementTree.Element, count: int) -> tuple[ElementTree.Element, int]:
    """`root` (a score of one part or more) cut to its first `count` measures, sharing
    their elements, with a final barline; and how many measures it had."""
    cut = ElementTree.Element(root.tag, root.attrib)
    total = 0
    for child in root:
        if child.tag != "part":
            cut.append(child)
            continue
        measures = child.findall("measure")
        total = max(total, len(measures))
        part = ElementTree.SubElement(cut, "part", child.attrib)
        part.extend(measures[:count])  # a partwise part holds measures only
        if len(measures) > count:
            part[-1] = _with_final_barline(part[-1])
    return cut, total


def _with_final_barline(measure: ElementTree.Element) -> ElementTree.Element:
    """A copy of `measure` ending on a light-heavy barline (its own barlines dropped)."""
    ended = ElementTree.Element(measure.tag, measure.attrib)
    ended.extend(child for child in measure
                 if not (child.tag == "barline" and child.get("location", "right") == "right"))
    barline = ElementTree.SubElement(ended, "barline", location="right")
    ElementTree.SubElement(barline, "bar-style").text = "light-heavy"
    return ended


def _name_drums(root: ElementTree.Element, part: ElementTree.Element) -> None:
    notes = [(n, DRUM_ID.match(n.get("id", ""))) for n in part.iter("note")]
    used = sorted({int(m.group(1)) for _, m in notes if m})
    if not used:
        return
    part_id = part.get("id")
    score_part = next(p for p in root.iter("score-part") if p.get("id") == part_id)
    for old in score_part.findall("score-instrument") + score_part.findall("midi-instrument"):
        score_part.remove(old)
    for pitch in used:
        instrument = ElementTree.SubElement(score_part, "score-instrument",
                                            id=f"{part_id}-I{pitch}")
        ElementTree.SubElement(instrument, "instrument-name").text = drum(pitch).name
    for pitch in used:
        midi = ElementTree.SubElement(score_part, "midi-instrument", id=f"{part_id}-I{pitch}")
        ElementTree.SubElement(midi, "midi-channel").text = "10"
        ElementTree.SubElement(midi, "midi-unpitched").text = str(pitch + 1)  # 1-based
    for element, match in notes:
        if match:
            del element.attrib["id"]
            _insert_instrument(element, f"{part_id}-I{match.group(1)}")


# an A4 page in tenths of a staff space (a staff space of 1.76 mm), and where each credit sits
# on it: centred title and subtitle at the top, the composer on the right below them
PAGE_TENTHS = ("1683.78", "1190.55")  # height, width
CREDIT_PLACES = {"title": ("595", "1610", "center", "24"),
                 "subtitle": ("595", "1545", "center", "13"),
                 "composer": ("1130", "1500", "right", "10")}


def _credit(root: ElementTree.Element, credits: dict[str, str]) -> None:
    """The page's size (<defaults>) and its <credit> texts, before <part-list> (the
    schema's order), for the engraved picture."""
    at = list(root).index(root.find("part-list"))
    if root.find("defaults") is None and credits:
        defaults = ElementTree.Element("defaults")
        scaling = ElementTree.SubElement(defaults, "scaling")
        ElementTree.SubElement(scaling, "millimeters").text = "7.0556"
        ElementTree.SubElement(scaling, "tenths").text = "40"
        layout = ElementTree.SubElement(defaults, "page-layout")
        ElementTree.SubElement(layout, "page-height").text = PAGE_TENTHS[0]
        ElementTree.SubElement(layout, "page-width").text = PAGE_TENTHS[1]
        root.insert(at, defaults)
        at += 1
    for kind, text in credits.items():
        x, y, justify, size = CREDIT_PLACES[kind]
        credit = ElementTree.Element("credit", page="1")
        ElementTree.SubElement(credit, "credit-type").text = kind
        words = ElementTree.SubElement(credit, "credit-words", {
            "default-x": x, "default-y": y, "justify": justify, "valign": "top",
            "font-size": size})
        if kind == "subtitle":
            words.set("font-style", "italic")
        words.text = text
        root.insert(at, credit)
        at += 1


def _insert_instrument(note: ElementTree.Element, instrument_id: str) -> None:
    """<instrument> goes after <duration> and <tie>, before <voice> (the schema's order)."""
    children = list(note)
    after = max(i for i, child in enumerate(children) if child.tag in ("duration", "tie",
                                                                         "unpitched", "chord"))
    note.insert(after + 1, ElementTree.Element("instrument", id=instrument_id))
