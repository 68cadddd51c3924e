"""Plain-data shapes of rooms, members and messages as clients receive them.

Selectors and services build every outgoing payload here, so one place decides what leaves the
server. User payloads carry ids, usernames and what the user put in their profile: never
email addresses or the names of the account.
"""

from django.urls import reverse

from . import permissions

REPLY_PREVIEW_CHARS = 200


def user_payload(user):
    """A user wherever one is named (a sender, a reactor, a peer): their id and username, and
    their display name and avatar when they have them. Those two are on the user row loaded
    with the message or membership (accounts.User), so they cost no query; a key is left out
    when empty, so a user without a profile costs no byte more than before."""
    if user is None:
        return None
    data = {"id": user.pk, "username": user.get_username()}
    if user.is_bot:
        # Only bots carry the mark, so no other payload grows by it.
        data["is_bot"] = True
    if user.display_name:
        data["display_name"] = user.display_name
    if user.avatar:
        data["avatar_url"] = avatar_url(user)
    return data


def profile_payload(user):
    """A user as their profile shows them (session.hello's user, members, user.updated): the
    user payload, and their status and time zone when they have them."""
    data = user_payload(user)
    if user.status_text:
        data["status"] = user.status_text
    if user.status_emoji:
        data["status_emoji"] = user.status_emoji
    if user.time_zone:
        data["time_zone"] = user.time_zone
    return data


def avatar_url(user):
    """The site's URL of the user's avatar: it names the stored file, so a new avatar is a new
    URL and browsers may keep each one (chat.views_profile.avatar_file)."""
    key = user.avatar.rpartition("/")[2].partition(".")[0]
    return reverse("chat:avatar", args=[user.pk, key])


def bot_payload(bot):
    """A bot as its room's admins see it (bot.create, bot.list, bot.revoke): never its token
    (shown once, by bot.create alone), only the prefix that names it."""
    return {
        "id": bot.pk,
        "user": user_payload(bot.user),
        "room_id": bot.room_id,
        "token_prefix": bot.token_prefix,
        "created_by": user_payload(bot.created_by),
        "created_at": bot.created_at.isoformat(),
        "last_used_at": bot.last_used_at.isoformat() if bot.last_used_at else None,
        "revoked": bot.revoked_at is not None,
    }


def settings_payload(user):
    """The user's chat settings (session.hello, settings.update)."""
    return {
        "read_receipts": user.read_receipts,
        "email_digests": user.email_digests,
        "push_notifications": user.push_notifications,
    }


def room_payload(
    room, *, membership=None, peer=None, joined=None, member_count=None, members=None, cursor=None
):
    """Return a room as clients receive it: every key of it is written here, and no other
    code adds one. The optional parts are there only when given: ``membership``, the user's
    own place in the room; ``peer``, a direct room's other participant; ``joined``, whether
    the user is a member (room.discover); ``member_count``; ``members``, the first page of
    memberships (users loaded), with ``cursor``, room.members' cursor of the next page
    (None: that was all). chat.selectors.members gathers the members for room payloads."""
    data = {
        "id": room.pk,
        "kind": room.kind,
        "name": room.name,
        "description": room.description,
        "is_public": room.is_public,
        "posting_locked": room.posting_locked,
        "max_members": room.max_members,
        "post_roles": permissions.post_roles(room),
        "created_at": room.created_at.isoformat(),
        "last_seq": room.last_seq,
        "last_rev": room.last_rev,
        "last_activity_at": (room.last_activity_at.isoformat() if room.last_activity_at else None),
    }
    if members is not None:
        data["members"] = [member_payload(m) for m in members]
        data["members_cursor"] = cursor
    if member_count is not None:
        data["member_count"] = member_count
    if membership is not None:
        data.update(own_place(room, membership))
    if peer is not None:
        data["peer"] = user_payload(peer)
    if joined is not None:
        data["joined"] = joined
    return data


def own_place(room, membership):
    """The user's own part of a room payload: their role, mute and read position."""
    return {
        "role": membership.role,
        "muted": membership.muted,
        "last_read_seq": membership.last_read_seq,
        "unread": max(room.last_seq - membership.last_read_seq, 0),
        "mentions": membership.unread_mentions,
    }


