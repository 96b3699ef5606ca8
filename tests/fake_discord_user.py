"""Acting as a user of the fake Discord: slash commands, buttons, menus, forms, reactions,
messages (mentions, replies, direct messages)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import quote

import discord

from tests.fake_discord_data import (
    ALICE,
    APP_ID,
    BOT_USER,
    CHANNEL_ID,
    GUILD_ID,
    INTENT_MESSAGE_CONTENT,
    USERS,
    Interaction,
    channel_payload,
    dm_channel_id,
    member_payload,
)


class UserActions:
    """Mixed into FakeDiscord: what a person in the fake guild can do, and what they see."""

    async def _interact(self, kind: int, user_id: int, data: dict[str, Any],
                        message_id: int | None = None) -> Interaction:
        interaction = Interaction(self.snowflake(), f"itoken-{next(self._ids)}", kind, user_id,
                                  time.monotonic(), message_id)
        self.interactions[interaction.token] = interaction
        payload = {
            "id": str(interaction.id), "application_id": str(APP_ID), "type": kind,
            "data": data, "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID),
            "channel": channel_payload(), "member": member_payload(user_id),
            "token": interaction.token, "version": 1, "app_permissions": "2248473465835073",
            "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0,
            "attachment_size_limit": self.upload_limit,
        }
        if message_id is not None:
            payload["message"] = self.messages[message_id]
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

    def command(self, name: str) -> dict[str, Any]:
        for commands in self.commands.values():
            for command in commands:
                if command["name"] == name:
                    return command
        raise KeyError(f"command {name!r} was never synced")

    async def slash(self, name: str, user_id: int = ALICE, *,
                    attachment: tuple[str, bytes] | None = None, **options: Any) -> Interaction:
        """Run `/name` with `options`, typed the way the synced command declares them."""
        command = self.command(name)
        types = {option["name"]: option["type"] for option in command.get("options", [])}
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": 1,
                                "guild_id": str(GUILD_ID), "options": []}
        for key, value in options.items():
            data["options"].append({"name": key, "type": types[key], "value": value})
        if attachment is not None:
            filename, content = attachment
            attachment_id = self.snowflake()
            stored = f"{attachment_id}-{quote(filename, safe='')}"
            self.cdn[stored] = content
            option = next(o for o in command["options"] if o["type"] == 11)
            data["options"].append({"name": option["name"], "type": 11,
                                    "value": str(attachment_id)})
            data["resolved"] = {"attachments": {str(attachment_id): {
                "id": str(attachment_id), "filename": filename, "size": len(content),
                "url": f"{self.base}/cdn/{stored}", "proxy_url": f"{self.base}/cdn/{stored}",
                "content_type": "audio/midi"}}}
        return await self._interact(2, user_id, data)

    async def autocomplete(self, name: str, option: str, value: str,
                           user_id: int = ALICE) -> list[dict[str, Any]]:
        command = self.command(name)
        data = {"id": command["id"], "name": name, "type": 1, "guild_id": str(GUILD_ID),
                "options": [{"name": option, "type": 3, "value": value, "focused": True}]}
        interaction = await self._interact(4, user_id, data)
        await self.wait_for(lambda: interaction.response is not None)
        return interaction.response["data"]["choices"]

    async def press(self, message_id: int, custom_id: str, user_id: int = ALICE,
                    values: list[str] | None = None) -> Interaction:
        """Press a button (or pick `values` from a menu) on a message."""
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 2}
        if values is not None:
            data.update(component_type=3, values=values)
        return await self._interact(3, user_id, data, message_id)

    async def submit(self, custom_id: str, fields: dict[str, str],
                     user_id: int = ALICE) -> Interaction:
        rows = [{"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                for key, value in fields.items()]
        return await self._interact(5, user_id, {"custom_id": custom_id, "components": rows})

    async def react(self, message_id: int, emoji: str, user_id: int = ALICE) -> None:
        await self.dispatch("MESSAGE_REACTION_ADD", {
            "user_id": str(user_id), "channel_id": str(CHANNEL_ID),
            "message_id": str(message_id), "guild_id": str(GUILD_ID),
            "emoji": {"id": None, "name": emoji}, "member": member_payload(user_id),
            "type": 0, "burst": False, "burst_colors": [], "message_author_id": str(APP_ID)})

    async def say(self, content: str, user_id: int = ALICE, *, reply_to: int | None = None,
                  dm: bool = False, ping: bool = True) -> int:
        """Post `content` as `user_id` in the guild channel (or, with `dm`, in their direct
        messages with the bot) and hand it to the bot as Discord would; returns its id.

        `reply_to`: the id of a message this one replies to; the reply mentions that
        message's author unless `ping` is off, as Discord's reply toggle does.
        """
        await self.wait_for(lambda: self.sockets and self.identify, 10)
        channel_id = dm_channel_id(user_id) if dm else CHANNEL_ID
        replied = self.messages.get(reply_to) if reply_to is not None else None
        mentioned = [int(found) for found in re.findall(r"<@!?(\d+)>", content)]
        if replied is not None and ping:
            mentioned.append(int(replied["author"]["id"]))
        everyone = {**USERS, APP_ID: BOT_USER}
        message_id = self.snowflake()
        message = {"id": str(message_id), "channel_id": str(channel_id),
                   "author": USERS[user_id], "type": 0, "content": content, "embeds": [],
                   "components": [], "attachments": [], "pinned": False, "tts": False,
                   "mentions": [everyone[i] for i in dict.fromkeys(mentioned) if i in everyone],
                   "mention_roles": [], "mention_everyone": "@everyone" in content,
                   "flags": 0, "edited_timestamp": None,
                   "timestamp": discord.utils.utcnow().isoformat()}
        if not dm:
            member = {k: v for k, v in member_payload(user_id).items() if k != "user"}
            message.update(guild_id=str(GUILD_ID), member=member)
        if replied is not None:
            message.update(type=19, referenced_message=replied, message_reference={
                "type": 0, "message_id": str(reply_to), "channel_id": str(channel_id),
                **({} if dm else {"guild_id": str(GUILD_ID)})})
        self.messages[message_id] = message
        to_bot = (dm or APP_ID in mentioned
                  or (replied is not None and int(replied["author"]["id"]) == APP_ID))
        if not to_bot and not self.identify["intents"] & INTENT_MESSAGE_CONTENT:
            message = {**message, "content": ""}  # what a bot without the intent is given
        await self.deliver_message(message)
        return message_id

    def replies_to(self, message_id: int) -> list[dict[str, Any]]:
        """The bot's live messages that reply to `message_id`, oldest first."""
        return [m for mid, m in sorted(self.messages.items())
                if mid not in self.deleted and m["author"]["id"] == str(APP_ID)
                and (m.get("message_reference") or {}).get("message_id") == str(message_id)]

    # Reading the results --------------------------------------------------------------------

    def with_files(self, suffix: str, after: int = 0) -> list[dict[str, Any]]:
        """Live messages newer than `after` carrying a file ending in `suffix`."""
        return [m for mid, m in sorted(self.messages.items())
                if mid > after and mid not in self.deleted
                and any(name.endswith(suffix) for name in self.files.get(mid, {}))]

    def content_of(self, interaction: Interaction) -> str | None:
        if interaction.original_id is not None:
            return self.messages[interaction.original_id]["content"]
        if interaction.response is not None:
            return interaction.response.get("data", {}).get("content")
        return None
