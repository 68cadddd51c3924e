"""Avatars and data exports end to end: a running Uvicorn, real HTTP uploads, fetches and
downloads, real WebSockets.

Every test runs on local disk storage and on a bucket in a real S3-compatible server (moto's
standalone server on loopback), as the attachments' tests do.
"""

import asyncio
import hashlib
import io
import json
import uuid
import zipfile

import pytest
from PIL import Image

from tests.clients import connect_websocket, fetch_token, multipart
from tests.integration.test_attachments import (
    PDF,
    fetch,
    http,
    jpeg,
    make_group,
    s3_server,
    send_with,
    upload,
)
from testservers.live import LiveServer, base_env, create_users, run_django

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
USERS = ("alice", "bob", "carol")
AVATAR_MAX_BYTES = 100_000
__all__ = ["s3_server"]


@pytest.fixture(scope="module", params=["local", "s3"])
def server(request, tmp_path_factory, redis_server):
    workdir = tmp_path_factory.mktemp(f"avatars-{request.param}")
    s3 = request.getfixturevalue("s3_server") if request.param == "s3" else None
    storage_env = s3.env() if s3 else {"MEDIA_ROOT": str(workdir / "media")}
    env = base_env(
        workdir,
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=f"v{uuid.uuid4().hex[:8]}",
        CHAT_AVATAR_MAX_BYTES=AVATAR_MAX_BYTES,
        **storage_env,
    )
    live = LiveServer(workdir, env)
    create_users(env, *USERS, password=PASSWORD)
    live.kind, live.s3 = request.param, s3
    with live:
        live.tokens = {name: fetch_token(live.url, name, PASSWORD) for name in USERS}
        yield live


def upload_avatar(server, user, filename, data, declared="image/png"):
    body, content_type = multipart({}, {"file": (filename, declared, data)})
    url = f"{server.url}/api/profile/avatar/"
    status, _, answer = http("POST", url, server.tokens[user], body, content_type)
    return status, json.loads(answer)


def stored(server, name):
    code = f"""
        from chat import services
        print(services.attachment_storage().exists({name!r}))
    """
    return run_django(server.env, code).strip() == "True"


def avatar_name(server, user):
    code = f"""
        from django.contrib.auth import get_user_model
        print(get_user_model().objects.get(username={user!r}).avatar)
    """
    return run_django(server.env, code).strip()


async def test_an_avatar_is_made_square_without_exif_shown_replaced_and_removed(server):
    make_group(server, "bob")
    bob = await connect_websocket(server.ws_url, token=server.tokens["bob"])
    try:
        status, answer = await asyncio.to_thread(
            upload_avatar, server, "alice", "me.gif", jpeg((900, 300)), "image/gif"
        )
        assert status == 200, answer
        url = answer["user"]["avatar_url"]
        told = await bob.expect("user.updated")
        assert told == answer
    finally:
        await bob.close()
    status, headers, body = await asyncio.to_thread(fetch, server, "bob", url)
    assert status == 200 and headers["Content-Type"] == "image/webp"
    picture = Image.open(io.BytesIO(body))
    assert (picture.format, picture.size) == ("WEBP", (256, 256))
    assert dict(picture.getexif()) == {} and "exif" not in picture.info
    first = avatar_name(server, "alice")

    # A new avatar is a new URL; the old URL answers 404 and its file is gone.
    png = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 0, 255, 128)).save(png, "PNG")
    status, answer = upload_avatar(server, "alice", "new.png", png.getvalue())
    assert status == 200 and answer["user"]["avatar_url"] != url
    assert http("GET", f"{server.url}{url}", server.tokens["bob"])[0] == 404
    assert not stored(server, first)
    second = avatar_name(server, "alice")
    assert stored(server, second)

    # Removed: no avatar_url, the file is gone.
    delete = http("DELETE", f"{server.url}/api/profile/avatar/", server.tokens["alice"])
    assert delete[0] == 200 and "avatar_url" not in json.loads(delete[2])["user"]
    assert not stored(server, second)
    new_url = answer["user"]["avatar_url"]
    assert http("GET", f"{server.url}{new_url}", server.tokens["bob"])[0] == 404


def test_avatars_need_a_login_to_upload_and_to_fetch(server):
    status, answer = upload_avatar(server, "carol", "c.jpg", jpeg())
    assert status == 200
    url = f"{server.url}{answer['user']['avatar_url']}"
    assert http("GET", url)[0] == 401
    assert http("GET", url, server.tokens["bob"])[0] in (200, 302)  # any logged-in user
    body, content_type = multipart({}, {"file": ("a.jpg", "image/jpeg", jpeg())})
    anonymous = http("POST", f"{server.url}/api/profile/avatar/", None, body, content_type)
    assert anonymous[0] in (401, 403)


