"""Attachments end to end: a running Uvicorn, real HTTP uploads and fetches, real WebSockets.

Every test runs twice: on local disk storage and on a bucket in a real S3-compatible server
(moto's standalone server on loopback, testservers/s3.py), where fetches are redirects to
presigned URLs that the test follows with a plain HTTP client as a browser would.
"""

import asyncio
import hashlib
import io
import json
import socket
import urllib.error
import urllib.request
import uuid

import pytest
from PIL import Image

from tests.clients import connect_websocket, fetch_token, multipart
from tests.helpers import start_service
from testservers.live import LiveServer, base_env, create_users, run_django
from testservers.s3 import S3Server

pytestmark = [pytest.mark.timeout(120)]

PASSWORD = "pw-for-tests"
USERS = ("alice", "bob", "carol")
PDF = b"%PDF-1.7\n" + b"<< /Type /Catalog >>\n" * 50


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def jpeg(size=(400, 300)):
    exif = Image.Exif()
    exif.get_ifd(0x8825)[2] = (52.0, 22.0, 1.0)  # a GPS latitude
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    server = start_service(lambda: S3Server(tmp_path_factory.mktemp("s3")))
    with server:
        yield server


@pytest.fixture(scope="module", params=["local", "s3"])
def server(request, tmp_path_factory, redis_server):
    workdir = tmp_path_factory.mktemp(f"attachments-{request.param}")
    s3 = request.getfixturevalue("s3_server") if request.param == "s3" else None
    storage_env = s3.env() if s3 else {"MEDIA_ROOT": str(workdir / "media")}
    env = base_env(
        workdir,
        REDIS_URL=redis_server.url,
        CHANNEL_LAYER_PREFIX=f"a{uuid.uuid4().hex[:8]}",
        CHAT_ATTACHMENT_MAX_BYTES=200_000,
        **storage_env,
    )
    live = LiveServer(workdir, env)
    create_users(env, *USERS, password=PASSWORD)
    live.kind, live.s3 = request.param, s3
    with live:
        live.tokens = {name: fetch_token(live.url, name, PASSWORD) for name in USERS}
        yield live


