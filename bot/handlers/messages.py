"""Conversations in messages: a reply to a piece changes it or asks about it, a mention asks
for a new piece, and a direct message is a private conversation.

The bot asks for no privileged intent, so Discord gives it a message's words only when the
message mentions it, replies to one of its messages, or is a direct message; every other
message arrives empty and is ignored. A line is read by `generation.read_turn` against the
piece it is about (the one replied to, so that two people can branch from the same piece; in
a direct message without a reply, the last one shown there). Its versions are the chain of
pieces it was made from (v1 is the first). Every job goes the way of `/compose`: admitted,
recorded (with the message it answers), run, delivered once as a reply, resumed after a
restart. Answers never ping anyone.
"""

from __future__ import annotations

import asyncio
import logging
import re
from functools import partial

import discord

from bot.handlers.controls import choices_view, controls_view
from bot.handlers.delivery import build_embed, describe_job, escape, stored_attachments
from bot.handlers.flow import APOLOGY
from bot.handlers.host import Host
from bot.handlers.targets import ChannelTarget
from bot.records.limits import Cooldown
from bot.records.store import Piece
from generation import (
    CHAT_HELP,
    PREVIOUS,
    Job,
    answer_question,
    blend_job,
    change_words,
    check_prompt,
    follow_up,
    new_seed,
    picked,
    read_turn,
    understand,
)
from models.core.errors import RequestError, TunesmithError

log = logging.getLogger(__name__)

EXAMPLE = "calm piano in D minor"
HELP = ("Reply to one of my pieces to change it or ask about it (“a bit faster and add a "
        "cello”, “what key is this in?”, “undo”), or mention me with a new request "
        f"(“@tunesmith {EXAMPLE}”). In a direct message, just talk to me.\n"
        f"```\n{CHAT_HELP}\n```")
SMALLTALK = ("Glad to help! Reply to a piece with what to change (“a bit faster”, “add a "
             "cello”) or mention me with a new one (“an irish jig on the flute”).")
NOTHING_YET = (f"There is no piece to change yet: mention me with a request such as "
               f"“{EXAMPLE}”, or reply to one of my pieces.")
SPOKEN = (discord.MessageType.default, discord.MessageType.reply)


def spoken_text(content: str, bot_id: int) -> str:
    """A message's words without the bot's own mention."""
    return " ".join(re.sub(rf"<@!?{bot_id}>", " ", content).split())


def job_for_turn(kind: str, changes: dict, base: Piece, amount: float | None = None) -> Job:
    """The Job an 'edit', 'vary' or 'again' turn asks of the piece `base`.

    An edit keeps the base's seed (what it does not name stays as it was); a variation (by
    `amount`, None: the 🎲 default) and "again" draw a new one.
    """
    if kind == "edit":
        return Job(action="edit", text=base.job.text, seed=base.composition.seed,
                   base=base.composition.spec, changes=changes, midi_path=base.job.midi_path)
    action = "vary" if kind == "vary" else "regenerate"
    return follow_up(base.job, base.composition, action, seed=new_seed(), amount=amount)


def blend_for_turn(turn, chain: list[Piece], piece: Piece) -> tuple[Job, Piece]:
    """The Job a 'blend' turn asks ("blend it with the first one", "mix v2 and v4") of the
    conversation whose pieces are `chain`, replying to `piece`; and the piece it changes."""
    base = pick_version(chain, turn.base) if turn.base else piece
    if turn.other is None or turn.other < 1:  # "the previous one"
        earlier = [p for p in chain if p.id < base.id and not p.deleted]
        if not earlier:
            raise RequestError(f"piece #{base.id} is the first of this conversation; name the "
                               "one to blend it with (“blend it with v2”)")
        other = earlier[-1]
    else:
        other = pick_version(chain, turn.other)
    if other.id == base.id:
        raise RequestError("a piece blended with itself is the same piece; name another "
                           "version (“blend it with the first one”)")
    return blend_job(base.composition, other.composition, mix=turn.amount, seed=new_seed(),
                     midi_path=base.job.midi_path), base