@pytest.mark.parametrize(
    ("filename", "data", "status", "error"),
    [
        ("plan.png", b"%PDF-1.7\n" + b"x" * 100, 415, "unsupported_type"),
        ("notes.jpg", b"plain words\n", 415, "unsupported_type"),
        # Over the limit once parsed; and over it with the framing, refused before reading.
        ("huge.jpg", b"\xff" * (AVATAR_MAX_BYTES + 1), 413, "upload_too_large"),
        ("huger.jpg", b"\xff" * (AVATAR_MAX_BYTES + 20_000), 413, "upload_too_large"),
    ],
)
def test_bad_avatars_are_refused_with_a_clear_error_and_change_nothing(
    server, filename, data, status, error
):
    before = avatar_name(server, "bob")
    answer_status, answer = upload_avatar(server, "bob", filename, data)
    assert (answer_status, answer["error"]) == (status, error), answer
    assert avatar_name(server, "bob") == before


async def test_a_user_downloads_all_their_data_as_one_archive(server):
    room_id = make_group(server, "bob")
    status, answer = upload(server, "alice", room_id, "plan.pdf", PDF)
    assert status == 201, answer
    sent = await send_with(server, room_id, [answer["attachment"]["id"]])
    message_id = sent["data"]["message"]["id"]
    await send_with(server, room_id, [], user="bob")
    alice = await connect_websocket(server.ws_url, token=server.tokens["alice"])
    try:
        await alice.request("message.react", {"message_id": message_id, "emoji": "🎉"})
    finally:
        await alice.close()

    url = f"{server.url}/api/profile/export/"
    status, headers, body = await asyncio.to_thread(http, "GET", url, server.tokens["alice"])
    assert status == 200, body[:200]
    assert headers["Content-Type"] == "application/zip"
    assert headers["Content-Disposition"].startswith('attachment; filename="chat-export-alice-')
    assert "Content-Length" not in headers  # streamed as it is written
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.testzip() is None
        summary = json.loads(archive.read("export.json"))
        messages = [json.loads(line) for line in archive.read("messages.jsonl").splitlines()]
        reactions = [json.loads(line) for line in archive.read("reactions.jsonl").splitlines()]
        mine = next(m for m in messages if m["id"] == message_id)
        pdf = archive.read(mine["attachments"][0]["file"])
    assert summary["user"]["username"] == "alice"
    assert all(m["room"]["name"] == "Files" for m in messages)
    assert hashlib.sha256(pdf).hexdigest() == answer["attachment"]["sha256"]
    assert {"message_id": message_id, "emoji": "🎉"}.items() <= reactions[0].items()
    assert http("GET", url)[0] == 401


def test_exports_are_rate_limited(server):
    url = f"{server.url}/api/profile/export/"
    statuses = [http("GET", url, server.tokens["carol"])[:2] for _ in range(4)]
    assert [status for status, _ in statuses] == [200, 200, 200, 429]  # a burst of 3
    assert int(statuses[-1][1]["Retry-After"]) > 0


def test_a_deleted_accounts_files_leave_the_storage(server):
    create_users(server.env, "dave", password=PASSWORD)
    server.tokens["dave"] = token = fetch_token(server.url, "dave", PASSWORD)
    room_id = make_group(server, "dave")
    assert upload_avatar(server, "dave", "d.jpg", jpeg())[0] == 200
    status, answer = upload(server, "dave", room_id, "notes.txt", b"plain words\n")
    assert status == 201, answer
    names = [avatar_name(server, "dave")]
    names.append(
        run_django(
            server.env,
            f"""
            from chat.models import Attachment
            print(Attachment.objects.get(pk={answer["attachment"]["id"]}).stored_name)
            """,
        ).strip()
    )
    assert all(stored(server, name) for name in names)
    url = f"{server.url}/api/account/delete/"
    wrong = json.dumps({"password": "not-it"}).encode()
    assert http("POST", url, token, wrong, "application/json")[0] == 403
    right = json.dumps({"password": PASSWORD}).encode()
    assert http("POST", url, token, right, "application/json")[0] == 200
    assert not any(stored(server, name) for name in names)
    assert http("GET", f"{server.url}/api/profile/export/", token)[0] == 401
