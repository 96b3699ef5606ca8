"""A fake Discord on loopback: gateway websocket and REST API, enough for the real discord.py.

The unmodified discord.py client is pointed here by `FakeDiscord.patch()` (it sets
`discord.http.Route.BASE` and `DiscordWebSocket.DEFAULT_GATEWAY`). The fake keeps every message
(content, embeds, components, attached files), every interaction and its responses, and lets a
test act as a user: run a slash command, press a button, pick from a menu, submit a form, react.

Details discord.py insists on: JSON responses carry Content-Type exactly `application/json`;
interaction payloads carry `attachment_size_limit`; reaction events carry `type`.

Messages behave as on Discord: a user's message reaches the bot only with the intent for it
(guild or direct messages), and its words only when it mentions the bot, replies to one of
the bot's messages or is a direct message (the bot never asks for MESSAGE_CONTENT); the
bot's own posts come back to it as MESSAGE_CREATE too. `pings` records whom each post of the
bot would notify, from its content, its reply and its allowed_mentions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import discord
import yarl
from aiohttp import web

from tests.fake_discord_data import (  # noqa: F401  (tests import the ids from here)
    ALICE,
    APP_ID,
    BOB,
    BOT_USER,
    CAROL,
    CHANNEL_ID,
    DISCORD_EPOCH_MS,
    DM_CHANNELS,
    EPHEMERAL,
    GUILD_ID,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    USERS,
    Interaction,
    TooLarge,
    channel_payload,
    dm_channel_id,
    guild_payload,
    json_response,
)
from tests.fake_discord_user import UserActions
from tests.fake_voice import VoiceActions


class FakeDiscord(UserActions, VoiceActions):
    """The server. `await start()`, `patch()`, then run the bot against it."""

    def __init__(self, *, upload_limit: int = 10 * 2**20, token_ttl_s: float = 900.0,
                 answer_within_s: float = 3.0,
                 bot_token: str = "fake-token"):
        self.upload_limit = upload_limit
        self.token_ttl_s = token_ttl_s
        self.answer_within_s = answer_within_s  # Discord's 3 s to answer an interaction
        self.bot_token = bot_token
        self.messages: dict[int, dict[str, Any]] = {}
        self.files: dict[int, dict[str, bytes]] = {}  # message id → filename → bytes
        self.edits: dict[int, list[str]] = {}  # message id → every content it had
        self.deleted: set[int] = set()
        self.reactions: dict[int, list[str]] = {}  # emojis the bot added
        self.pings: dict[int, set[str]] = {}  # bot message id → "everyone" / user ids notified
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.interactions: dict[str, Interaction] = {}
        self.requests: list[tuple[str, str, Any]] = []
        # everything else the bot sent, as text, for the secrets scan: "header" (each request
        # line with its query string and every header but Authorization, where the token
        # belongs), "file" (every attachment's bytes), "gateway" (every frame the bot sent,
        # IDENTIFY's and RESUME's token field blanked)
        self.wire: dict[str, list[str]] = {"header": [], "file": [], "gateway": []}
        self.identify: dict[str, Any] | None = None
        self.cdn: dict[str, bytes] = {}
        self.cdn_hits = 0  # downloads of attachments
        self.nonces: dict[tuple[int, str], int] = {}  # (channel, nonce) → message id
        self.nonce_hits = 0  # sends answered with an earlier message (a repeated delivery)
        self.expired_calls = 0  # webhook calls refused because the interaction token expired
        self.sockets: list[web.WebSocketResponse] = []
        self.changed = asyncio.Condition()
        self._ids = itertools.count()
        self._seq = itertools.count(1)
        self._restore: Callable[[], None] | None = None
        self.resumes = 0  # gateway sessions resumed (op 6)
        self._voice_init()

    # Server ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/cdn/{name}", self._cdn)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        await self._voice_start(app)  # the voice websocket at / and the UDP endpoint
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"

    def patch(self) -> None:
        """Point discord.py at this server (undone by `close`)."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = f"{self.base}/api/v10"
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{self.port}/gateway")
        restore_voice = self.patch_voice()

        def restore() -> None:
            restore_voice()
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

        self._restore = restore

    async def close(self) -> None:
        for socket in self.sockets:
            await socket.close()
        await self.runner.cleanup()
        self._voice_close()
        if self._restore:
            self._restore()

    def snowflake(self) -> int:
        return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) + next(self._ids) % 4096

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until `predicate()` is truthy; returns its value."""
        async with self.changed:
            return await asyncio.wait_for(self.changed.wait_for(predicate), timeout)

    # Gateway --------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41_250}})
        async for message in socket:
            data = json.loads(message.data)
            self._heard(data)
            if data["op"] == 1:
                await socket.send_json({"op": 11})
            elif data["op"] == 2:
                self.identify = data["d"]
                await self._dispatch(socket, "READY", {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": str(GUILD_ID),
                                                           "unavailable": True}],
                    "session_id": "fake-session", "shard": data["d"].get("shard") or [0, 1],
                    "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                    "application": {"id": str(APP_ID), "flags": 0}})
                await self._dispatch(socket, "GUILD_CREATE",
                                     guild_payload(self.guild_voice_states()))
                await self._notify()
            elif data["op"] == 6:  # RESUME after a lost connection: the session goes on
                self.resumes += 1
                await self._dispatch(socket, "RESUMED", {})
            elif data["op"] == 4:  # the bot joins or leaves a voice channel
                await self._voice_state_update(socket, data["d"])
        self.sockets.remove(socket)
        return socket

    async def _dispatch(self, socket: web.WebSocketResponse, event: str, data: Any) -> None:
        await socket.send_json({"op": 0, "t": event, "s": next(self._seq), "d": data})

    async def dispatch(self, event: str, data: Any) -> None:
        """Send a gateway event to the connected bot."""
        await self.wait_for(lambda: self.sockets and self.identify, 10)
        await self._dispatch(self.sockets[-1], event, data)

    # REST -----------------------------------------------------------------------------------

    def _heard(self, frame: dict[str, Any]) -> None:
        if frame.get("op") in (2, 6) and isinstance(frame.get("d"), dict):  # where it belongs
            frame = {**frame, "d": {**frame["d"], "token": "<token>"}}
        self.wire["gateway"].append(json.dumps(frame))

    def _headers(self, request: web.Request) -> None:
        self.wire["header"].append(f"{request.method} {request.path_qs}")
        self.wire["header"] += [f"{name}: {value}" for name, value in request.headers.items()
                                if name.lower() != "authorization"]

    async def _cdn(self, request: web.Request) -> web.Response:
        self.cdn_hits += 1
        self._headers(request)
        content = self.cdn.get(quote(request.match_info["name"], safe=""))
        if content is None:
            return web.Response(status=404)
        return web.Response(body=content, content_type="audio/midi")

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["path"]
        payload, files = await self._body(request)
        self.requests.append((request.method, path, payload))
        self._headers(request)
        self.wire["file"] += [content.decode("latin-1") for content in files.values()]
        parts = path.strip("/").split("/")
        if parts[0] not in ("interactions", "webhooks"):
            if request.headers.get("Authorization") != f"Bot {self.bot_token}":
                return json_response({"code": 0, "message": "401: Unauthorized"}, 401)
        try:
            response = await self._route(request.method, parts, payload, files)
        except TooLarge:
            response = json_response({"code": 40005, "message": "Request entity too large"}, 413)
        finally:
            await self._notify()
        return response

    async def _body(self, request: web.Request) -> tuple[Any, dict[str, bytes]]:
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            payload, names = None, {}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    names[part.name] = (part.filename, await part.read())
            for _, (filename, content) in names.items():
                files[filename] = bytes(content)
            return payload, files
        text = await request.text()
        return (json.loads(text) if text else None), files

    async def _route(self, method: str, parts: list[str], payload: Any,
                     files: dict[str, bytes]) -> web.Response:
        match (method, parts):
            case ("GET", ["users", "@me"]):
                return json_response(BOT_USER)
            case ("GET", ["users", user_id]):
                return json_response(USERS[int(user_id)])
            case ("POST", ["users", "@me", "channels"]):
                user = USERS[int(payload["recipient_id"])]
                return json_response({"id": str(dm_channel_id(int(user["id"]))), "type": 1,
                                      "recipients": [user], "last_message_id": None})
            case ("GET", ["oauth2", "applications", "@me"]):
                return json_response({
                    "id": str(APP_ID), "name": "tunesmith", "description": "", "icon": None,
                    "bot_public": True, "bot_require_code_grant": False, "owner": USERS[ALICE],
                    "verify_key": "0" * 64, "flags": 0, "summary": "", "team": None})
            case ("PUT", ["applications", _, "commands"]):
                return json_response(self._sync(None, payload))
            case ("PUT", ["applications", _, "guilds", guild, "commands"]):
                return json_response(self._sync(int(guild), payload))
            case ("GET", ["applications", _, "commands"]):
                return json_response(self.commands.get(None, []))
            case ("POST", ["interactions", _, token, "callback"]):
                return self._callback(token, payload, files)
            case (_, ["webhooks", _, token, *rest]):
                return self._webhook(method, token, rest, payload, files)
            case ("POST", ["channels", channel, "messages"]):
                message, new = self._new_message(int(channel), payload, files)
                if new:  # Discord tells the bot of its own posts too
                    await self.deliver_message(message)
                return json_response(message)
            case ("GET", ["channels", _, "messages", message]):
                return self._get(int(message))
            case ("PATCH", ["channels", _, "messages", message]):
                return self._edit(int(message), payload, files)
            case ("DELETE", ["channels", _, "messages", message]):
                return self._delete(int(message))
            case ("PUT", ["channels", _, "messages", message, "reactions", emoji, "@me"]):
                self.reactions.setdefault(int(message), []).append(emoji)
                return web.Response(status=204)
        return json_response({"code": 0, "message": f"fake discord has no {method} /"
                                                    f"{'/'.join(parts)}"}, 404)

    def _sync(self, guild: int | None, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        synced = []
        for command in commands:
            synced.append({**command, "id": str(self.snowflake()), "application_id": str(APP_ID),
                           "version": "1", "guild_id": str(guild) if guild else None,
                           "type": command.get("type", 1)})
        self.commands[guild] = synced
        return synced

    def _message(self, channel_id: int, payload: dict[str, Any], files: dict[str, bytes],
                 *, interaction: Interaction | None = None) -> dict[str, Any]:
        message_id = self.snowflake()
        message = {"id": str(message_id), "channel_id": str(channel_id),
                   "author": BOT_USER, "type": 0, "content": "",
                   "embeds": [], "components": [], "attachments": [], "mentions": [],
                   "mention_roles": [], "pinned": False, "mention_everyone": False,
                   "tts": False, "flags": 0, "edited_timestamp": None,
                   "timestamp": discord.utils.utcnow().isoformat()}
        if channel_id not in DM_CHANNELS:
            message["guild_id"] = str(GUILD_ID)
        if interaction is not None:
            message.update(type=20 if interaction.kind == 2 else 19, webhook_id=str(APP_ID),
                           application_id=str(APP_ID))
        reference = (payload or {}).get("message_reference")
        if reference is not None:  # a reply
            ids = {k: str(v) for k, v in reference.items() if k.endswith("_id") and v}
            message.update(type=19, message_reference={"type": 0, **ids},
                           referenced_message=self.messages.get(int(reference["message_id"])))
        self.pings[message_id] = self._pings(payload or {}, message)
        self.messages[message_id] = message
        self.files[message_id] = {}
        self.edits[message_id] = []
        self._apply(message_id, payload or {}, files)
        return message

    @staticmethod
    def _pings(payload: dict[str, Any], message: dict[str, Any]) -> set[str]:
        """Whom a post notifies: Discord's rules for content, replies and allowed_mentions
        (without allowed_mentions, every mention in the content and the replied user)."""
        allowed = payload.get("allowed_mentions")
        parse = set(allowed.get("parse", ())) if allowed is not None else {"users", "everyone"}
        content = payload.get("content") or ""
        pinged = set()
        if "everyone" in parse and re.search(r"@(everyone|here)", content):
            pinged.add("everyone")
        for user in re.findall(r"<@!?(\d+)>", content):
            if "users" in parse or user in (allowed or {}).get("users", ()):
                pinged.add(user)
        replied = message.get("referenced_message")
        if replied and (allowed is None or allowed.get("replied_user")):
            pinged.add(replied["author"]["id"])
        return pinged

    def _new_message(self, channel_id: int, payload: Any,
                     files: dict[str, bytes]) -> tuple[dict[str, Any], bool]:
        """The message posted, and whether it is new (not an earlier one for its nonce)."""
        nonce = (payload or {}).get("nonce")
        if nonce is not None and (payload or {}).get("enforce_nonce"):
            # As Discord does: the same nonce from the same author returns the first message.
            earlier = self.nonces.get((channel_id, str(nonce)))
            if earlier is not None:
                self.nonce_hits += 1
                return self.messages[earlier], False
        message = self._message(channel_id, payload, files)
        if nonce is not None:
            self.nonces[(channel_id, str(nonce))] = int(message["id"])
        return message, True

    async def deliver_message(self, message: dict[str, Any]) -> None:
        """MESSAGE_CREATE for `message`, if the bot asked for the intent it needs."""
        if not self.sockets or not self.identify:
            return
        dm = int(message["channel_id"]) in DM_CHANNELS
        if self.identify["intents"] & (INTENT_DIRECT_MESSAGES if dm else INTENT_GUILD_MESSAGES):
            await self._dispatch(self.sockets[-1], "MESSAGE_CREATE", message)

    def _apply(self, message_id: int, payload: dict[str, Any], files: dict[str, bytes]) -> None:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components"):
            if key in payload and payload[key] is not None:
                message[key] = payload[key]
        if "flags" in payload and payload["flags"]:
            message["flags"] = payload["flags"]
        if "attachments" in payload:
            kept = {str(a["id"]) for a in payload["attachments"]}
            message["attachments"] = [a for a in message["attachments"] if a["id"] in kept]
            self.files[message_id] = {a["filename"]: self.files[message_id][a["filename"]]
                                      for a in message["attachments"]}
        for filename, content in files.items():
            total = sum(map(len, self.files[message_id].values())) + len(content)
            if total > self.upload_limit:
                raise TooLarge(total)
            self.files[message_id][filename] = content
            message["attachments"].append({
                "id": str(self.snowflake()), "filename": filename, "size": len(content),
                "url": f"{self.base}/cdn/{message_id}-{filename}",
                "proxy_url": f"{self.base}/cdn/{message_id}-{filename}"})
        self.edits[message_id].append(message["content"])

    def _get(self, message_id: int) -> web.Response:
        if message_id not in self.messages or message_id in self.deleted:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        return json_response(self.messages[message_id])

    def _edit(self, message_id: int, payload: Any, files: dict[str, bytes]) -> web.Response:
        if message_id not in self.messages or message_id in self.deleted:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        self._apply(message_id, payload or {}, files)
        self.messages[message_id]["edited_timestamp"] = discord.utils.utcnow().isoformat()
        return json_response(self.messages[message_id])

    def _delete(self, message_id: int) -> web.Response:
        if message_id not in self.messages or message_id in self.deleted:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        self.deleted.add(message_id)
        return web.Response(status=204)

    def _callback(self, token: str, payload: dict[str, Any],
                  files: dict[str, bytes]) -> web.Response:
        interaction = self.interactions.get(token)
        if interaction is None or interaction.response_type is not None:
            return json_response({"code": 40060, "message": "Interaction has already been "
                                                            "acknowledged."}, 400)
        if time.monotonic() - interaction.created > self.answer_within_s:
            return json_response({"code": 10062, "message": "Unknown interaction"}, 404)
        kind = payload["type"]
        interaction.response_type = kind
        interaction.response = payload
        interaction.responded_at = time.monotonic()
        data = payload.get("data") or {}
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):  # a message, or "thinking…" that becomes one
            message = self._message(CHANNEL_ID, {**data, "content": data.get("content", "")},
                                    files, interaction=interaction)
            interaction.original_id = int(message["id"])
            resource["message"] = message
        elif kind == 7 and interaction.message_id is not None:
            self._apply(interaction.message_id, data, files)
        answer = {"interaction": {"id": str(interaction.id), "type": interaction.kind,
                                  "response_message_id": (str(interaction.original_id)
                                                          if interaction.original_id else None),
                                  "response_message_loading": kind == 5,
                                  "response_message_ephemeral": bool(
                                      data.get("flags", 0) & EPHEMERAL)},
                  "resource": resource}
        return json_response(answer)

    def _webhook(self, method: str, token: str, rest: list[str], payload: Any,
                 files: dict[str, bytes]) -> web.Response:
        interaction = self.interactions.get(token)
        if interaction is None or time.monotonic() - interaction.created > self.token_ttl_s:
            self.expired_calls += 1
            return json_response({"code": 50027, "message": "Invalid Webhook Token"}, 401)
        if method == "POST" and not rest:
            message = self._message(CHANNEL_ID, payload, files, interaction=interaction)
            interaction.followups.append(int(message["id"]))
            return json_response(message)
        if len(rest) != 2 or rest[0] != "messages":
            return json_response({"code": 0, "message": "bad webhook route"}, 404)
        if rest[1] == "@original":
            # For a deferred update the "original" is the message the component sits on.
            message_id = interaction.original_id or interaction.message_id
        else:
            message_id = int(rest[1])
        if message_id is None:
            return json_response({"code": 10008, "message": "Unknown Message"}, 404)
        if method == "GET":
            return self._get(message_id)
        if method == "PATCH":
            return self._edit(message_id, payload, files)
        if method == "DELETE":
            return self._delete(message_id)
        return json_response({"code": 0, "message": "bad method"}, 405)