def http(method, url, token=None, body=None, content_type=None):
    """Return (status, headers, body) of one request, following no redirect."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with OPENER.open(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def upload(server, user, room_id, filename, data, declared="application/octet-stream"):
    body, content_type = multipart({"room_id": room_id}, {"file": (filename, declared, data)})
    status, _, answer = http(
        "POST", f"{server.url}/api/attachments/", server.tokens[user], body, content_type
    )
    return status, json.loads(answer)


def fetch(server, user, path):
    """GET an attachment URL as ``user``; follow a bucket redirect with no credentials."""
    status, headers, body = http("GET", f"{server.url}{path}", server.tokens.get(user))
    if status == 302:
        assert server.kind == "s3"
        location = headers["Location"]
        assert location.startswith("http://127.0.0.1:") and "Signature" in location
        assert headers["Cache-Control"].startswith("private")
        status, headers, body = http("GET", location)
    return status, headers, body


def make_group(server, *members):
    code = f"""
        from django.contrib.auth import get_user_model
        from chat import services
        alice = get_user_model().objects.get(username="alice")
        members = {list(members)!r}
        room = services.room_create(user=alice, kind="group", name="Files", members=members)
        print(room["room"]["id"])
    """
    return int(run_django(server.env, code).strip())


async def send_with(server, room_id, ids, user="alice"):
    client = await connect_websocket(server.ws_url, token=server.tokens[user])
    try:
        data = {"room_id": room_id, "content": "files", "attachments": ids}
        return await client.request("message.send", data)
    finally:
        await client.close()


async def test_an_image_is_sent_seen_by_members_and_hidden_from_others(server):
    room_id = make_group(server, "bob")
    status, answer = upload(server, "alice", room_id, "me.jpg", jpeg(), declared="image/gif")
    assert status == 201, answer
    attachment = answer["attachment"]
    assert (attachment["content_type"], attachment["inline"]) == ("image/jpeg", True)
    bob = await connect_websocket(server.ws_url, token=server.tokens["bob"])
    try:
        reply = await send_with(server, room_id, [attachment["id"]])
        assert reply["event_type"] == "message.send", reply
        pushed = await bob.expect("message.new")
        assert pushed["message"]["attachments"] == [attachment]
    finally:
        await bob.close()
    status, headers, body = await asyncio.to_thread(fetch, server, "bob", attachment["url"])
    assert status == 200 and hashlib.sha256(body).hexdigest() == attachment["sha256"]
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Disposition"].startswith("inline")
    assert dict(Image.open(io.BytesIO(body)).getexif()) == {}  # no GPS left
    status, headers, thumb = await asyncio.to_thread(
        fetch, server, "bob", attachment["thumbnail_url"]
    )
    assert status == 200 and Image.open(io.BytesIO(thumb)).format == "WEBP"
    for who in ("carol", None):  # not a member; not signed in at all
        status, _, _ = http("GET", f"{server.url}{attachment['url']}", server.tokens.get(who))
        assert status in (401, 404), (who, status)


def test_a_phones_multi_picture_jpeg_uploads_as_a_jpeg(server):
    out = io.BytesIO()
    pictures = [Image.new("RGB", (40, 30), colour) for colour in ("red", "blue")]
    pictures[0].save(out, "MPO", save_all=True, append_images=pictures[1:])
    status, answer = upload(server, "alice", make_group(server), "IMG_1.JPG", out.getvalue())
    assert status == 201, answer
    assert answer["attachment"]["content_type"] == "image/jpeg"
    _, _, body = fetch(server, "alice", answer["attachment"]["url"])
    assert Image.open(io.BytesIO(body)).format == "JPEG"


async def test_a_pdf_downloads_and_never_renders_inline(server):
    room_id = make_group(server, "bob")
    status, answer = upload(server, "alice", room_id, "plan.png", PDF, declared="image/png")
    assert status == 201, answer
    attachment = answer["attachment"]
    assert (attachment["content_type"], attachment["name"]) == ("application/pdf", "plan.pdf")
    await send_with(server, room_id, [attachment["id"]])
    status, headers, body = await asyncio.to_thread(fetch, server, "bob", attachment["url"])
    assert status == 200 and body == PDF
    assert headers["Content-Disposition"].startswith("attachment")
    assert 'filename="plan.pdf"' in headers["Content-Disposition"]
    assert headers["Content-Type"] == "application/pdf"
    if server.kind == "local":
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in headers["Content-Security-Policy"]


async def test_a_removed_members_links_stop_working(server):
    room_id = make_group(server, "bob")
    _, answer = upload(server, "alice", room_id, "notes.txt", b"plain words\n")
    url = answer["attachment"]["url"]
    await send_with(server, room_id, [answer["attachment"]["id"]])
    assert http("GET", f"{server.url}{url}", server.tokens["bob"])[0] in (200, 302)
    run_django(
        server.env,
        f"""
        from django.contrib.auth import get_user_model
        from chat import services
        alice = get_user_model().objects.get(username="alice")
        services.room_remove_members(user=alice, room_id={room_id}, members=["bob"])
        """,
    )
    assert http("GET", f"{server.url}{url}", server.tokens["bob"])[0] == 404


@pytest.mark.parametrize(
    ("filename", "data", "status", "error"),
    [
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, 415, "unsupported_type"),
        ("big.txt", b"a" * 200_001, 413, "upload_too_large"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\xff" * 100, 415, "unsupported_type"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_error(server, filename, data, status, error):
    room_id = make_group(server)
    answer_status, answer = upload(server, "alice", room_id, filename, data)
    assert (answer_status, answer["error"]) == (status, error), answer


def test_uploads_into_a_room_one_may_not_see_and_without_credentials_are_refused(server):
    room_id = make_group(server, "bob")
    assert upload(server, "carol", room_id, "a.txt", b"hi\n")[0] == 404
    body, content_type = multipart({"room_id": room_id}, {"file": ("a.txt", "text/plain", b"x")})
    assert http("POST", f"{server.url}/api/attachments/", None, body, content_type)[0] in (
        401, 403,
    )  # fmt: skip
    bad = "not-a-token"
    assert http("POST", f"{server.url}/api/attachments/", bad, body, content_type)[0] == 401
    assert upload(server, "alice", "x1", "a.txt", b"hi\n")[1]["error"] == "invalid_payload"


def test_an_oversized_upload_is_refused_before_its_body_is_sent(server):
    """Only the headers go out: the 413 must come back while the body is still unsent."""
    token = server.tokens["alice"]
    head = (
        "POST /api/attachments/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\n"
        f"Content-Length: {50 * 1024 * 1024}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.encode())
        answer = b""
        while chunk := sock.recv(4096):  # the server closes the connection after answering
            answer += chunk
        answer = answer.decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "upload_too_large" in answer


async def test_attachments_of_others_or_other_rooms_are_refused_on_the_socket(server):
    room_id, other_room = make_group(server, "bob"), make_group(server, "bob")
    _, bobs = upload(server, "bob", room_id, "b.txt", b"bob's\n")
    _, elsewhere = upload(server, "alice", other_room, "e.txt", b"elsewhere\n")
    _, mine = upload(server, "alice", room_id, "m.txt", b"mine\n")
    client = await connect_websocket(server.ws_url, token=server.tokens["alice"])
    try:
        for foreign in (bobs, elsewhere):
            ids = [mine["attachment"]["id"], foreign["attachment"]["id"]]
            data = {"room_id": room_id, "content": "x", "attachments": ids}
            error = await client.request("message.send", data)
            assert error["event_type"] == "error" and error["data"]["code"] == 4043, error
        too_many = {"room_id": room_id, "content": "x", "attachments": list(range(1, 12))}
        refused = await client.request("message.send", too_many, hostile=True)
        assert refused["data"]["code"] == 4004
        # The socket and the upload survive: the same upload is then sent.
        ok = {"room_id": room_id, "content": "x", "attachments": [mine["attachment"]["id"]]}
        sent = await client.ok("message.send", ok)
        assert sent["message"]["seq"] == 1
    finally:
        await client.close()


async def test_deleting_the_message_deletes_the_stored_files(server):
    room_id = make_group(server, "bob")
    _, answer = upload(server, "alice", room_id, "pic.jpg", jpeg())
    attachment = answer["attachment"]
    client = await connect_websocket(server.ws_url, token=server.tokens["alice"])
    try:
        data = {"room_id": room_id, "content": "x", "attachments": [attachment["id"]]}
        sent = await client.ok("message.send", data)
        if server.kind == "s3":
            assert any(key.startswith(f"attachments/{room_id}/") for key in server.s3.object_keys())
        await client.ok("message.delete", {"message_id": sent["message"]["id"]})
    finally:
        await client.close()
    assert http("GET", f"{server.url}{attachment['url']}", server.tokens["alice"])[0] == 404
    if server.kind == "s3":
        assert not any(k.startswith(f"attachments/{room_id}/") for k in server.s3.object_keys())
    else:
        media = server.workdir / "media" / "attachments" / str(room_id)
        assert media.is_dir() and not any(path.is_file() for path in media.rglob("*"))