def pick_version(chain: list[Piece], number: int) -> Piece:
    """Version `number` (1 = the first) of the conversation whose pieces are `chain`."""
    if not 1 <= number <= len(chain):
        have = "only v1" if len(chain) == 1 else f"v1–v{len(chain)}"
        raise RequestError(f"there is no version {number}: piece #{chain[-1].id} has {have}")
    piece = chain[number - 1]
    if piece.deleted:
        raise RequestError(f"version {number} (piece #{piece.id}) was deleted")
    return piece


class Conversations:
    """What the bot does with the messages Discord lets it read."""

    def __init__(self, bot: Host):
        self.bot = bot

    async def on_message(self, message: discord.Message) -> None:
        me = self.bot.user
        if (me is None or self.bot.store is None or message.author.bot
                or message.author.id == me.id or message.type not in SPOKEN):
            return
        try:
            if await self.bot.voice.hears(message):  # a reply to the radio, or a mention by it
                return
            addressed, piece = await self._about(message, me.id)
            if not addressed:
                return
            if piece is not None and piece.private and piece.user_id != message.author.id:
                await self._say(message, f"Only the person who made piece #{piece.id} can "
                                         "change it.")
                return
            await self._answer(message, spoken_text(message.content, me.id), piece)
        except TunesmithError as error:
            await self._say(message, f"⚠️ {escape(str(error))}")
        except Exception:
            log.exception("message %s could not be answered", message.id)
            await self._say(message, f"⚠️ {APOLOGY}")

    async def read_form(self, piece: Piece, text: str) -> tuple[Job, Piece] | str:
        """What the ✏️ form of `piece` asks: a job and the piece it comes from, or an answer.

        An edit sentence changes the piece; a full request composes anew with the piece's
        options; a question is answered; a move in history is for replies.
        """
        turn = read_turn(check_prompt(text), has_piece=True)
        if turn.kind in ("edit", "vary", "again"):
            base = piece
            if turn.base:
                base = pick_version(await self.bot.store.versions(piece.id), turn.base)
            return job_for_turn(turn.kind, turn.changes.to_json(), base, turn.amount), base
        if turn.kind == "blend":
            return blend_for_turn(turn, await self.bot.store.versions(piece.id), piece)
        if turn.kind == "question":
            return answer_question(turn.topic, piece.composition, f"piece #{piece.id}")
        if turn.kind in ("undo", "redo", "goto"):
            return ("To go back to an earlier version, reply to the piece's message with "
                    "“undo” or “go back to the first one”.")
        if turn.kind == "smalltalk":
            return SMALLTALK
        if turn.kind != "new":
            return HELP
        old = piece.job
        return Job(action="compose", text=check_prompt(turn.text), key=old.key,
                   tempo_bpm=old.tempo_bpm, duration_s=old.duration_s,
                   instrument=old.instrument), piece

    async def _about(self, message: discord.Message, bot_id: int) -> tuple[bool, Piece | None]:
        """Whether the message is for the bot, and the piece it is about (None: no piece)."""
        store = self.bot.store
        reference = message.reference
        if (reference is not None and reference.message_id is not None
                and reference.type is discord.MessageReferenceType.reply):
            resolved = reference.resolved
            if not isinstance(resolved, discord.Message) or resolved.author.id == bot_id:
                piece = await store.piece_by_message(reference.message_id, deleted_too=True)
                if piece is not None and piece.deleted:
                    raise RequestError(f"piece #{piece.id} was deleted; reply to another one "
                                       "or ask for a new piece")
                if piece is not None:
                    return True, piece
                if isinstance(resolved, discord.Message):  # one of the bot's other messages
                    return True, await store.latest_piece(message.channel.id,
                                                          message.author.id)
        if message.guild is None:
            return True, await store.latest_piece(message.channel.id, message.author.id)
        return any(user.id == bot_id for user in message.mentions), None

    async def _answer(self, message: discord.Message, text: str, piece: Piece | None) -> None:
        """Read the line (a reply to a question back may pick one of its answers) and act."""
        asked = await self._question(message)
        turn = None
        if asked is not None:
            piece, choices = asked
            turn = picked(text, choices)
        if turn is None:
            # the learned reader runs beside the event loop, never on it
            reading = await asyncio.to_thread(understand, text, piece is not None)
            if reading.choices and piece is not None:
                labels = tuple(label for label, _ in reading.choices)
                await self._say(message, "🤔 " + escape(" or ".join(labels) + "?", 1900),
                                view=choices_view(piece.id, labels))
                return
            turn = reading.turn
        await self._act(message, turn, piece)

    async def on_choice(self, interaction: discord.Interaction, piece_id: int,
                        choice: int) -> None:
        """A button under a question back was pressed: the same as replying its number."""
        question = interaction.message
        line = await self._replied(question) if question is not None else None
        piece = await self.bot.store.piece(piece_id)
        refusal = None
        if line is None or piece is None or piece.deleted:
            refusal = "That question's piece or line is gone; reply to the piece again."
        elif interaction.user.id != line.author.id:
            refusal = "Only the person who was asked can answer this question."
        choices = () if refusal else await self._choices(line)
        if not refusal and not 1 <= choice <= len(choices):
            refusal = f"That question has no answer {choice}; reply to the piece again."
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        label, turn = choices[choice - 1]
        await interaction.response.edit_message(
            content=f"{question.content}\n→ {escape(label, 200)}"[:2000], view=None)
        await self._act(line, turn, piece)

    async def _question(self, message: discord.Message) -> tuple[Piece, tuple] | None:
        """The piece and the answers of the question back this message replies to, if any."""
        reference = message.reference
        question = reference.resolved if reference is not None else None
        if not isinstance(question, discord.Message) or not question.components:
            return None
        ids = [getattr(child, "custom_id", None) or ""
               for row in question.components for child in getattr(row, "children", ())]
        found = next((m for i in ids if (m := re.fullmatch(r"ts:pick:\d:(\d{1,18})", i))), None)
        line = await self._replied(question) if found else None
        piece = await self.bot.store.piece(int(found.group(1))) if found else None
        if line is None or piece is None or piece.deleted:
            return None
        return piece, await self._choices(line)

    async def _choices(self, line: discord.Message) -> tuple:
        """The answers of the question back that `line` was given (read again: the same)."""
        me = self.bot.user
        text = spoken_text(line.content, me.id if me else 0)
        return (await asyncio.to_thread(understand, text, True)).choices

    @staticmethod
    async def _replied(message: discord.Message) -> discord.Message | None:
        """The message `message` replies to, or None."""
        reference = message.reference
        if reference is None or reference.message_id is None:
            return None
        if isinstance(reference.resolved, discord.Message):
            return reference.resolved
        try:
            return await message.channel.fetch_message(reference.message_id)
        except discord.HTTPException:
            return None

    async def _act(self, message: discord.Message, turn, piece: Piece | None) -> None:
        kind = turn.kind
        if kind == "new":
            job = Job(action="compose", text=check_prompt(turn.text))
            await self._start(message, job, parent_id=None, cooldown="refuse")
        elif kind == "question":
            name = f"piece #{piece.id}" if piece else ""
            await self._say(message, answer_question(
                turn.topic, piece.composition if piece else None, name))
        elif kind == "smalltalk":
            await self._say(message, SMALLTALK)
        elif kind in ("edit", "vary", "again", "undo", "redo", "goto", "blend") and piece is None:
            await self._say(message, NOTHING_YET)
        elif kind in ("edit", "vary", "again"):
            chain = await self.bot.store.versions(piece.id) if turn.base else [piece]
            if turn.base == PREVIOUS:  # "undo that and make it faster": the one before
                base = chain[-2] if len(chain) > 1 else piece
            else:
                base = pick_version(chain, turn.base) if turn.base else piece
            job = job_for_turn(kind, turn.changes.to_json(), base, turn.amount)
            await self._start(message, job, parent_id=base.id, cooldown="wait")
        elif kind == "blend":
            job, base = blend_for_turn(turn, await self.bot.store.versions(piece.id), piece)
            await self._start(message, job, parent_id=base.id, cooldown="wait")
        elif kind in ("undo", "redo", "goto"):
            await self._move(message, kind, turn.steps if kind == "undo" else turn.base, piece)
        else:  # empty, help, unknown
            await self._say(message, HELP)

    async def _move(self, message: discord.Message, kind: str, number: int | None,
                    piece: Piece) -> None:
        """Show an earlier (or later) version again: undo (`number` steps), redo, "go back to
        the first one" (version `number`)."""
        store = self.bot.store
        chain = await store.versions(piece.id)
        if kind == "undo":
            earlier = [p for p in chain[:-1] if not p.deleted]
            if not earlier:
                await self._say(message, f"Piece #{piece.id} is where this conversation "
                                         "started; there is nothing earlier to go back to.")
                return
            target = earlier[-min(number or 1, len(earlier))]
        elif kind == "redo":
            target = await store.latest_child(piece.id, message.author.id)
            if target is None:
                await self._say(message, f"There is nothing to redo: you made nothing from "
                                         f"piece #{piece.id} yet.")
                return
            chain = await store.versions(target.id)
        else:
            target = pick_version(chain, number or 1)
        version = next(i for i, p in enumerate(chain, 1) if p.id == target.id)
        words = change_words(piece.composition.spec, target.composition.spec)
        heading = f"↩️ v{version} (#{target.id})" + (f": {', '.join(words)}" if words else "")
        await self._show(message, target, escape(heading, 400))

    async def _show(self, message: discord.Message, piece: Piece, heading: str) -> None:
        """Post a stored piece again as a reply, files, card and controls included."""
        composition = piece.composition
        guild = message.guild
        content = f"{heading}\n🎵 **{describe_job(piece.job)}**"
        limit = guild.filesize_limit if guild else 10 * 2**20
        attachments = await stored_attachments(composition, limit)
        if attachments.note:
            content += f"\n-# {attachments.note}"
        files = attachments.files()
        try:
            sent = await message.channel.send(
                content[:2000],
                embed=build_embed(piece.id, composition, piece.job, attachments.paths),
                files=files, view=controls_view(piece.id), reference=self._reference(message))
        finally:
            for file in files:
                file.close()
        await self.bot.store.add_post(sent.id, piece.id, channel_id=message.channel.id,
                                      user_id=message.author.id)
        if guild is not None:
            self.bot.flow.spawn(self.bot.flow.add_reactions(sent))

    async def _start(self, message: discord.Message, job: Job, *, parent_id: int | None,
                     cooldown: Cooldown) -> None:
        """Admit, record and run a job asked for in words, exactly as /compose does; its
        answers are replies to the message, in its channel."""
        guild = message.guild
        guild_id = guild.id if guild else None
        ticket = await self.bot.admit(message.author.id, guild_id,
                                      partial(self._say, message), cooldown=cooldown)
        if ticket is None:
            return
        target = ChannelTarget(message.channel,
                               filesize_limit=guild.filesize_limit if guild else None,
                               reply_to=message.id)
        await self.bot.record_and_run(target, job, ticket, user_id=message.author.id,
                                      guild_id=guild_id, channel_id=message.channel.id,
                                      private=guild is None, parent_id=parent_id,
                                      reply_to=message.id)

    async def _say(self, message: discord.Message, text: str,
                   view: discord.ui.View | None = None) -> None:
        try:
            await message.channel.send(text[:2000], reference=self._reference(message),
                                       **({"view": view} if view else {}))
        except discord.HTTPException as error:
            log.warning("could not answer message %s: %s", message.id, error)

    @staticmethod
    def _reference(message: discord.Message) -> discord.MessageReference:
        return message.to_reference(fail_if_not_exists=False)  # it may be deleted meanwhile
