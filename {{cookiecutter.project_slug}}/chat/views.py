"""HTTP views: the token and ticket endpoints for API clients, attachments, the chat page, and
the digest emails' unsubscribe link.

Attachments are uploaded and fetched by the page with its session (uploads with the CSRF
token) and by programs with ``Authorization: Bearer <token>``, the same token as for sockets.
"""

import json

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import access_tokens

from . import digests, exceptions, numbers, ratelimit, selectors, services, text
from .auth import Credential, bearer_token, ticket_issue, token_issue, token_user

# Longer passwords are refused unread: hashing megabytes of password is a denial of service.
PASSWORD_MAX_LENGTH = 4096
USERNAME_MAX_LENGTH = 150


@csrf_exempt  # Credentials travel in the body; no cookie is trusted here.
@require_POST
def token(request):
    """Exchange {"username", "password"}, or a personal access token (``Authorization: Bearer
    chatpat_...``, accounts.access_tokens), for a short-lived WebSocket token.

    A user with a second factor gets 403 for a right password: the password alone must not
    stand in for both factors (allauth's login page likewise asks for the second factor only
    once the password is right). Every failure of the credentials answers the same 401, in
    the same time, whether or not the user exists (the backend hashes the password either
    way); a body that is not two storable strings answers 400 before anything is looked up.
    """
    bearer = bearer_token(request.headers.get("Authorization"))
    if access_tokens.is_access_token(bearer):
        row = access_tokens.find(bearer)
        if row is None:
            return _invalid_token()
        # Naming the access token: revoking it ends this token too (chat.auth).
        value, expires_in = token_issue(row.user, access_token_id=row.pk)
        return JsonResponse({"token": value, "expires_in": expires_in})
    credentials = _credentials(request.body)
    if credentials is None:
        return JsonResponse(
            {"error": "invalid_request", "detail": 'Send {"username": ..., "password": ...}.'},
            status=400,
        )
    user = authenticate(request, **credentials)
    if user is None:
        return JsonResponse(
            {"error": "invalid_credentials", "detail": "Wrong username or password."}, status=401
        )
    if not access_tokens.password_path_allowed(user):
        detail = "Use a personal access token (made at /accounts/tokens/) for this account."
        return JsonResponse({"error": "access_token_required", "detail": detail}, status=403)
    value, expires_in = token_issue(user)
    return JsonResponse({"token": value, "expires_in": expires_in})


@csrf_exempt  # The token travels in the Authorization header; no cookie is trusted here.
@require_POST
def ticket(request):
    """Exchange a token (``Authorization: Bearer <token>``) for a single-use socket ticket.

    For clients that cannot set headers on a WebSocket (browsers): the ticket goes in the
    socket's URL (``?ticket=``), where logs keep it, and is worthless once used or after
    CHAT_TICKET_TTL seconds.
    """
    token = bearer_token(request.headers.get("Authorization"))
    if access_tokens.is_access_token(token):
        row = access_tokens.find(token)
        found = None if row is None else (row.user, _credential_minted_with(row))
    else:
        found = token_user(token=token) if token is not None else None
    if found is None:
        return _invalid_token()
    value, expires_in = ticket_issue(found[1])
    return JsonResponse({"ticket": value, "expires_in": expires_in})


def _credential_minted_with(access_token):
    user = access_token.user
    return Credential(user.pk, user.get_session_auth_hash(), access_token_id=access_token.pk)


def _invalid_token():
    return JsonResponse(
        {"error": "invalid_token", "detail": "Send Authorization: Bearer <token>."}, status=401
    )


