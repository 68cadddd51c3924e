"""Errors the chat reports to clients, each with a stable code documented in docs/protocol.md.

Services and the protocol parser raise these; the consumer turns them into one error envelope
and keeps the connection open. Anything else is a bug, logged and answered with ServerError.
Each error class registers itself in ERROR_CLASSES, which the protocol docs are checked against.
"""

ERROR_CLASSES: list[type["ChatError"]] = []


class ChatError(Exception):
    code = 4500
    name = "server_error"
    default_detail = "The server could not handle this event."

    def __init__(self, detail=None, *, retry_after=None):
        self.detail = detail or self.default_detail
        # Seconds after which the same request may succeed (HTTP's Retry-After), if known.
        self.retry_after = retry_after
        super().__init__(self.detail)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        ERROR_CLASSES.append(cls)


class CloseSocket(Exception):  # noqa: N818 (an instruction, not an error)
    """Not a reply: the socket must close with ``code`` (a close code in chat.protocol)."""

    def __init__(self, code):
        self.code = code
        super().__init__(code)


class MalformedJSONError(ChatError):
    code = 4000
    name = "malformed_json"
    default_detail = "The frame is not valid JSON."


class InvalidEnvelopeError(ChatError):
    code = 4002
    name = "invalid_envelope"
    default_detail = (
        'Frames must be objects: {"event_type": ..., "data": {...}, "request_id": ...}.'
    )


class UnknownEventError(ChatError):
    code = 4003
    name = "unknown_event"
    default_detail = "Unknown event_type."


class InvalidPayloadError(ChatError):
    code = 4004
    name = "invalid_payload"
    default_detail = "The event's data is invalid."


class FrameTooLargeError(ChatError):
    code = 4005
    name = "frame_too_large"
    default_detail = "The frame is larger than the server accepts."


class BinaryFrameError(ChatError):
    code = 4007
    name = "binary_not_supported"
    default_detail = "Binary frames are not supported; send JSON text frames."


class RateLimitedError(ChatError):
    code = 4029
    name = "rate_limited"
    default_detail = "Too many events; slow down."


class SearchBusyError(ChatError):
    # One search per user at a time, over all their sockets and processes (chat.searching).
    code = 4028
    name = "search_busy"
    default_detail = "A search of yours is still running; wait for its answer."


class ForbiddenError(ChatError):
    code = 4030
    name = "forbidden"
    default_detail = "You are not allowed to do this in this room."


class RoomNotFoundError(ChatError):
    # Also for rooms that exist but that the user may not see: their existence is not revealed.
    code = 4040
    name = "room_not_found"
    default_detail = "No such room."


class MessageNotFoundError(ChatError):
    code = 4041
    name = "message_not_found"
    default_detail = "No such message."


class ThreadRootError(ChatError):
    # The message named as a thread's root is not one of this room that can start a thread:
    # missing or in another room (not revealed which), itself a thread reply, or deleted.
    code = 4046
    name = "invalid_thread_root"
    default_detail = "No such thread in this room."


class AttachmentNotFoundError(ChatError):
    # Also for someone else's upload, one of another room, or one already attached.
    code = 4043
    name = "attachment_not_found"
    default_detail = "No such attachment, or not one of yours in this room waiting to be sent."


class UploadTooLargeError(ChatError):
    code = 4130
    name = "upload_too_large"
    default_detail = "The file is larger than the server accepts."


class UnsupportedTypeError(ChatError):
    code = 4150
    name = "unsupported_type"
    default_detail = "Files of this kind cannot be attached."


class InvalidUploadError(ChatError):
    code = 4220
    name = "invalid_upload"
    default_detail = "The upload is not a usable file."


class InvitationNotFoundError(ChatError):
    # Also for someone else's invitation, or one already answered.
    code = 4044
    name = "invitation_not_found"
    default_detail = "No such invitation."


class ServerBusyError(ChatError):
    code = 5030
    name = "server_busy"
    default_detail = "The server is busy with other images; try again shortly."


class UserNotFoundError(ChatError):
    code = 4042
    name = "user_not_found"
    default_detail = "No such user."


class RoomFullError(ChatError):
    code = 4090
    name = "room_full"
    default_detail = "The room has reached its member limit."


class ReactionLimitError(ChatError):
    # CHAT["REACTIONS_PER_USER"] of one user's, or CHAT["REACTION_EMOJI_PER_MESSAGE"] distinct
    # emoji from everyone, are on the message already; the detail says which.
    code = 4091
    name = "too_many_reactions"
    default_detail = "The message has as many reactions as it may."


class SearchTimeoutError(ChatError):
    code = 4081
    name = "search_timeout"
    default_detail = (
        "The search took too long; narrow it (rarer words, fewer alternatives, a room or a sender)."
    )


class ServerError(ChatError):
    pass
