"""HTTP views of profiles: uploading and removing one's avatar, fetching anyone's,
downloading an archive of one's own data (chat.export, docs/export.md), and deleting one's
account (chat.services.account_deletion).

The avatar is uploaded as attachments are (chat.views.attachment_upload): by the page with
its session and CSRF token, or by a program with its bearer token; a body over
CHAT["AVATAR_MAX_BYTES"] is refused before it is read (chat.upload_limit), and the image is
decoded and written again on the request's thread, never on the event loop. The other
profile fields change over the socket (profile.update).

Avatars are shown wherever their user is named, to anyone logged in: a fetch checks only
that the asker is logged in and that the URL names the user's current avatar (an old one
answers 404). Like attachments, they come from local storage through this view, or as a
redirect to a presigned bucket URL.
"""

import json

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.http import FileResponse, HttpResponseRedirect, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.reauth import identity_confirmed

from . import exceptions, export, payloads, ratelimit, services, streaming
from .views import FILE_CSP, PASSWORD_MAX_LENGTH, _with_user, error_response

LOCAL_MAX_AGE = 24 * 60 * 60
# Seconds after which an export refused for a busy process may be asked for again.
EXPORT_RETRY_AFTER = 30


@require_http_methods(["POST", "DELETE"])
@_with_user
def avatar_upload(request, user):
    """POST a picture (multipart field ``file``): it becomes the avatar, 200 with the profile.
    DELETE: the avatar is removed, the page draws initials again."""
    try:
        if not ratelimit.allow_request(user.pk, ratelimit.AVATAR):
            wait = ratelimit.retry_after(ratelimit.AVATAR)
            raise exceptions.RateLimitedError("Too many profile changes; wait.", retry_after=wait)
        if request.method == "DELETE":
            return JsonResponse(services.avatar_remove(user=user))
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.InvalidPayloadError("Send a picture in 'file'.")
        return JsonResponse(services.avatar_set(user=user, upload=upload))
    except exceptions.ChatError as exc:
        return error_response(exc)


@require_GET
@_with_user
def avatar_file(request, user, user_id, key):
    """Send the avatar of ``user_id`` whose URL (chat.payloads.avatar_url) has ``key``."""
    owner = get_user_model().objects.filter(pk=user_id).only("pk", "avatar").first()
    if owner is None or not owner.avatar or payloads.avatar_url(owner) != request.path:
        return error_response(exceptions.AttachmentNotFoundError("No such avatar."))
    storage = services.attachment_storage()
    if isinstance(storage, FileSystemStorage):
        response = FileResponse(storage.open(owner.avatar), content_type="image/webp")
    else:
        parameters = {"ResponseContentType": "image/webp"}
        ttl = settings.CHAT["ATTACHMENT_URL_TTL"]
        response = HttpResponseRedirect(
            storage.url(owner.avatar, parameters=parameters, expire=ttl)
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    # The URL names this very file: the browser keeps it until the presigned URL expires
    # (a bucket) or for a day (local storage, whose answer is the file itself).
    local = isinstance(storage, FileSystemStorage)
    max_age = 24 * 60 * 60 if local else settings.CHAT["ATTACHMENT_URL_TTL"]
    response["Cache-Control"] = f"private, max-age={max_age}"
    return response


@require_GET
@_with_user
def data_export(request, user):
    """The user's own data as a zip archive (docs/export.md), written while it is sent.

    Exports per user are rate limited over every process (429), and a process writes
    CHAT["EXPORT_WORKERS"] archives at once (503 with Retry-After beyond them).
    """
    try:
        if not ratelimit.allow_request(user.pk, ratelimit.EXPORT):
            wait = ratelimit.retry_after(ratelimit.EXPORT)
            raise exceptions.RateLimitedError("Too many exports; wait.", retry_after=wait)
        if not streaming.take_slot(settings.CHAT["EXPORT_WORKERS"]):
            raise exceptions.ServerBusyError(retry_after=EXPORT_RETRY_AFTER)
    except exceptions.ChatError as exc:
        return error_response(exc)
    user_id = user.pk
    content = streaming.Pieces(lambda: export.archive(get_user_model().objects.get(pk=user_id)))
    response = StreamingHttpResponse(content, content_type="application/zip")
    name = f"chat-export-{user.get_username()}-{timezone.now():%Y-%m-%d}.zip"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@_with_user
def account_delete(request, user):
    """Delete the user's account, once they have confirmed who they are (accounts.reauth):
    {"password"}, {"code"} of their authenticator app, or {} after a recent reauthentication.

    Tries cost a token of the profile limit (429), so a session left open cannot be used to
    guess the password. What the deletion does to rooms, messages, files and open sockets is
    chat.services.account_deletion's; the browser session ends here too.
    """
    try:
        if not ratelimit.allow_request(user.pk, ratelimit.ACCOUNT_DELETE):
            wait = ratelimit.retry_after(ratelimit.ACCOUNT_DELETE)
            raise exceptions.RateLimitedError("Too many tries; wait.", retry_after=wait)
        answers = _answers(request.body)
        if not identity_confirmed(request, user, **answers):
            raise exceptions.ForbiddenError(_refusal(answers))
    except exceptions.ChatError as exc:
        return error_response(exc)
    with transaction.atomic():
        get_user_model().objects.get(pk=user.pk).delete()
    if hasattr(request, "session"):
        logout(request)
    return JsonResponse({"deleted": True})


def _refusal(answers):
    """Why the owner was not recognised, by what they sent."""
    if answers["code"]:
        return "That code is not right: use the current one from your authenticator app."
    if answers["password"]:
        return "That is not your password."
    return (
        "Confirm it is you: your password, a code from your authenticator app, or log in "
        "again (through your single sign-on provider) and delete within a few minutes."
    )


def _answers(body):
    """The "password" and "code" of a JSON object body, each "" when missing or not a
    string of a sensible length."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        data = None
    data = data if isinstance(data, dict) else {}
    return {key: _text(data.get(key)) for key in ("password", "code")}


def _text(value):
    if not isinstance(value, str) or len(value) > PASSWORD_MAX_LENGTH:
        return ""
    return value
