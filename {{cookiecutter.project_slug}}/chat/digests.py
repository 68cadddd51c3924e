"""Digest emails: what a user missed while away, batched (chat.notifications decides what).

``python manage.py send_chat_digests`` (the scheduler runs it every ten minutes) emails each
user who is due one: something has waited unread for CHAT["DIGEST_QUIET_PERIOD"] seconds
(a notification never emailed, or a direct message newer than their last digest), they are
offline, they have an email address and digests on, and no digest went to them within
CHAT["DIGEST_WINDOW"] seconds. One email lists all of it; what it listed is not listed again.

Each digest carries a signed link that turns digests off (and the List-Unsubscribe headers
mail clients show as a button, RFC 8058). Email goes through Django's mailers: the console
locally, SMTP in production (config/settings.py).
"""

import email.policy
import logging
import re
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from . import formatting, notification_text
from .models import ChatSession, Digest, Membership, Notification, Room
from .selectors import direct_peers, unread_notifications

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "chat.digests.unsubscribe"
LISTED_MAX = 20  # notifications written out in one email; the rest are counted


def send_due(now=None):
    """Send every digest that is due; return [(user id, notifications, direct rooms)]."""
    now = now or timezone.now()
    sent = []
    for user_id in sorted(due_user_ids(now)):
        try:
            result = _send_one(user_id, now)
        except Exception:
            # One failing address or a mail server hiccup must not stop the others; what was
            # not sent stays unmarked and goes out with the next run.
            logger.exception("Could not send the digest of user %s", user_id)
            continue
        if result is not None:
            sent.append((user_id, *result))
    return sent


def due_user_ids(now):
    """Users with something unread for the quiet period, not emailed it yet, and no digest
    within the window; offline, with an address and digests on."""
    chat = settings.CHAT
    quiet_since = now - timedelta(seconds=chat["DIGEST_QUIET_PERIOD"])
    window_start = now - timedelta(seconds=chat["DIGEST_WINDOW"])
    waiting = set(
        Notification.objects.filter(
            read_at__isnull=True, emailed_at__isnull=True, created_at__lte=quiet_since
        ).values_list("user_id", flat=True)
    )
    waiting |= set(_unread_direct(quiet_since).values_list("user_id", flat=True))
    if not waiting:
        return set()
    online_since = now - timedelta(seconds=chat["PRESENCE_TTL"])
    users = (
        get_user_model()
        .objects.filter(pk__in=waiting, is_active=True, email_digests=True)
        .exclude(email="")
        .exclude(pk__in=Digest.objects.filter(sent_at__gt=window_start).values("user_id"))
        .exclude(pk__in=ChatSession.objects.filter(last_seen__gt=online_since).values("user_id"))
    )
    return set(users.values_list("pk", flat=True))


def _unread_direct(quiet_since, user_id=None):
    """Direct memberships with unread messages, quiet since ``quiet_since`` and newer than
    the member's last digest."""
    last_digest = Digest.objects.filter(user_id=OuterRef("user_id")).order_by("-sent_at")
    memberships = Membership.objects.filter(
        room__kind=Room.Kind.DIRECT,
        room__last_seq__gt=F("last_read_seq"),
        room__last_activity_at__lte=quiet_since,
        muted=False,
    )
    if user_id is not None:
        memberships = memberships.filter(user_id=user_id)
    return memberships.annotate(last_digest=Subquery(last_digest.values("sent_at")[:1])).filter(
        Q(last_digest__isnull=True) | Q(room__last_activity_at__gt=F("last_digest"))
    )


