"""Messages and what hangs off them: reactions and attachments."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .rooms import Room


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    # Messages outlive their authors: deleting a user keeps the conversation readable.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    content = models.TextField()
    # The content rendered to safe HTML when stored or edited (chat.formatting); the content
    # stays exactly what its author typed.
    # db_default: a process still running the previous release during a deploy stores its
    # messages without this column; they show as their text (the page falls back to content).
    content_html = models.TextField(blank=True, default="", db_default="")
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A forwarded copy's original (message.forward); only readers of its room can follow it.
    forwarded_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The message this one replies to in a thread (one level, as in Slack: a root is never
    # itself a thread reply, chat.sql.take_seq checks it). NULL for the room's own messages.
    thread_root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A thread reply also shown in the room's timeline ("Also send to room").
    also_to_room = models.BooleanField(default=False, db_default=False)
    # A root's thread summary, kept on its own row so the room's history shows it without a
    # join or a count; the send that adds a reply updates it under the room's lock it already
    # holds (chat.sql.send_message). Participants are repliers: the first few ids, and how many.
    thread_reply_count = models.PositiveIntegerField(default=0, db_default=0)
    thread_last_reply_at = models.DateTimeField(null=True, blank=True)
    thread_participant_ids = models.JSONField(default=list, db_default=[], blank=True)
    thread_participant_count = models.PositiveIntegerField(default=0, db_default=0)
    # Chosen by the client and reused on retries: a resend returns the stored message. NULL,
    # not "", for messages without one, so the partial unique index below skips them.
    client_msg_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The room's last_rev when this message last changed (0: never changed).
    rev = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="chat_message_room_seq_unique"),
            models.UniqueConstraint(
                fields=["room", "sender", "client_msg_id"],
                condition=Q(client_msg_id__isnull=False),
                name="chat_message_client_msg_id_unique",
            ),
            models.CheckConstraint(condition=Q(seq__gt=0), name="chat_message_seq_positive"),
        ]
        # The (room, seq) unique index serves history and catch-up; this one serves changes.
        indexes = [
            models.Index(fields=["room", "rev"], name="chat_message_room_rev_idx"),
            # A thread's pages and unread counts; partial, so room messages never pay for it.
            models.Index(
                fields=["thread_root", "seq"],
                condition=Q(thread_root__isnull=False),
                name="chat_message_thread_seq_idx",
            ),
            # Whether a replier took part before (the participant count).
            models.Index(
                fields=["thread_root", "sender"],
                condition=Q(thread_root__isnull=False),
                name="chat_message_thread_sender_idx",
            ),
        ]

    def __str__(self):
        return f"{self.room_id}#{self.seq}"


class Reaction(models.Model):
    """One user's emoji on a message; a user may put several distinct ones on it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Exactly one emoji, fully qualified (chat.reactions).
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "user", "emoji"], name="chat_reaction_one_per_emoji"
            )
        ]

    def __str__(self):
        return f"{self.emoji} on {self.message}"


class Attachment(models.Model):
    """A file a member uploaded to a room, stored through STORAGES["attachments"].

    Uploaded first (POST /api/attachments/), then attached to one message by message.send;
    until then ``message`` is NULL and cleanup_chat_uploads removes it after a while. The
    content type is the one detected from the bytes, never the one the client declared.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="attachments")
    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    # The name shown and offered for download: the upload's name, cleaned, with the
    # extension of the detected type.
    name = models.CharField(max_length=200)
    # The storage keys: random, never derived from what the client sent. A forwarded copy
    # shares its original's keys (no bytes are copied), so a file goes with its last row.
    stored_name = models.CharField(max_length=255, db_index=True)
    thumbnail_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # cleanup_chat_uploads finds old uploads that no message took.
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(message__isnull=True),
                name="chat_attachment_unattached_idx",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_image(self):
        return bool(self.thumbnail_name)
