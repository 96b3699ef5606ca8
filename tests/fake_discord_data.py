"""What the fake Discord is made of: ids, users, payload shapes, the interaction record."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DISCORD_EPOCH_MS = 1_420_070_400_000
APP_ID = 700_000_000_000_000_001  # the bot user shares the application's id, as on Discord
GUILD_ID = 700_000_000_000_000_100
CHANNEL_ID = 700_000_000_000_000_200
VOICE_ID = 700_000_000_000_000_210  # a voice channel everyone may join and speak in
LOCKED_VOICE_ID = 700_000_000_000_000_211  # a voice channel the bot may not Connect to or Speak in
CONNECT, SPEAK = 1 << 20, 1 << 21
ALICE = 700_000_000_000_000_301
BOB = 700_000_000_000_000_302
CAROL = 700_000_000_000_000_303
EPHEMERAL = 64
# Gateway intents the fake honours: message events reach a bot only if it asked for them, and
# without MESSAGE_CONTENT a message's words only when Discord would give them.
INTENT_GUILD_MESSAGES, INTENT_DIRECT_MESSAGES, INTENT_MESSAGE_CONTENT = 1 << 9, 1 << 12, 1 << 15


def _user(user_id: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "global_name": name, "discriminator": "0",
            "avatar": None, "bot": bot}


BOT_USER = _user(APP_ID, "tunesmith", bot=True)
USERS = {ALICE: _user(ALICE, "alice"), BOB: _user(BOB, "bob"), CAROL: _user(CAROL, "carol")}


def dm_channel_id(user_id: int) -> int:
    """The id of the fake's direct-message channel between the bot and `user_id`."""
    return user_id + 1


DM_CHANNELS = {dm_channel_id(user_id): user_id for user_id in USERS}


def json_response(data: Any, status: int = 200) -> web.Response:
    # discord.py parses JSON only when the Content-Type is exactly application/json.
    # aiohttp's content_type= would append "; charset=utf-8", so the header is set by hand.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json"})


class TooLarge(Exception):
    """The files of one message exceed the upload limit."""


@dataclass
class Interaction:
    """One interaction the fake sent, and what the bot answered."""

    id: int
    token: str
    kind: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    user_id: int
    created: float
    message_id: int | None = None  # the message a component sits on
    response_type: int | None = None
    response: dict[str, Any] | None = None
    responded_at: float | None = None
    original_id: int | None = None  # the message created by the response
    followups: list[int] = field(default_factory=list)


def guild_payload(voice_states: list[dict[str, Any]] = ()) -> dict[str, Any]:
    """The guild as GUILD_CREATE carries it: a text channel, two voice channels, the bot's own
    member (as Discord always sends) and the voice states the bot may see."""
    return {
        "id": str(GUILD_ID), "name": "fake guild", "owner_id": str(ALICE), "icon": None,
        "unavailable": False, "member_count": 3, "large": False, "features": [],
        "roles": [{"id": str(GUILD_ID), "name": "@everyone", "permissions": "2248473465835073",
                   "position": 0, "color": 0, "hoist": False, "managed": False,
                   "mentionable": False, "flags": 0}],
        "channels": [channel_payload(), voice_channel_payload(VOICE_ID, "lounge"),
                     voice_channel_payload(LOCKED_VOICE_ID, "quiet room", locked=True)],
        "members": [{**member_payload_of(BOT_USER)}], "emojis": [], "stickers": [],
        "threads": [], "voice_states": list(voice_states), "presences": [], "stage_instances": [],
        "guild_scheduled_events": [], "premium_tier": 0, "preferred_locale": "en-US",
        "system_channel_flags": 0, "verification_level": 0, "explicit_content_filter": 0,
        "default_message_notifications": 0, "mfa_level": 0, "nsfw_level": 0,
    }

def channel_payload() -> dict[str, Any]:
    return {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "music",
            "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None,
            "topic": None, "last_message_id": None, "rate_limit_per_user": 0}


def voice_channel_payload(channel_id: int, name: str, *, locked: bool = False) -> dict[str, Any]:
    """A voice channel; `locked` denies the bot Connect and Speak there."""
    overwrites = [{"id": str(APP_ID), "type": 1, "allow": "0",
                   "deny": str(CONNECT | SPEAK)}] if locked else []
    return {"id": str(channel_id), "type": 2, "guild_id": str(GUILD_ID), "name": name,
            "position": 1, "permission_overwrites": overwrites, "nsfw": False,
            "parent_id": None, "bitrate": 64000, "user_limit": 0, "rtc_region": None,
            "rate_limit_per_user": 0}


def member_payload_of(user: dict[str, Any]) -> dict[str, Any]:
    return {"user": user, "roles": [], "joined_at": "2024-01-01T00:00:00+00:00",
            "deaf": False, "mute": False, "flags": 0, "permissions": "2248473465835073"}


def member_payload(user_id: int) -> dict[str, Any]:
    return member_payload_of(USERS[user_id])
