"""Web Push: notifications that reach a user's browsers while no chat page of theirs is open.

What notifies whom is decided once, in chat.notifications (mentions, replies, thread replies)
and for direct messages by their room; this package only carries it further, to browsers that
subscribed (RFC 8030 push services, VAPID RFC 8292, payloads encrypted per RFC 8291):

- ``subscriptions`` stores a browser's subscription, checked (chat.push.validation) and tied
  to the login session that made it; ``views`` is the page's way in.
- ``hooks`` hears chat.notifications after each commit and hands a job to ``outbox``: one
  bounded queue and one sending thread per process, so no request and no socket waits for a
  push service; ``sender`` does the job's reads and requests there, through ``transport``,
  whose connections go only to the addresses they checked.
- ``visibility`` is session.visibility: a page in view says so on its socket, and its browser
  is not pushed what the page already shows.

Without VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY all of this is off: the hooks are not even
connected (chat.apps), so a message costs push nothing.
"""

from django.conf import settings


def enabled():
    """Whether this deployment sends Web Push (both VAPID keys are set)."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)
