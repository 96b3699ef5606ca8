"""The Discord client: startup, the controls under each piece, reactions and messages.

The client only checks, defers, records and hands jobs to the Flow; music is made by the
injected runner (a WorkerPool in production, anything with the same `run` in tests).
Messages (replies to a piece, mentions, direct messages) are read by bot/handlers/messages.py;
the jobs left unanswered by a restart are taken up by bot/handlers/restart.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path

import discord
from discord import app_commands

from bot.handlers.controls import (
    OWNER_ONLY,
    ChoiceButton,
    ControlButton,
    EditModal,
    InstrumentSelect,
    derive_job,
    instrument_view,
    reaction_action,
)
from bot.handlers.delivery import escape
from bot.handlers.flow import APOLOGY, Flow, Runner
from bot.handlers.messages import Conversations
from bot.handlers.restart import Adoption
from bot.handlers.targets import ChannelTarget, InteractionTarget, Target
from bot.records.leases import Leases
from bot.records.limits import Admission, Cooldown, Ticket
from bot.records.store import Piece, Store
from bot.settings import BotSettings
from bot.voice.commands import play_piece
from bot.voice.rooms import VoiceRooms
from generation import Job, MidiLimits, clean_upload
from models.core.errors import BusyError, MidiError, RequestError, TunesmithError

log = logging.getLogger(__name__)

NOTICE_S = 6.0  # seconds a refusal of a reaction stays in the channel


class TunesmithBot(discord.Client):
    """The bot. `runner` makes the music; `client_options` go to discord.Client."""

    def __init__(self, settings: BotSettings, runner: Runner, *, out_dir: Path,
                 **client_options):
        intents = discord.Intents.none()
        intents.guilds = True
        intents.reactions = True
        # Not privileged: without message_content, Discord gives a message's words only when
        # it mentions the bot, replies to one of its messages, or is a direct message.
        intents.guild_messages = True
        intents.dm_messages = True
        intents.voice_states = True  # who is in which voice channel (not privileged)
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(),
                         **client_options)
        self.settings = settings
        self.runner = runner
        self.out_dir = out_dir
        self.tree = app_commands.CommandTree(self)
        self.admission = Admission(cooldown_s=settings.cooldown_s,
                                   per_user=settings.queue_per_user,
                                   per_guild=settings.queue_per_guild,
                                   total=settings.queue_total, workers=settings.workers)
        self.notice_s = NOTICE_S
        self.store: Store | None = None
        self.flow: Flow | None = None
        self.conversations = Conversations(self)
        self.voice = VoiceRooms(self, idle_s=settings.voice_idle_s)
        self.resumed = asyncio.Event()
        self.stopping = False  # set by close(): admit() refuses new work from then on
        self._stop: asyncio.Future | None = None

    async def setup_hook(self) -> None:
        from bot.handlers.commands import register

        self.store = await Store.open(self.settings.database_url)
        start = getattr(self.runner, "start", None)
        if start is not None:
            await start()
        leases = await Leases.open(self.store.engine, ttl_s=self.settings.lease_s)
        self.flow = Flow(store=self.store, runner=self.runner, admission=self.admission,
                         leases=leases, out_dir=self.out_dir,
                         workers=getattr(self.runner, "concurrency", self.settings.workers),
                         progress_interval_s=self.settings.progress_interval_s)
        adoption = Adoption(self, store=self.store, flow=self.flow, admission=self.admission,
                            lease_s=self.settings.lease_s, resumed=self.resumed)
        self.sweeper = asyncio.create_task(adoption.sweep(), name="adopt-unleased-jobs")
        self.add_dynamic_items(ControlButton, InstrumentSelect, ChoiceButton)
        register(self.tree)
        self.tree.on_error = self.on_command_error
        if self.settings.sync_commands:
            await self.sync_commands()
        self.flow.spawn(adoption.resume_unfinished())

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Push the slash commands: to the dev guild at once, or globally."""
        if self.settings.dev_guild is not None:
            guild = discord.Object(id=self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        log.info("synced %d commands (%s)", len(synced),
                 f"guild {self.settings.dev_guild}" if self.settings.dev_guild else "global")
        return synced

    async def close(self) -> None:
        """Stop: no new work, running jobs get TUNESMITH_STOP_TIMEOUT to finish (the rest are
        recorded and resumed at the next start), then the gateway, pool and database close.
        Every call waits for the one stop."""
        if self._stop is None:
            self._stop = asyncio.ensure_future(self._close_once())
        await asyncio.shield(self._stop)

    async def _close_once(self) -> None:
        self.stopping = True
        deadline = asyncio.get_running_loop().time() + self.settings.stop_timeout_s
        if getattr(self, "sweeper", None) is not None:
            self.sweeper.cancel()  # awaited, so no database call is cut off after the close
            await asyncio.gather(self.sweeper, return_exceptions=True)
        await self._settle_handlers(timeout_s=min(2.0, self.settings.stop_timeout_s))
        await self.voice.close()  # radios stop (a piece in the making finishes as a job)
        if self.flow is not None:
            left = max(0.0, deadline - asyncio.get_running_loop().time())
            await self.flow.drain(timeout_s=left)
        await super().close()
        if self.flow is not None:
            await self.flow.leases.close()
        closer = getattr(self.runner, "close", None)
        if closer is not None:
            await closer()
        if self.store is not None:
            await self.store.close()

    @staticmethod
    async def _settle_handlers(timeout_s: float) -> None:
        """Let slash-command and event handlers already running finish their HTTP and
        database calls before the session and the store close under them."""
        current = asyncio.current_task()
        running = [task for task in asyncio.all_tasks() if task is not current
                   and (task.get_name() == "CommandTree-invoker"
                        or task.get_name().startswith("discord.py: on_"))]
        if running:
            await asyncio.wait(running, timeout=timeout_s)

    async def on_command_error(self, interaction: discord.Interaction,
                               error: app_commands.AppCommandError) -> None:
        """A bug in a command: log the traceback, give the user a short apology."""
        log.error("command %s failed", interaction.command and interaction.command.name,
                  exc_info=error)
        try:
            if interaction.response.is_done():
                await interaction.edit_original_response(content=f"⚠️ {APOLOGY}")
            else:
                await interaction.response.send_message(f"⚠️ {APOLOGY}", ephemeral=True)
        except discord.HTTPException as failure:
            log.warning("could not apologise for the failed command: %s", failure)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d servers", self.user, len(self.guilds))

    # Accepting work -------------------------------------------------------------------------

    async def admit(self, user_id: int, guild_id: int | None,
                    refuse: Callable[[str], Awaitable[object]], *,
                    cooldown: Cooldown = "refuse") -> Ticket | None:
        """A ticket, or None once `refuse` has told the user why not (cooldown or full queue).

        A control under a piece passes `cooldown="wait"`: inside the cooldown it is admitted
        to start when the cooldown ends, so only a full queue refuses it.
        """
        if self.stopping:  # the next start (or another bot process) takes new work
            await refuse("🔧 I am restarting; please ask again in a minute.")
            return None
        try:
            return self.admission.admit(user_id, guild_id, cooldown=cooldown)
        except BusyError as error:
            await refuse(f"⏳ {escape(str(error))}")
            return None

    async def admit_and_defer(self, interaction: discord.Interaction, *, private: bool,
                              cooldown: Cooldown = "refuse") -> Ticket | None:
        """Admit the user's job and defer the answer; None once refused (privately)."""
        ticket = await self._admit_interaction(interaction, cooldown)
        if ticket is not None:
            await self._defer(interaction, ticket, private=private)
        return ticket

    async def _admit_interaction(self, interaction: discord.Interaction,
                                 cooldown: Cooldown) -> Ticket | None:
        """`admit` for an interaction: a refusal is a private answer to it."""
        return await self.admit(interaction.user.id, interaction.guild_id,
                                partial(interaction.response.send_message, ephemeral=True),
                                cooldown=cooldown)

    async def _defer(self, interaction: discord.Interaction, ticket: Ticket, *,
                     private: bool) -> None:
        try:
            await interaction.response.defer(thinking=True, ephemeral=private)
        except discord.HTTPException:  # too late (over 3 s) or already answered
            self.admission.release(ticket, succeeded=False)
            raise

    async def accept(self, interaction: discord.Interaction, job: Job, *, private: bool,
                     parent_id: int | None = None, cooldown: Cooldown = "refuse",
                     ticket: Ticket | None = None) -> int | None:
        """Admit, defer, record and run `job` for an interaction; one answer in every case.

        A `ticket` given means the caller has admitted the job and deferred already.
        Otherwise the job is recorded before the answer is deferred, so that a bot killed at
        any instant leaves either nothing visible or a record that is answered after the
        restart, never a "thinking…" with nothing behind it. Recording takes milliseconds; if
        an overloaded bot or database takes past Discord's 3 s, the deferral is refused and
        the piece is posted in the channel (or a direct message, if private) instead.
        """
        deferred = ticket is not None
        if ticket is None:
            ticket = await self._admit_interaction(interaction, cooldown)
            if ticket is None:
                return None
        job_id = await self._record(job, ticket, user_id=interaction.user.id,
                                    guild_id=interaction.guild_id,
                                    channel_id=interaction.channel_id, private=private,
                                    parent_id=parent_id)
        ttl_s = self.settings.interaction_ttl_s
        if not deferred:
            try:
                await interaction.response.defer(thinking=True, ephemeral=private)
            except discord.HTTPException as error:  # too late: answer outside the interaction
                log.warning("job %s was recorded after its interaction expired (%s); it will "
                            "be answered with a message", job_id, error)
                ttl_s = 0.0
        target = InteractionTarget(interaction, ttl_s=ttl_s, private=private)
        return await self.flow.run(target, job, ticket, job_id=job_id,
                                   user_id=interaction.user.id, guild_id=interaction.guild_id,
                                   channel_id=interaction.channel_id, private=private,
                                   parent_id=parent_id)

    async def accept_upload(self, interaction: discord.Interaction, file: discord.Attachment,
                            text: str, *, private: bool, limits: MidiLimits) -> int | None:
        """`/continue`: admit and defer, download the file, clean it off the event loop (a
        child process parses it), then accept the job; a file that is not fit is refused."""
        ticket = await self.admit_and_defer(interaction, private=private)
        if ticket is None:
            return None
        try:
            try:
                data = await file.read()
            except discord.HTTPException as error:
                raise MidiError(f"I could not download {file.filename!r} from Discord "
                                f"({error.status}); please upload it again") from None
            folder = self.out_dir / "uploads" / str(interaction.user.id)
            clean = await asyncio.to_thread(clean_upload, data, folder, limits)
        except TunesmithError as error:
            self.admission.release(ticket, succeeded=False)
            await interaction.edit_original_response(content=f"⚠️ {escape(str(error))}")
            return None
        job = Job(action="continue", text=text, midi_path=str(clean.path))
        return await self.accept(interaction, job, private=private, ticket=ticket)

    async def record_and_run(self, target: Target, job: Job, ticket: Ticket, *, user_id: int,
                             guild_id: int | None, channel_id: int | None, private: bool,
                             parent_id: int | None, reply_to: int | None = None) -> int | None:
        """Record an admitted job, then run it to its answer in `target` (a channel).

        `reply_to`: the user's message it answers, kept so that a restart still replies to it.
        """
        job_id = await self._record(job, ticket, user_id=user_id, guild_id=guild_id,
                                    channel_id=channel_id, private=private, parent_id=parent_id,
                                    reply_to=reply_to)
        return await self.flow.run(target, job, ticket, job_id=job_id, user_id=user_id,
                                   guild_id=guild_id, channel_id=channel_id, private=private,
                                   parent_id=parent_id)

    async def _record(self, job: Job, ticket: Ticket, **where) -> int:
        """The job's row in the store (its ticket released if that fails)."""
        try:
            return await self.store.add_job(job, **where)
        except Exception:
            self.admission.release(ticket, succeeded=False)
            raise

    # Controls -------------------------------------------------------------------------------

    async def on_control(self, interaction: discord.Interaction, action: str, piece_id: int,
                         *, instrument: str | None = None) -> None:
        """A button or the instrument menu under piece `piece_id` was used."""
        piece = await self.store.piece(piece_id)
        refusal = self._refusal(piece, action, interaction.user.id)
        if refusal:
            await interaction.response.send_message(refusal, ephemeral=True)
            return
        if action == "play":
            await play_piece(interaction, piece)
        elif action == "delete":
            await interaction.response.defer()
            await interaction.delete_original_response()
            await self._forget(piece)
        elif action == "edit":
            await interaction.response.send_modal(EditModal(piece.id, piece.job.text))
        elif action == "instrument" and instrument is None:
            await interaction.response.send_message(
                f"Pick an instrument for piece #{piece.id}:", view=instrument_view(piece.id),
                ephemeral=True)
        else:
            job = derive_job(piece, action, instrument=instrument)
            await self.accept(interaction, job, private=piece.private, parent_id=piece.id,
                              cooldown="wait")

    async def on_choice(self, interaction: discord.Interaction, piece_id: int,
                        choice: int) -> None:
        """An answer to a question back about piece `piece_id` was pressed."""
        await self.conversations.on_choice(interaction, piece_id, choice)

    async def on_edit(self, interaction: discord.Interaction, piece_id: int, text: str) -> None:
        """The edit form of a piece was submitted: an edit sentence ("faster, add a cello")
        changes the piece and keeps the rest; a full request composes anew."""
        piece = await self.store.piece(piece_id)
        answer = self._refusal(piece, "edit", interaction.user.id)
        if answer is None:
            try:
                answer = await self.conversations.read_form(piece, text)
            except RequestError as error:
                answer = f"⚠️ {escape(str(error))}"
        if isinstance(answer, str):
            await interaction.response.send_message(answer, ephemeral=True)
            return
        job, base = answer
        await self.accept(interaction, job, private=base.private, parent_id=base.id,
                          cooldown="wait")

    @staticmethod
    def _refusal(piece: Piece | None, action: str, user_id: int) -> str | None:
        if piece is None:
            return "That piece was deleted or no longer exists."
        if (action in OWNER_ONLY or piece.private) and user_id != piece.user_id:
            return f"Only the person who made piece #{piece.id} can {action} it."
        return None

    async def _forget(self, piece: Piece) -> None:
        """Mark a piece deleted and remove its files."""
        await self.store.mark_deleted(piece.id)
        composition = piece.composition
        for path in (composition.midi, composition.mp3, composition.png, composition.json):
            path.unlink(missing_ok=True)

    # Reactions ------------------------------------------------------------------------------

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        if self.user is None or payload.user_id == self.user.id or payload.emoji.id is not None:
            return
        action = reaction_action(payload.emoji.name or "")
        if action is None or self.store is None:
            return
        piece = await self.store.piece_by_message(payload.message_id)
        if piece is None or self._refusal(piece, action, payload.user_id):
            return
        channel = self.get_partial_messageable(payload.channel_id, guild_id=payload.guild_id)
        if action == "delete":
            try:
                await channel.get_partial_message(payload.message_id).delete()
            except discord.HTTPException as error:
                log.warning("could not delete piece %s: %s", piece.id, error)
            await self._forget(piece)
            return
        if action == "instrument":
            await channel.send(f"Pick an instrument for piece #{piece.id}:",
                               view=instrument_view(piece.id), delete_after=300)
            return
        ticket = await self.admit(payload.user_id, payload.guild_id,
                                  partial(self._notice, channel, payload.user_id),
                                  cooldown="wait")
        if ticket is None:
            return
        guild = self.get_guild(payload.guild_id) if payload.guild_id else None
        target = ChannelTarget(channel, filesize_limit=guild.filesize_limit if guild else None)
        await self.record_and_run(target, derive_job(piece, action), ticket,
                                  user_id=payload.user_id, guild_id=payload.guild_id,
                                  channel_id=payload.channel_id, private=False,
                                  parent_id=piece.id)

    async def on_message(self, message: discord.Message) -> None:
        await self.conversations.on_message(message)

    async def on_voice_state_update(self, member: discord.Member, before: discord.VoiceState,
                                    after: discord.VoiceState) -> None:
        await self.voice.on_voice_state_update(member, before, after)

    async def _notice(self, channel: discord.abc.Messageable, user_id: int, text: str) -> None:
        """A short answer to a reaction, in the channel, that deletes itself."""
        await channel.send(f"<@{user_id}> {text}", delete_after=self.notice_s)