def _credentials(body):
    """Return {"username", "password"} from a JSON body, or None if it holds no such pair."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or set(data) != {"username", "password"}:
        return None
    username, password = data["username"], data["password"]
    for value, max_length in ((username, USERNAME_MAX_LENGTH), (password, PASSWORD_MAX_LENGTH)):
        if not isinstance(value, str) or not value or len(value) > max_length:
            return None
        if text.unstorable(value) is not None:
            return None
    return {"username": username, "password": password}


# The HTTP status of each error an upload or a fetch can meet.
HTTP_STATUS = {
    exceptions.InvalidPayloadError: 400,
    exceptions.InvalidUploadError: 400,
    exceptions.ForbiddenError: 403,
    exceptions.RoomNotFoundError: 404,
    exceptions.AttachmentNotFoundError: 404,
    exceptions.UploadTooLargeError: 413,
    exceptions.UnsupportedTypeError: 415,
    exceptions.RateLimitedError: 429,
    exceptions.ServerBusyError: 503,
}
# What a fetched file may do in a browser: nothing (no script, no plugin, no frame).
FILE_CSP = "default-src 'none'; img-src 'self'; sandbox"


def error_response(exc):
    body = {"error": exc.name, "code": exc.code, "detail": exc.detail}
    response = JsonResponse(body, status=HTTP_STATUS.get(type(exc), 500))
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _with_user(view):
    """Run ``view(request, user, ...)`` for a bearer token, or else the session with CSRF.

    A program's request carries its token and no cookie, so it needs no CSRF token; a
    browser's rides on its cookie, so an unsafe one must pass Django's CSRF check.
    """

    def by_session(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _unauthenticated()
        return view(request, request.user, *args, **kwargs)

    checked = csrf_protect(by_session)

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        token = bearer_token(request.headers.get("Authorization"))
        if token is None:
            return checked(request, *args, **kwargs)
        found = token_user(token=token)
        if found is None:
            return _unauthenticated()
        return view(request, found[0], *args, **kwargs)

    return wrapped


def _unauthenticated():
    detail = "Log in, or send Authorization: Bearer <token>."
    return JsonResponse({"error": "not_authenticated", "detail": detail}, status=401)


@require_POST
@_with_user
def attachment_upload(request, user):
    """Store one file (multipart field ``file``) for the room ``room_id``; 201 with its payload.

    A body over the size limit was refused before this view (chat.upload_limit); the parsed
    file is checked again here, then by its bytes (chat.uploads). Uploads per user are
    limited over every process (429 with Retry-After), since each is stored and an image is
    decoded here.
    """
    room_id = numbers.parse_int(request.POST.get("room_id", ""))
    upload = request.FILES.get("file")
    try:
        if upload is None or room_id is None:
            raise exceptions.InvalidPayloadError(
                "Send a file in 'file' and a room id in 'room_id'."
            )
        if not ratelimit.allow_request(user.pk, ratelimit.UPLOAD):
            wait = ratelimit.retry_after(ratelimit.UPLOAD)
            raise exceptions.RateLimitedError("Too many uploads; wait.", retry_after=wait)
        data = services.attachment_upload(user=user, room_id=room_id, upload=upload)
    except exceptions.ChatError as exc:
        return error_response(exc)
    return JsonResponse(data, status=201)


@require_GET
@_with_user
def attachment_file(request, user, attachment_id, thumbnail=False):
    """Send an attachment (or its thumbnail) to a member of its room, checked on every fetch.

    Images are shown inline; every other type only downloads. From a bucket the answer is a
    redirect to a presigned URL valid CHAT["ATTACHMENT_URL_TTL"] seconds; from local storage
    the file itself.
    """
    try:
        attachment = selectors.attachment_for_fetch(user, attachment_id)
        if thumbnail and not attachment.thumbnail_name:
            raise exceptions.AttachmentNotFoundError()
    except exceptions.ChatError as exc:
        return error_response(exc)
    name = attachment.thumbnail_name if thumbnail else attachment.stored_name
    content_type = "image/webp" if thumbnail else attachment.content_type
    disposition = content_disposition_header(not attachment.is_image, attachment.name)
    storage = services.attachment_storage()
    if isinstance(storage, FileSystemStorage):
        response = FileResponse(storage.open(name), content_type=content_type)
        response["Content-Disposition"] = disposition
    else:
        parameters = {
            "ResponseContentType": content_type,
            "ResponseContentDisposition": disposition,
        }
        ttl = settings.CHAT["ATTACHMENT_URL_TTL"]
        response = HttpResponseRedirect(storage.url(name, parameters=parameters, expire=ttl))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    # Kept by this browser only, and asked for again after the presigned URL expires.
    response["Cache-Control"] = f"private, max-age={settings.CHAT['ATTACHMENT_URL_TTL']}"
    return response


@login_required
def index(request):
    """The chat page; its script opens the WebSocket with the session cookie.

    A new user's page opens their first default channel (chat.services.onboarding), not an
    empty pane.
    """
    return render(request, "chat/index.html", {"home_room": services.home_room_id(request.user)})


@login_required
def message_link(request, room_id, seq):
    """A message's link: the chat page, which opens the room at that message.

    Nothing is looked up here: the page is the same for every room and seq, whether the
    message exists or the user may read it; the page asks over its socket, where a room the
    user may not read answers as one that does not exist (docs/protocol.md, room.messages).
    So the link tells nobody anything the URL did not.
    """
    return render(request, "chat/index.html", {"link": {"room_id": room_id, "seq": seq}})


@csrf_exempt  # The signed link is the credential; mail clients POST it with no cookie (RFC 8058).
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request, token):
    """GET asks (scanners open links in emails); POST turns the user's digests off."""
    user = digests.user_of_unsubscribe_token(token)
    if user is None:
        raise Http404("This link is not valid.")
    done = request.method == "POST"
    if done:
        services.settings_update(user=user, email_digests=False)
    return render(request, "chat/unsubscribe.html", {"done": done, "username": user.get_username()})
