"""What the push thread does with a job: find the browsers to push, word the push, send it.

Runs on chat.push.outbox's thread only. A user is pushed when active with push_notifications
on; each of their subscriptions is sent to unless its login session has ended (the row goes:
a logged-out browser hears no more) or a page of that session reports itself in view
(session.visibility: the page shows it already). Mute and blocks were applied by whoever
chose the recipients (chat.notifications, chat.push.hooks).

The push says who did what where and links to the message; the message's text only with
CHAT["PUSH_CONTENT"]. A push service's 404 or 410 means the browser dropped the subscription,
which is deleted, as is one whose name now resolves to an address pushes may not go to. A
429, a 5xx, a refused connection or a timeout drops that one push (logged and counted): the
notification is still in the page and the digest, and retrying would only hold the queue
behind a service that is already struggling.
"""

import functools
import json
import logging
from datetime import timedelta
from email.utils import parseaddr

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid, VapidException, _check_sub
from pywebpush import WebPushException, webpush

from ..models import ChatSession, PushSubscription, Room
from . import sessions, transport, validation
from .outbox import outbox

logger = logging.getLogger(__name__)

ACTIONS = {
    "mention": "mentioned you",
    "reply": "replied to you",
    "thread_reply": "replied in a thread",
    "direct": "sent you a message",
}
BODY_CHARS = 200


def push(notes):
    """Push each of ``notes``: dicts of user_id, kind, room_id, seq, sender and content.

    Users with no subscription, or with push off, cost one query in all.
    """
    subscriptions = list(
        PushSubscription.objects.filter(
            user_id__in={note["user_id"] for note in notes},
            user__is_active=True,
            user__push_notifications=True,
        ).select_related("user")
    )
    if not subscriptions:
        return
    targets = _in_use(subscriptions)
    rooms = {
        pk: (kind, name)
        for pk, kind, name in Room.objects.filter(
            pk__in={note["room_id"] for note in notes if note["user_id"] in targets}
        ).values_list("pk", "kind", "name")
    }
    for note in notes:
        if note["room_id"] not in rooms:
            continue  # nobody to push, or the room was deleted meanwhile
        data = json.dumps(_payload(note, *rooms[note["room_id"]]))
        for subscription in targets.get(note["user_id"], ()):
            _send(subscription, data)


def _in_use(subscriptions):
    """{user id: [subscription]} of live logins with no page in view; drops ended ones."""
    users = {s.user_id: s.user for s in subscriptions}
    live = sessions.live(subscriptions, users)
    ended = [s.pk for s in subscriptions if s not in live]
    if ended:
        PushSubscription.objects.filter(pk__in=ended).delete()
    recent = timezone.now() - timedelta(seconds=settings.CHAT["PRESENCE_TTL"])
    in_view = set(
        ChatSession.objects.filter(user_id__in=users, last_seen__gte=recent)
        .exclude(visible_session="")
        .values_list("visible_session", flat=True)
    )
    targets = {}
    for subscription in live:
        if subscription.session_key not in in_view:
            targets.setdefault(subscription.user_id, []).append(subscription)
    return targets


def _payload(note, room_kind, room_name):
    """The push's JSON: what the service worker shows, and where a click leads."""
    where = "" if room_kind == Room.Kind.DIRECT or not room_name else f" in #{room_name}"
    content = note["content"] if settings.CHAT["PUSH_CONTENT"] else ""
    return {
        "title": f"{note['sender']} {ACTIONS[note['kind']]}{where}",
        "body": content[:BODY_CHARS],
        "kind": note["kind"],
        "room_id": note["room_id"],
        "seq": note["seq"],
        "url": reverse("chat:message", args=[note["room_id"], note["seq"]]),
        "tag": f"chat-{note['room_id']}-{note['seq']}",
    }


def _send(subscription, data):
    try:
        # The endpoint's addresses are checked again as the connection is made, and the
        # connection goes to those (chat.push.transport): its name may resolve elsewhere now.
        webpush(
            subscription.info(),
            data=data,
            vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
            vapid_claims={"sub": subject()},
            timeout=settings.CHAT["PUSH_TIMEOUT"],
            ttl=settings.CHAT["PUSH_TTL"],
            headers={"Urgency": "high"},
            requests_session=_http(),
        )
    except validation.SubscriptionError as refused:
        _gone(subscription, refused.detail)
    except VapidException as wrong:
        _failed(subscription, f"VAPID_SUBJECT or the keys are not usable: {wrong}")
    except WebPushException as refused:
        status = getattr(refused.response, "status_code", None)
        if status in (404, 410):
            _gone(subscription, f"the push service answered {status}")
        else:
            _failed(subscription, f"the push service answered {status}")
    except requests.RequestException as error:
        _failed(subscription, type(error).__name__)
    else:
        outbox.counts["sent"] += 1


def _gone(subscription, why):
    outbox.counts["gone"] += 1
    logger.info("Push subscription %s removed: %s", subscription.pk, why)
    PushSubscription.objects.filter(pk=subscription.pk).delete()


def _failed(subscription, why):
    outbox.counts["failed"] += 1
    logger.warning("Push to subscription %s not sent: %s", subscription.pk, why)


@functools.lru_cache(maxsize=2)
def _vapid(private_key):
    return Vapid.from_string(private_key=private_key)


def subject():
    """The VAPID ``sub`` claim: VAPID_SUBJECT, else an https SITE_URL, else the sender's
    address of the emails. Push services refuse other forms (py_vapid checks them first)."""
    if settings.VAPID_SUBJECT:
        return settings.VAPID_SUBJECT
    if settings.SITE_URL and valid_subject(settings.SITE_URL):
        return settings.SITE_URL
    return f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"


def valid_subject(value):
    """Whether py_vapid signs with ``value`` as ``sub``: its own check, so the two agree."""
    return _check_sub(value)


@functools.cache
def _http():
    """The push thread's HTTP session: connections reused, each made to checked addresses."""
    return transport.session()