def member_payload(membership):
    return {**profile_payload(membership.user), "role": membership.role}


def message_payload(message, *, reactions=(), reply_to=None, attachments=()):
    """Return a message; deleted messages keep their place (seq) but show no content."""
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "room_id": message.room_id,
        "seq": message.seq,
        "sender": user_payload(message.sender),
        "content": "" if deleted else message.content,
        # Sanitized when stored (chat.formatting): clients show it as it is.
        "html": "" if deleted else message.content_html,
        "created_at": message.created_at.isoformat(),
        "client_msg_id": message.client_msg_id,
        "reply_to": reply_preview(reply_to) if reply_to is not None else None,
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": deleted,
        "rev": message.rev,
        "reactions": [] if deleted else list(reactions),
        "attachments": [] if deleted else [attachment_payload(a) for a in attachments],
        "forwarded_from": forward_reference(message),
        "thread_root_id": message.thread_root_id,
        "also_to_room": message.also_to_room,
        "thread": thread_summary(message),
    }


# The root's columns thread_summary() reads.
THREAD_SUMMARY_FIELDS = (
    "thread_reply_count",
    "thread_last_reply_at",
    "thread_participant_ids",
    "thread_participant_count",
)


def thread_summary(message):
    """A root's thread as the room shows it (null until its first reply): how many replies,
    when the last came, and who replied (the first few ids, and how many in all)."""
    if not message.thread_reply_count:
        return None
    return {
        "reply_count": message.thread_reply_count,
        "last_reply_at": message.thread_last_reply_at.isoformat(),
        "participant_ids": list(message.thread_participant_ids),
        "participant_count": message.thread_participant_count,
    }


def forward_reference(message):
    """Where a forwarded copy came from: {"room_id", "seq"}, which only readers of that room
    can follow (room.messages); null for other messages, or once the original is gone."""
    if message.forwarded_from_id is None:
        return None
    original = message.forwarded_from
    return {"room_id": original.room_id, "seq": original.seq}


def attachment_payload(attachment):
    """Return an attachment. Its URLs are the site's own: each fetch checks membership again.

    ``inline`` says whether the file is shown in the page (re-encoded images) or only
    downloaded (everything else).
    """
    url = reverse("chat:attachment", args=[attachment.pk])
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
        "sha256": attachment.sha256,
        "width": attachment.width,
        "height": attachment.height,
        "inline": attachment.is_image,
        "url": url,
        "thumbnail_url": f"{url}thumbnail/" if attachment.is_image else None,
    }


def reply_preview(message):
    deleted = message.deleted_at is not None
    return {
        "id": message.pk,
        "seq": message.seq,
        "sender": user_payload(message.sender),
        "content": "" if deleted else message.content[:REPLY_PREVIEW_CHARS],
        "deleted": deleted,
    }


def reaction_payload(emoji, count, users, me=None):
    """One emoji on a message: how many reacted, the first few of them (user payloads, from
    chat.selectors.reactions), and, in a payload made for one reader, whether they did."""
    data = {"emoji": emoji, "count": count, "users": users}
    if me is not None:
        data["me"] = me
    return data


def report_payload(report):
    """Return a report as a room's admins see it: who reported what, and why."""
    return {
        "id": report.pk,
        "message": message_payload(report.message),
        "reporter": user_payload(report.reporter),
        "reason": report.reason,
        "created_at": report.created_at.isoformat(),
    }


def invitation_payload(invitation):
    room = invitation.room
    return {
        "id": invitation.pk,
        "room": {"id": room.pk, "kind": room.kind, "name": room.name},
        "invited_by": user_payload(invitation.invited_by) if invitation.invited_by else None,
        "created_at": invitation.created_at.isoformat(),
    }


def ban_payload(ban):
    return {
        "user": user_payload(ban.user),
        "banned_by": user_payload(ban.banned_by),
        "reason": ban.reason,
        "created_at": ban.created_at.isoformat(),
    }