def _send_one(user_id, now):
    """Send one user's digest and mark what it listed, unless another run got there first."""
    quiet_since = now - timedelta(seconds=settings.CHAT["DIGEST_QUIET_PERIOD"])
    window_start = now - timedelta(seconds=settings.CHAT["DIGEST_WINDOW"])
    with transaction.atomic():
        # Two runs at once: the second skips a user the first is emailing.
        user = get_user_model().objects.select_for_update(skip_locked=True).filter(pk=user_id)
        user = user.first()
        if user is None or Digest.objects.filter(user=user, sent_at__gt=window_start).exists():
            return None
        notifications = list(
            unread_notifications(user.pk)
            .filter(emailed_at__isnull=True)
            .select_related("message__sender", "room")
            .order_by("pk")
        )
        direct = list(_unread_direct(quiet_since, user.pk).select_related("room"))
        if not notifications and not direct:
            return None
        message = _email(user, notifications, direct)
        message.send()
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(emailed_at=now)
        Digest.objects.create(
            user=user, sent_at=now, notifications=len(notifications), direct_rooms=len(direct)
        )
    return len(notifications), len(direct)


def unsubscribe_token(user):
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_of_unsubscribe_token(token):
    """The user a digest's unsubscribe link was made for, or None for a bad link."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def _email(user, notifications, direct):
    site = settings.SITE_NAME
    chat_url = f"{settings.SITE_URL}{reverse('chat:index')}"
    unsubscribe_url = (
        f"{settings.SITE_URL}{reverse('chat:digest-unsubscribe', args=[unsubscribe_token(user)])}"
    )
    lines = [f"Hello {user.get_username()},", "", f"While you were away from {site}:", ""]
    peers = direct_peers(user, [m.room_id for m in direct])
    for membership in direct:
        peer = peers.get(membership.room_id)
        unread = membership.room.last_seq - membership.last_read_seq
        name = peer.get_username() if peer else "someone"
        lines.append(f"- {unread} unread direct message{'s' * (unread != 1)} from {name}")
    listed = _listed(notifications)
    for notification in listed:
        sender = notification.message.sender
        who = sender.get_username() if sender else None
        title = notification_text.title(notification.kind, who, notification.room)
        text = formatting.plain_text(notification.message.content_html)
        lines.append(f"- {title}: {_excerpt(text)}")
    if len(notifications) > len(listed):
        lines.append(f"- and {len(notifications) - len(listed)} more")
    lines += [
        "",
        f"Open the chat: {chat_url}",
        "",
        f"You get at most one of these every {settings.CHAT['DIGEST_WINDOW'] // 60} minutes."
        f" Stop them: {unsubscribe_url}",
    ]
    count = len(notifications) + len(direct)
    return DigestEmail(
        subject=f"{site}: {count} thing{'s' * (count != 1)} you missed",
        body="\n".join(lines) + "\n",
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


class DigestEmail(EmailMessage):
    """An email whose long headers stay plain text on one line.

    Python folds a header longer than 78 characters without spaces (List-Unsubscribe's URL)
    into RFC 2047 encoded words, which mail clients do not read as a link; RFC 5322 allows
    998 characters per line.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


def _listed(notifications):
    """The notifications an email writes out: LISTED_MAX at most, and no more than
    CHAT["DIGEST_ENTRIES_PER_SENDER"] of any one sender, so nobody fills others' digests."""
    per_sender = settings.CHAT["DIGEST_ENTRIES_PER_SENDER"]
    counts = Counter()
    listed = []
    for notification in notifications:
        counts[notification.message.sender_id] += 1
        if counts[notification.message.sender_id] <= per_sender:
            listed.append(notification)
    return listed[:LISTED_MAX]


# What a mail client would turn into a link: a URL with a scheme, www. or a dotted host name
# ending in letters (example.com, evil.example/path), with whatever path follows.
LINK_LIKE = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://\S+|(?:mailto|javascript|data|tel|sms|file):\S+"
    r"|www\.\S+|(?:[a-z0-9-]+\.)+[a-z]{2,}\b(?:/\S*)?)"
)


def _excerpt(content, length=120):
    """A message's text for an email from the site: one line, short, with no link in it.

    ``content`` is the text of the rendered message (chat.formatting.plain_text): what its
    readers see in the chat, without the formatting's characters and with a link's text in
    place of the link. A web address written as text is still replaced below.

    The email comes from the site's address, so a link in it would carry the site's trust to
    wherever a sender points; the chat, where the sender is shown, has the real text.
    """
    text = LINK_LIKE.sub("[link]", " ".join(content.split()))
    return text if len(text) <= length else text[: length - 1] + "…"
