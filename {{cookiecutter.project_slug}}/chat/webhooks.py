"""Incoming webhooks: ``POST /hooks/<id>`` posts a message into a bot's room as the bot.

The token travels in ``Authorization: Bearer``, never in the URL: routers, proxies and the
server log request lines, so a secret in the path would be kept in every one of them (the
same rule as the socket tokens, README "Security"). The URL names the bot; the header proves
it. No cookie is read (the view is CSRF-exempt for that reason alone, and the session
middleware's user is never looked at), so a page on another site gains nothing by posting
here from a logged-in browser.

The message goes through the one send path (chat.services.message_send): the bot must be a
member allowed to post now, and the text meets a message.send's rules (storable, bidi
overrides removed, at most CHAT["MAX_CONTENT_CHARS"], at most CHAT["MAX_MENTIONS"] people
named), rendered and fanned out like any. Each refusal is a JSON error with its status;
nothing is stored unless the whole message is.

The body is bounded before it is read (config.body_limit, CHAT["WEBHOOK_MAX_BYTES"]); calls
are limited per bot over every process (chat.ratelimit, RATE_LIMITS["webhooks"]); the token
is checked before the limit, so nobody spends a bot's calls but the bot.
"""

import msgspec
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import bots, exceptions, numbers, ratelimit, services
from .auth import bearer_token
from .events import clean
from .events.bots import WebhookPost

_decoder = msgspec.json.Decoder(WebhookPost)
# Webhook refusals beside the ChatErrors views.HTTP_STATUS maps: not a member (any more) is
# 403 here, since the bot's own room is named by its credential, not guessed by the caller.
STATUS = {
    exceptions.InvalidPayloadError: 400,
    exceptions.MalformedJSONError: 400,
    exceptions.ForbiddenError: 403,
    exceptions.RoomNotFoundError: 403,
    exceptions.RateLimitedError: 429,
}


def refusal(status, name, detail, **headers):
    response = JsonResponse({"error": name, "detail": detail}, status=status)
    for header, value in headers.items():
        response[header] = value
    return response


@csrf_exempt  # The token travels in the Authorization header; no cookie is trusted here.
def webhook(request, bot_id):
    """Post ``{"text": ..., "markdown": true|false}`` as the bot; 201 with the message."""
    if request.method != "POST":
        return refusal(405, "method_not_allowed", "Send POST.", Allow="POST")
    bot = _caller(request, bot_id)
    if bot is None:
        detail = "Send Authorization: Bearer <the bot's token>."
        return refusal(401, "invalid_token", detail, **{"WWW-Authenticate": "Bearer"})
    if bot.revoked_at is not None:
        return refusal(401, "token_revoked", "This bot's token was revoked.")
    if request.content_type != "application/json":
        return refusal(415, "unsupported_media_type", "Send Content-Type: application/json.")
    if not ratelimit.allow_request(bot.user_id, ratelimit.WEBHOOK):
        wait = str(ratelimit.retry_after(ratelimit.WEBHOOK))
        return refusal(429, "rate_limited", "Too many calls; wait.", **{"Retry-After": wait})
    try:
        data = services.message_send(user=bot.user, room_id=bot.room_id, content=_text(request))
    except exceptions.ChatError as refused:
        return _refused(refused)
    bots.mark_used(bot)
    return JsonResponse(data, status=201)


def _caller(request, bot_id):
    """The bot whose id the URL names and whose token the header carries, else None."""
    token = bearer_token(request.headers.get("Authorization"))
    bot_id = numbers.parse_int(bot_id)
    if token is None or bot_id is None:
        return None
    return bots.bot_for_token(bot_id, token)


def _text(request):
    """The message's content from the body, cleaned by message.send's rules, or raise."""
    try:
        body = _decoder.decode(request.body)
    except msgspec.ValidationError as invalid:
        raise exceptions.InvalidPayloadError(str(invalid)) from None
    except msgspec.DecodeError:
        # Not JSON, not UTF-8, or text no database can hold (a lone surrogate's escape).
        detail = 'Send a JSON object: {"text": "...", "markdown": true}.'
        raise exceptions.MalformedJSONError(detail) from None
    text = clean.cleaned(body, settings.CHAT)["text"]
    return text if body.markdown is not False else bots.as_typed(text)


def _refused(error):
    status = STATUS.get(type(error), 500)
    if isinstance(error, exceptions.RoomNotFoundError):
        return refusal(403, "not_in_room", "The bot is no longer a member of its room.")
    return refusal(status, error.name, error.detail)
