"""The values events are made of, with the bounds and text rules every event shares.

Bounds msgspec checks while decoding (types, ranges, lengths, patterns) are in each type's
Meta; what msgspec cannot check (storable text, bidi controls, blank content, limits from
settings.CHAT, repeated usernames) is named in the Meta's ``extra`` as a text rule, which
chat.events.clean applies right after decoding.
"""

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

# The largest values the database columns behind ids, seqs and counters can hold: a number
# above them is a bad payload, not a server error.
BIGINT_MAX = 2**63 - 1
INTEGER_MAX = 2**31 - 1

CLIENT_MSG_ID_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
REQUEST_ID_MAX_LENGTH = 64
USERNAME_MAX_LENGTH = 150
EMOJI_MAX_LENGTH = 32
MAX_MEMBERS_PER_REQUEST = 100
MAX_ROOMS_PER_DELIVERED = 100

# Text rules (chat.events.clean). NAME: storable, bidi controls removed, outer spaces
# stripped, then at most its max_length. CONTENT: storable, only the bidi overrides removed,
# spacing kept, not blank, then at most CHAT["MAX_CONTENT_CHARS"]. USERNAMES: each storable,
# repeats dropped.
NAME = "name"
CONTENT = "content"
USERNAMES = "usernames"
# FILLED: a NAME that must not be blank once stripped (a username to act on, a query).
FILLED = "filled"
# IDS: repeats dropped, then at most the CHAT setting its ``limit`` names.
IDS = "ids"
# EMOJI: exactly one emoji of Unicode's data, stored fully qualified (chat.reactions).
EMOJI = "emoji"


def text(rule, max_length, **meta):
    """A string type under ``rule``, at most ``max_length`` characters once cleaned.

    The length is checked after the rule has stripped what it strips (chat.events.clean),
    so spaces or bidi controls around a name never count against it; the schema says the
    same bound.
    """
    extra = {"text": rule, "max_length": max_length}
    return Annotated[str, Meta(**meta, extra=extra, extra_json_schema={"maxLength": max_length})]


Id = Annotated[int, Meta(ge=1, le=BIGINT_MAX, description="A database id (1 to 2^63 - 1).")]
Seq = Annotated[int, Meta(ge=0, le=BIGINT_MAX, description="A position (0 to 2^63 - 1).")]
Count = Annotated[int, Meta(ge=0, le=BIGINT_MAX)]
MaxMembers = Annotated[int, Meta(ge=2, le=INTEGER_MAX)]
Name = text(NAME, 100)
Description = text(NAME, 500)
# A profile (chat.events.profiles): "" clears each.
DisplayName = text(NAME, 64, description="Empty: show the username.")
StatusText = text(NAME, 100, description="Empty: no status.")
StatusEmoji = text(NAME, 32, description="Exactly one emoji, or empty: none.")
Emoji = text(
    EMOJI,
    EMOJI_MAX_LENGTH,
    min_length=1,
    description="Exactly one emoji (a skin-tone or ZWJ sequence drawn as one is one).",
)
Content = Annotated[
    str,
    Meta(
        min_length=1,
        # The bound is a setting, read from CHAT when a Decoder is made; chat.events.documents
        # writes the configured one in the schema's place.
        extra={"text": CONTENT, "limit": "MAX_CONTENT_CHARS"},
        extra_json_schema={"x-chat-limit": "MAX_CONTENT_CHARS"},
    ),
]
ClientMsgId = Annotated[
    str, Meta(pattern=CLIENT_MSG_ID_PATTERN, description="Makes a send idempotent.")
]
Username = Annotated[str, Meta(min_length=1, max_length=USERNAME_MAX_LENGTH)]
# One user named in an event (a block, a ban, a search's sender): cleaned like a name.
UserName = text(FILLED, USERNAME_MAX_LENGTH, min_length=1)
Reason = text(NAME, 500)
FilledReason = text(FILLED, 500, min_length=1)
SearchQuery = text(FILLED, 200, min_length=1)
# The start of a username in the directory (user.search).
DirectoryPrefix = text(
    FILLED,
    USERNAME_MAX_LENGTH,
    min_length=1,
    description="The start of a username, any case; % and _ are letters like the others.",
)
SearchCursor = Annotated[
    str,
    Meta(pattern=r"^[0-9.e+-]{1,40}(:[0-9]{1,19}){0,2}$", description="next_cursor, as given."),
]
SearchLimit = Annotated[int, Meta(ge=1, le=50)]
MembersCursor = Annotated[
    str, Meta(pattern=r"^[0-9]{1,18}$", description="next_cursor of room.members, as given.")
]
Usernames = Annotated[
    list[Username], Meta(max_length=MAX_MEMBERS_PER_REQUEST, extra={"text": USERNAMES})
]
AttachmentIds = Annotated[
    list[Id],
    Meta(
        description="Ids of the sender's uploads to the room (POST /api/attachments/).",
        # The bound is a setting, as for Content.
        extra={"text": IDS, "limit": "ATTACHMENTS_PER_MESSAGE"},
        extra_json_schema={"x-chat-limit-items": "ATTACHMENTS_PER_MESSAGE"},
    ),
]
RequestId = (
    Annotated[str, Meta(max_length=REQUEST_ID_MAX_LENGTH)]
    | Annotated[int, Meta(ge=-BIGINT_MAX, le=BIGINT_MAX)]
)
RoomKind = Literal["direct", "group", "channel"]
Role = Literal["admin", "member"]
Timestamp = Annotated[str, Meta(description="ISO 8601 date and time.")]


class Data(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The data of a client event: unknown keys are refused, absent ones are None."""


class Shape(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Something the server sends. Fields that may be absent default to msgspec.UNSET."""
