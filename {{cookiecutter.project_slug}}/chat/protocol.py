"""The wire protocol: event names, the envelope, payload validation and reply builders.

Pure Python with no database or socket, so every rule here is unit-tested directly. Event names
appear as string literals only in this module; CLIENT_EVENTS and SERVER_EVENTS tie each to its
typed definition in chat.events, from which docs/protocol.schema.json, docs/asyncapi.yaml and
the JS client's typedefs are generated; docs/protocol.md documents each one in prose.

Client to server: {"event_type": "<name>", "data": {...}, "request_id": "<optional>"}
Server to client: {"event_type": "<name>", "data": {...}} with request_id echoed on replies.
"""

import json

from .events import (
    bots,
    decoding,
    people,
    profiles,
    push,
    reactions,
    replies,
    requests,
    threads,
)

# --- Client requests (imperative) -----------------------------------------------------------

MESSAGE_SEND = "message.send"
MESSAGE_EDIT = "message.edit"
MESSAGE_FORWARD = "message.forward"
MESSAGE_DELETE = "message.delete"
MESSAGE_REACT = "message.react"
MESSAGE_READ = "message.read"
MESSAGE_DELIVERED = "message.delivered"
MESSAGE_TYPING = "message.typing"
ROOM_CREATE = "room.create"
ROOM_LIST = "room.list"
ROOM_INFO = "room.info"
ROOM_MEMBERS = "room.members"
ROOM_MESSAGES = "room.messages"
ROOM_JOIN = "room.join"
ROOM_LEAVE = "room.leave"
ROOM_ADD_MEMBERS = "room.add_members"
ROOM_REMOVE_MEMBERS = "room.remove_members"
ROOM_UPDATE = "room.update"
ROOM_DELETE = "room.delete"
ROOM_DISCOVER = "room.discover"
ROOM_MUTE = "room.mute"
PRESENCE = "presence"
PRESENCE_USERS = "presence.users"
SESSION_HEARTBEAT = "session.heartbeat"
SESSION_VISIBILITY = "session.visibility"
SETTINGS_UPDATE = "settings.update"
ROOM_RECEIPTS = "room.receipts"
NOTIFICATION_LIST = "notification.list"
INVITATION_LIST = "invitation.list"
INVITATION_ACCEPT = "invitation.accept"
INVITATION_DECLINE = "invitation.decline"
# Moderation
USER_BLOCK = "user.block"
USER_UNBLOCK = "user.unblock"
USER_BLOCKS = "user.blocks"
# People
USER_SEARCH = "user.search"
MESSAGE_REPORT = "message.report"
ROOM_BAN = "room.ban"
ROOM_UNBAN = "room.unban"
ROOM_BANS = "room.bans"
# Search
MESSAGE_SEARCH = "message.search"
# Threads
THREAD_FOLLOW = "thread.follow"
THREAD_UNFOLLOW = "thread.unfollow"
THREAD_READ = "thread.read"
THREADS_LIST = "threads.list"
# Bots
BOT_CREATE = "bot.create"
BOT_LIST = "bot.list"
BOT_REVOKE = "bot.revoke"

# Profiles
PROFILE_UPDATE = "profile.update"

# --- Server events (past tense), sent to every open socket that should see them --------------

SESSION_HELLO = "session.hello"
MESSAGE_NEW = "message.new"
MESSAGE_EDITED = "message.edited"
MESSAGE_DELETED = "message.deleted"
MESSAGE_REACTIONS = "message.reactions"
ROOM_READ = "room.read"
ROOM_DELIVERED = "room.delivered"
ROOM_TYPING = "room.typing"
ROOM_CREATED = "room.created"
ROOM_UPDATED = "room.updated"
ROOM_DELETED = "room.deleted"
ROOM_REMOVED = "room.removed"
ROOM_MEMBERS_ADDED = "room.members_added"
ROOM_MEMBERS_REMOVED = "room.members_removed"
ROOM_MUTED = "room.muted"
PRESENCE_CHANGED = "presence.changed"
USER_BLOCKED = "user.blocked"
USER_UNBLOCKED = "user.unblocked"
MESSAGE_REPORTED = "message.reported"
SETTINGS_UPDATED = "settings.updated"
NOTIFICATION_NEW = "notification.new"
ROOM_INVITED = "room.invited"
THREAD_UPDATED = "thread.updated"
USER_UPDATED = "user.updated"
ERROR = "error"

# --- Close codes (RFC 6455 reserves 4000-4999 for applications) -----------------------------

CLOSE_UNAUTHENTICATED = 4001
CLOSE_SESSION_REPLACED = 4008
# The credential the socket was opened with no longer holds: the password changed, the account
# was deactivated or deleted, or its browser session logged out. Reconnecting with it fails.
CLOSE_REVOKED = 4010
# No session.heartbeat for CHAT["IDLE_TIMEOUT"] seconds (chat.revalidation): reconnect.
CLOSE_IDLE = 4011

# --- The typed definition of each event (chat.events) ---------------------------------------

