"""`/radio <prompt>`: pieces composed one after another without end, steered by the chat.

The next piece is composed while the current one plays (once less than `LEAD_S` of audio is
left), as a job like any other (admitted, recorded, posted with its files and controls, so
anyone can reply to it, keep it or vary it) and joined on without a gap: it is the same
request again with a new seed (🔁), so it keeps the key, tempo, meter, style and band of the
piece before (a shared key and tempo area), and the two overlap by TUNESMITH_RADIO_CROSSFADE
seconds in an equal-power crossfade laid over the first one's release tail (bot/voice/audio.py).
A crossfade rather than a composed link bar: it needs nothing of the model, it hides the
silence at either end of an MP3 (the encoder's padding, a last note's decay), and pieces
that share key and tempo meet without a clash.

The chat steers it: a reply to one of the radio's messages, or a message mentioning the bot in
the radio's text channel, is read by the conversation's reader ("calmer", "add a flute", "a bit
faster") and becomes the next piece: the one playing, changed as asked. A new request there
(or `/radio` with a new prompt) changes station. Who may steer or stop it is a setting.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bot.handlers.delivery import escape
from bot.handlers.messages import job_for_turn, spoken_text
from bot.handlers.targets import ChannelTarget
from bot.records.store import Piece
from bot.voice.audio import PieceStream, decode_piece
from bot.voice.rooms import Room, VoiceRooms
from generation import Job, answer_question, check_prompt, follow_up, new_seed, understand
from models.core.errors import TunesmithError

log = logging.getLogger(__name__)

LEAD_S = 15.0  # the next piece is composed once this much audio is left to play
RETRY_S = 3.0  # after a failed piece (a worker killed, a full queue), try again this soon
FAILURES = 5  # failed pieces in a row before the radio gives up
STEER_HELP = ("📻 Reply to a radio piece with what to change (“calmer”, “add a flute”, “a bit "
              "faster”) or with a new request to change station; `/stop` ends it.")


class RadioTarget(ChannelTarget):
    """A radio piece's answer: the piece message only. The music is the progress, so no
    "Queued"/"Composing" message is posted and deleted for every piece."""

    async def status(self, text: str) -> None:
        return None


class Radio:
    """One server's radio: what it composes next, and where it plays and posts."""

    def __init__(self, bot, room: Room, channel: discord.abc.Messageable, *, starter: int,
                 prompt: str):
        self.bot = bot
        self.room = room
        self.channel = channel
        self.starter = starter
        self.prompt = prompt
        self.loop = asyncio.get_running_loop()
        self.stream = PieceStream(overlap_s=bot.settings.radio_overlap_s, endless=True,
                                  on_start=self._started)
        self.pending: Job | None = None  # a steered next piece
        self.playing: Piece | None = None
        self.last: Piece | None = None  # the newest piece composed (playing or queued)
        self.messages: set[int] = set()  # the radio's messages: replies to them steer it
        self.pieces: list[Piece] = []  # every piece it queued, in order
        self.played: list[Piece] = []  # every piece that began to sound, in order
        self.tuning = 0  # bumped by a steer or a new station: a piece in the making is stale
        self.wake = asyncio.Event()
        self.task: asyncio.Task | None = None
        self.stopped = False

    def start(self, rooms: VoiceRooms) -> None:
        self.room.radio = self
        rooms.start(self.room, self.stream)
        self.task = asyncio.create_task(self._run(), name=f"radio-{self.room.guild_id}")

    def refusal(self, user: discord.abc.User) -> str | None:
        """Why `user` may not steer or stop this radio (None: they may)."""
        role = self.bot.settings.radio_role
        if not role or user.id == self.starter:
            return None
        if isinstance(user, discord.Member) and (
                user.guild_permissions.manage_guild
                or any(role in (r.name, str(r.id)) for r in user.roles)):
            return None
        return (f"Only the person who started this radio, members with the "
                f"{escape(role, 100)} role and server managers can steer or stop it.")

    async def stop(self, why: str) -> None:
        """End the radio: nothing more is composed or played; the channel is told why."""
        if self.stopped:
            return
        self.stopped = True
        self.stream.close()
        if self.room.radio is self:
            self.room.radio = None
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()  # a piece in the making finishes as a job (shielded below)
        try:
            await self.channel.send(f"📻 The radio stopped: {escape(why, 300)}.")
        except discord.HTTPException as error:
            log.warning("could not say that the radio stopped: %s", error)

    def retune(self, prompt: str) -> None:
        """Change station: the next piece is a new request."""
        self.prompt = prompt
        self.last = None
        self._next(None)

    def _next(self, job: Job | None) -> None:
        """What comes next replaces any piece queued but not started yet."""
        self.pending = job
        self.tuning += 1
        self.stream.drop_unstarted()
        self.wake.set()

    async def steer(self, message: discord.Message) -> None:
        """A message for the radio: change the next piece, change station, or answer."""
        refusal = self.refusal(message.author)
        if refusal:
            await self._say(message, refusal)
            return
        me = self.bot.user.id if self.bot.user else 0
        text = check_prompt(spoken_text(message.content, me))
        base = self.playing or self.last
        reading = await asyncio.to_thread(understand, text, base is not None)
        turn = reading.turn
        if reading.choices:  # "trumpet": the radio takes the first reading rather than ask
            turn = reading.choices[0][1]
        if turn.kind == "new":
            self.retune(turn.text)
            await self._say(message, f"📻 Changing station: {escape(turn.text, 300)}")
        elif turn.kind in ("edit", "vary", "again") and base is not None:
            self._next(job_for_turn(turn.kind, turn.changes.to_json(), base, turn.amount))
            await self._say(message, f"📻 Next on the radio: piece #{base.id}, "
                                     f"{escape(text, 300)}")
        elif turn.kind == "question" and base is not None:
            await self._say(message, answer_question(turn.topic, base.composition,
                                                     f"piece #{base.id}"))
        else:
            await self._say(message, STEER_HELP)

    async def _say(self, message: discord.Message, text: str) -> None:
        try:
            sent = await message.channel.send(
                text[:2000], reference=message.to_reference(fail_if_not_exists=False))
            self.messages.add(sent.id)
        except discord.HTTPException as error:
            log.warning("could not answer radio message %s: %s", message.id, error)

    # The loop -------------------------------------------------------------------------------

    def _job(self) -> Job:
        if self.pending is not None:
            job, self.pending = self.pending, None
            return job
        if self.last is None:
            return Job(action="compose", text=self.prompt)
        return follow_up(self.last.job, self.last.composition, "regenerate", seed=new_seed())

    async def _run(self) -> None:
        failures = 0
        try:
            while not self.stopped:
                while self.stream.queued_s > LEAD_S and not self.wake.is_set():
                    try:
                        await asyncio.wait_for(self.wake.wait(), 0.5)
                    except TimeoutError:
                        pass
                self.wake.clear()
                tuning, job = self.tuning, self._job()
                # shielded: a stop lets the job finish as a job (posted, recorded), unplayed
                piece = await asyncio.shield(asyncio.ensure_future(self._compose(job)))
                if piece is None:
                    failures += 1
                    if failures >= FAILURES:
                        await self.stop(f"{FAILURES} pieces in a row could not be composed")
                        return
                    await asyncio.sleep(RETRY_S)
                    continue
                failures = 0
                if tuning != self.tuning or self.stopped:
                    continue  # steered or retuned meanwhile: this one is not played
                pcm = await decode_piece(piece.composition.mp3)
                self.stream.add(pcm, piece)
                self.last = piece
                self.pieces.append(piece)
        except TunesmithError as error:
            await self.stop(str(error))
        except Exception:
            log.exception("the radio of server %s failed", self.room.guild_id)
            await self.stop("something went wrong on our side")

    async def _compose(self, job: Job) -> Piece | None:
        """One piece as a job, posted in the radio's channel; None if it failed."""
        guild = self.room.channel.guild
        ticket = await self.bot.admit(self.starter, guild.id, self._refused, cooldown="wait")
        if ticket is None:
            return None
        target = RadioTarget(self.channel, filesize_limit=guild.filesize_limit)
        piece_id = await self.bot.record_and_run(
            target, job, ticket, user_id=self.starter, guild_id=guild.id,
            channel_id=self.channel.id, private=False,
            parent_id=self.last.id if self.last else None)
        piece = await self.bot.store.piece(piece_id) if piece_id is not None else None
        if piece is not None and piece.message_id is not None:
            self.messages.add(piece.message_id)
        return piece

    async def _refused(self, text: str) -> None:
        log.info("a radio piece of server %s waits: %s", self.room.guild_id, text)

    def _started(self, piece: object) -> None:  # the audio thread: a piece begins to sound
        self.loop.call_soon_threadsafe(self.bot.flow.spawn, self._now_playing(piece))

    async def _now_playing(self, piece: Piece) -> None:
        before, self.playing = self.playing, piece
        self.played.append(piece)
        where = f"🔊 {escape(self.room.channel.name, 100)}"
        for shown, prefix in ((before, f"📻 Played in {where}"),
                              (piece, f"📻 **Now playing** in {where}")):
            if shown is None or shown.message_id is None:
                continue
            try:
                message = await self.channel.fetch_message(shown.message_id)
                body = message.content.split("\n", 1)[1] if message.content.startswith(
                    "📻") else message.content
                await message.edit(content=f"{prefix}\n{body}"[:2000])
            except discord.HTTPException as error:
                log.info("could not mark radio piece %s: %s", shown.id, error)
