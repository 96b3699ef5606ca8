"""The controls under every piece: persistent buttons, the instrument picker and the edit form.

Buttons are `DynamicItem`s whose custom id carries the action and the piece id
(`ts:regenerate:42`), registered in `setup_hook`, so a button pressed after a restart still
finds its piece in the database. The same actions are offered as reactions.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.handlers.host import host
from bot.records.store import Piece
from generation import FAMILIES, MAX_PROMPT, Job, follow_up, new_seed

# action → emoji; the order is the order of the buttons.
CONTROLS = {
    "regenerate": "🔁", "vary": "🎲", "extend": "⏩", "slower": "🐢", "faster": "🐇",
    "instrument": "🎹", "play": "▶️", "edit": "✏️", "delete": "🗑️",
}
FIRST_ROW = ("regenerate", "vary", "extend", "slower", "faster")
OWNER_ONLY = frozenset({"edit", "delete"})  # these change the piece itself, not a new one
# A reaction cannot open a form, so ✏️ is a button only; ▶️ answers with what plays where,
# which a reaction cannot receive, so it is a button only too.
REACTIONS = tuple(action for action in CONTROLS if action not in ("edit", "play"))
REACTION_ACTIONS = {CONTROLS[action].replace("\ufe0f", ""): action for action in REACTIONS}
LABELS = {"regenerate": "Again", "vary": "Vary", "extend": "Extend", "slower": "Slower",
          "faster": "Faster", "instrument": "Instrument", "play": "Play in voice",
          "edit": "Edit", "delete": "Delete"}
# A select menu holds at most 25 options, so the 40 instrument families are split over two
# menus (the rest of the General MIDI set is named in words).
INSTRUMENT_PAGES = {"a": FAMILIES[:20], "b": FAMILIES[20:]}


NEW_SEED_ACTIONS = ("regenerate", "vary")


def derive_job(piece: Piece, action: str, *, instrument: str | None = None,
               seed: int | None = None) -> Job:
    """The Job that applies a control to a stored piece (new seed for 🔁 and 🎲)."""
    if seed is None:
        seed = new_seed() if action in NEW_SEED_ACTIONS else piece.composition.seed
    return follow_up(piece.job, piece.composition, action, seed=seed, instrument=instrument)


def reaction_action(emoji: str) -> str | None:
    """The action a reaction emoji stands for (variation selectors ignored)."""
    return REACTION_ACTIONS.get(emoji.replace("\ufe0f", ""))


class ControlButton(discord.ui.DynamicItem[discord.ui.Button],
                    template=r"ts:(?P<action>[a-z]+):(?P<piece>[0-9]{1,18})"):
    """One control button of one piece."""

    def __init__(self, action: str, piece_id: int):
        self.action = action
        self.piece_id = piece_id
        style = (discord.ButtonStyle.danger if action == "delete"
                 else discord.ButtonStyle.secondary)
        super().__init__(discord.ui.Button(
            emoji=CONTROLS[action], label=LABELS[action], style=style,
            custom_id=f"ts:{action}:{piece_id}", row=0 if action in FIRST_ROW else 1))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ControlButton:
        action = match["action"]
        if action not in CONTROLS:
            raise ValueError(f"unknown control {action!r}")
        return cls(action, int(match["piece"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await host(interaction).on_control(interaction, self.action, self.piece_id)


class InstrumentSelect(discord.ui.DynamicItem[discord.ui.Select],
                       template=r"ts:instrument-(?P<page>[ab]):(?P<piece>[0-9]{1,18})"):
    """A menu of instruments that re-arranges one piece."""

    def __init__(self, page: str, piece_id: int):
        self.page = page
        self.piece_id = piece_id
        names = INSTRUMENT_PAGES[page]
        super().__init__(discord.ui.Select(
            custom_id=f"ts:instrument-{page}:{piece_id}",
            placeholder=f"{names[0]} … {names[-1]}",
            options=[discord.SelectOption(label=name, value=name) for name in names]))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> InstrumentSelect:
        return cls(match["page"], int(match["piece"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await host(interaction).on_control(interaction, "instrument", self.piece_id,
                                            instrument=self.item.values[0])


class ChoiceButton(discord.ui.DynamicItem[discord.ui.Button],
                   template=r"ts:pick:(?P<choice>[1-9]):(?P<piece>[0-9]{1,18})"):
    """One answer to a question back ("add a trumpet, or give it the melody?") about a piece;
    pressing it is the same as replying with its number."""

    def __init__(self, choice: int, piece_id: int, label: str = ""):
        self.choice = choice
        self.piece_id = piece_id
        super().__init__(discord.ui.Button(
            label=f"{choice}. {label}"[:80] if label else str(choice),
            style=discord.ButtonStyle.primary, custom_id=f"ts:pick:{choice}:{piece_id}"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ChoiceButton:
        return cls(int(match["choice"]), int(match["piece"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await host(interaction).on_choice(interaction, self.piece_id, self.choice)


def choices_view(piece_id: int, labels: tuple[str, ...]) -> discord.ui.View:
    """One button per answer to a question back; they never time out."""
    view = discord.ui.View(timeout=None)
    for number, label in enumerate(labels[:9], 1):
        view.add_item(ChoiceButton(number, piece_id, label))
    return view


def controls_view(piece_id: int) -> discord.ui.View:
    """The buttons under a piece; they never time out."""
    view = discord.ui.View(timeout=None)
    for action in CONTROLS:
        view.add_item(ControlButton(action, piece_id))
    return view


def instrument_view(piece_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for page in INSTRUMENT_PAGES:
        view.add_item(InstrumentSelect(page, piece_id))
    return view


class EditModal(discord.ui.Modal):
    """A form holding the prompt of a piece, to change and compose again."""

    def __init__(self, piece_id: int, text: str):
        super().__init__(title="Edit the prompt", custom_id=f"ts:edit-form:{piece_id}")
        self.piece_id = piece_id
        self.prompt = discord.ui.TextInput(label="Prompt", style=discord.TextStyle.paragraph,
                                           default=text[:MAX_PROMPT], min_length=1,
                                           max_length=MAX_PROMPT, custom_id="prompt")
        self.add_item(self.prompt)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await host(interaction).on_edit(interaction, self.piece_id, self.prompt.value)
