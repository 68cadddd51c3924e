"""session.visibility: the server learns which browsers have a chat page in view.

A page says so on its socket when it is shown or hidden (and when the socket opens). The
socket's session row keeps the browser session of a page in view, and the push thread skips
that browser's subscriptions (chat.push.sender): one row written per change, one query per
push. A socket opened with a token has no browser session and records nothing; a crashed
page's row stops counting once its last_seen is older than CHAT["PRESENCE_TTL"].
"""

from ..models import ChatSession


def session_visibility(*, channel_name, credential, visible):
    in_view = (credential.session_key or "") if visible else ""
    ChatSession.objects.filter(channel_name=channel_name).update(visible_session=in_view)
    return {"visible": visible}