# Every client event: the Struct of its data and of its reply's data.
CLIENT_EVENTS = {
    MESSAGE_SEND: (requests.MessageSend, replies.MessageData),
    MESSAGE_EDIT: (requests.MessageEdit, replies.MessageData),
    MESSAGE_FORWARD: (requests.MessageForward, replies.MessageData),
    MESSAGE_DELETE: (requests.MessageDelete, replies.MessageData),
    MESSAGE_REACT: (requests.MessageReact, replies.MessageData),
    MESSAGE_READ: (requests.MessageRead, replies.ReadData),
    MESSAGE_DELIVERED: (requests.MessageDelivered, replies.Delivered),
    MESSAGE_TYPING: (requests.MessageTyping, replies.TypingData),
    ROOM_CREATE: (requests.RoomCreate, replies.RoomData),
    ROOM_LIST: (requests.Empty, replies.Rooms),
    ROOM_DISCOVER: (requests.Empty, replies.Rooms),
    ROOM_INFO: (requests.RoomRef, replies.RoomData),
    ROOM_MEMBERS: (requests.RoomMembersPage, replies.MembersPage),
    ROOM_MESSAGES: (requests.RoomMessages, replies.MessagesPage),
    ROOM_JOIN: (requests.RoomRef, replies.RoomData),
    ROOM_LEAVE: (requests.RoomRef, replies.RoomIdData),
    ROOM_ADD_MEMBERS: (requests.RoomMembers, replies.MembersAdded),
    ROOM_REMOVE_MEMBERS: (requests.RoomMembers, replies.MembersRemoved),
    ROOM_UPDATE: (requests.RoomUpdate, replies.RoomUpdatedData),
    ROOM_DELETE: (requests.RoomRef, replies.RoomIdData),
    ROOM_MUTE: (requests.RoomMute, replies.MuteData),
    PRESENCE: (requests.RoomRef, replies.PresenceData),
    PRESENCE_USERS: (people.PresenceUsers, people.PeoplePresence),
    SESSION_HEARTBEAT: (requests.Empty, replies.Heartbeat),
    SESSION_VISIBILITY: (push.SessionVisibility, push.VisibilityData),
    SETTINGS_UPDATE: (requests.SettingsUpdate, replies.SettingsData),
    ROOM_RECEIPTS: (requests.RoomRef, replies.Receipts),
    NOTIFICATION_LIST: (requests.Empty, replies.Notifications),
    INVITATION_LIST: (requests.Empty, replies.Invitations),
    INVITATION_ACCEPT: (requests.InvitationRef, replies.RoomData),
    INVITATION_DECLINE: (requests.InvitationRef, replies.InvitationIdData),
    USER_BLOCK: (requests.UserRef, replies.UserData),
    USER_UNBLOCK: (requests.UserRef, replies.UserData),
    USER_BLOCKS: (requests.Empty, replies.Users),
    USER_SEARCH: (people.UserSearch, people.Directory),
    MESSAGE_REPORT: (requests.MessageReport, replies.ReportReceipt),
    ROOM_BAN: (requests.RoomBan, replies.BanData),
    ROOM_UNBAN: (requests.RoomUnban, replies.BanData),
    ROOM_BANS: (requests.RoomRef, replies.Bans),
    MESSAGE_SEARCH: (requests.MessageSearch, replies.SearchPage),
    THREAD_FOLLOW: (threads.ThreadRef, threads.ThreadFollowData),
    THREAD_UNFOLLOW: (threads.ThreadRef, threads.ThreadFollowData),
    THREAD_READ: (threads.ThreadRead, threads.ThreadFollowData),
    THREADS_LIST: (threads.ThreadsList, threads.ThreadsPage),
    BOT_CREATE: (bots.BotCreate, bots.BotCreated),
    BOT_LIST: (requests.RoomRef, bots.Bots),
    BOT_REVOKE: (bots.BotRef, bots.BotData),
    PROFILE_UPDATE: (profiles.ProfileUpdate, profiles.UserUpdated),
}

# Every server event pushed without a request: the Struct of its data.
SERVER_EVENTS = {
    SESSION_HELLO: replies.Hello,
    MESSAGE_NEW: replies.MessageData,
    MESSAGE_EDITED: replies.MessageData,
    MESSAGE_DELETED: replies.MessageData,
    MESSAGE_REACTIONS: reactions.ReactionsData,
    ROOM_READ: replies.ReadData,
    ROOM_DELIVERED: replies.DeliveredData,
    ROOM_TYPING: replies.TypingData,
    ROOM_CREATED: replies.RoomData,
    ROOM_UPDATED: replies.RoomUpdatedData,
    ROOM_DELETED: replies.RoomIdData,
    ROOM_REMOVED: replies.RoomRemoved,
    ROOM_MEMBERS_ADDED: replies.RoomMembersAdded,
    ROOM_MEMBERS_REMOVED: replies.RoomMembersRemoved,
    ROOM_MUTED: replies.MuteData,
    PRESENCE_CHANGED: replies.PresenceChanged,
    USER_BLOCKED: replies.UserData,
    USER_UNBLOCKED: replies.UserData,
    MESSAGE_REPORTED: replies.ReportData,
    SETTINGS_UPDATED: replies.SettingsData,
    NOTIFICATION_NEW: replies.NotificationData,
    ROOM_INVITED: replies.InvitationData,
    THREAD_UPDATED: threads.ThreadUpdated,
    USER_UPDATED: profiles.UserUpdated,
    ERROR: replies.ErrorData,
}

Request = decoding.Request
request_id_of = decoding.request_id_of
event_type_of = decoding.event_type_of


def decoder(limits):
    """Return the Decoder of every client event under the configured ``limits``."""
    return decoding.Decoder({name: data for name, (data, _) in CLIENT_EVENTS.items()}, limits)


# --- Envelopes ------------------------------------------------------------------------------


def encode(envelope):
    """Return the JSON text of an envelope, compact and with non-ASCII kept as is."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def event(event_type, data):
    """Return a server event envelope."""
    return {"event_type": event_type, "data": data}


def reply(request, data):
    """Return the direct reply to ``request``: its own event_type, with request_id echoed."""
    envelope = event(request.event_type, data)
    if request.request_id is not None:
        envelope["request_id"] = request.request_id
    return envelope


def error(exc, request_id=None):
    """Return the error envelope for a ChatError."""
    envelope = event(ERROR, {"code": exc.code, "name": exc.name, "detail": exc.detail})
    if request_id is not None:
        envelope["request_id"] = request_id
    return envelope
