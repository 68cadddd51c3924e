"""A user's data export, downloaded from the page in a real Chromium and read back against
docs/export.md: every key it documents, with its type; the user's messages with their rooms'
names, their files, reactions, settings and picture; and nothing of a private room they are
not in."""

import hashlib
import io
import json
import re
import zipfile
from datetime import datetime

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.journeys import check_page
from tests.browser.test_chat_page import seed

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

TIME = "time"  # an ISO 8601 string with its offset
NULLABLE_TIME = "time or null"

# docs/export.md, key by key: the type each documented key has.
SUMMARY = {
    "format": str,
    "version": int,
    "exported_at": TIME,
    "site": str,
    "user": dict,
    "settings": dict,
    "files": dict,
}
USER = {
    "id": int,
    "username": str,
    "display_name": str,
    "status": str,
    "status_emoji": str,
    "time_zone": str,
    "email": str,
    "first_name": str,
    "last_name": str,
    "date_joined": TIME,
    "avatar": str,
}
SETTINGS = {"read_receipts": bool, "email_digests": bool, "push_notifications": bool}
ROOM = {"id": int, "kind": str, "name": str, "role": str, "joined_at": TIME, "muted": bool}
MESSAGE = {
    "id": int,
    "room": dict,
    "seq": int,
    "created_at": TIME,
    "edited_at": NULLABLE_TIME,
    "deleted": bool,
    "content": str,
    "reply_to_id": (int, type(None)),
    "thread_root_id": (int, type(None)),
    "attachments": list,
}
MESSAGE_ROOM = {"id": int, "kind": str, "name": str}
ATTACHMENT = {
    "id": int,
    "name": str,
    "content_type": str,
    "size": int,
    "sha256": str,
    "file": (str, type(None)),
}
REACTION = {"message_id": int, "room_id": int, "emoji": str, "created_at": TIME}
LINE_FILES = ("rooms.jsonl", "messages.jsonl", "reactions.jsonl")

SECRET = ("Secret plans", "the vault code is 4711", "vault.txt", "Hidden by bob")

SETUP = """
import json
from django.core.files.uploadedfile import SimpleUploadedFile
from chat.models import Room
users["carol"].__class__.objects.filter(username="carol").update(
    email="carol@example.com", read_receipts=False
)
services.profile_update(
    user=users["carol"], display_name="Carol Cole", status="Reading",
    status_emoji="📚", time_zone="Europe/Paris",
)
club = services.room_create(
    user=users["carol"], kind="group", name="Book club", members=["bob"]
)["room"]["id"]
direct = services.room_create(user=users["bob"], kind="direct", members=["carol"])["room"]["id"]
secret = services.room_create(
    user=users["bob"], kind="group", name="Secret plans", members=["alice"]
)["room"]["id"]

def upload(user, room, name, data):
    answer = services.attachment_upload(
        user=users[user], room_id=room, upload=SimpleUploadedFile(name, data)
    )
    return answer["attachment"]["id"]

def say(user, room, text, **options):
    return services.message_send(
        user=users[user], room_id=room, content=text, **options
    )["message"]["id"]

first = say("carol", club, "Chapter one **tonight**")
pick = say("bob", club, "Great pick")
say("carol", club, "Here are my notes", attachments=[upload("carol", club, "notes.txt",
    b"carol's notes\\n")])
say("carol", club, "Glad you like it", reply_to=pick)
oops = say("carol", club, "Oops, wrong room")
services.message_delete(user=users["carol"], message_id=oops)
services.message_edit(user=users["carol"], message_id=first, content="Chapter one, 8 pm")
services.message_react(user=users["carol"], message_id=pick, emoji="👍")
say("carol", direct, "See you there")
say("alice", secret, "the vault code is 4711")
vault = say("bob", secret, "Hidden by bob", attachments=[upload("bob", secret, "vault.txt",
    b"top secret\\n")])
services.message_react(user=users["bob"], message_id=vault, emoji="🔒")
print(json.dumps({"club": club, "direct": direct, "secret": secret, "pick": pick}))
"""


def png():
    out = io.BytesIO()
    Image.new("RGB", (120, 120), "navy").save(out, "PNG")
    return out.getvalue()


def assert_shape(row, documented, where):
    """Every documented key is there, with its documented type."""
    missing = set(documented) - set(row)
    assert not missing, f"{where} lacks {sorted(missing)}: {row}"
    for key, kind in documented.items():
        value = row[key]
        if kind in (TIME, NULLABLE_TIME):
            if value is None and kind == NULLABLE_TIME:
                continue
            assert isinstance(value, str), f"{where}.{key}: {value!r}"
            assert datetime.fromisoformat(value).utcoffset() is not None, f"{where}.{key}"
        else:
            assert isinstance(value, kind) and not (kind is int and isinstance(value, bool)), (
                f"{where}.{key}: {value!r} is not {kind}"
            )


def lines(archive, name):
    return [json.loads(line) for line in archive.read(name).decode().splitlines()]


def download_export(page):
    page.get_by_role("button", name="Profile").click()
    dialog = page.get_by_role("dialog", name="Profile")
    page.locator("#profile-avatar-input").set_input_files(
        {"name": "me.png", "mimeType": "image/png", "buffer": png()}
    )
    expect(dialog.get_by_role("status")).to_have_text("Picture saved.")
    check_page(page, "the Profile dialog with Download my data", include="#profile-dialog")
    with page.expect_download() as downloading:
        dialog.get_by_role("link", name="Download my data").click()
    download = downloading.value
    dialog.get_by_role("button", name="Cancel").click()
    check_page(page, "the page after downloading an export")
    assert re.fullmatch(r"chat-export-carol-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    return zipfile.ZipFile(download.path())


def check_summary(archive):
    summary = json.loads(archive.read("export.json"))
    assert_shape(summary, SUMMARY, "export.json")
    assert (summary["format"], summary["version"], summary["site"]) == (
        "chat-export",
        1,
        "Team Chat",
    )
    assert_shape(summary["user"], USER, "export.json user")
    user = summary["user"]
    assert (user["username"], user["display_name"], user["status"]) == (
        "carol",
        "Carol Cole",
        "Reading",
    )
    assert (user["status_emoji"], user["time_zone"]) == ("📚", "Europe/Paris")
    assert (user["email"], user["avatar"]) == ("carol@example.com", "avatar.webp")
    assert summary["settings"] == {
        "read_receipts": False,
        "email_digests": True,
        "push_notifications": True,
    }
    assert set(summary["files"]) == set(LINE_FILES)
    for name in LINE_FILES:
        assert summary["files"][name] == {"lines": len(lines(archive, name))}, name
    with Image.open(io.BytesIO(archive.read("avatar.webp"))) as avatar:
        assert avatar.format == "WEBP"


def check_rooms(archive, ids):
    rooms = lines(archive, "rooms.jsonl")
    for row in rooms:
        assert_shape(row, ROOM, "rooms.jsonl")
        assert row["kind"] in {"direct", "group", "channel"}
        assert row["role"] in {"admin", "member"}
    assert {(r["id"], r["kind"], r["name"]) for r in rooms} == {
        (ids["club"], "group", "Book club"),
        (ids["direct"], "direct", ""),
    }


def check_messages(archive, ids):
    messages = lines(archive, "messages.jsonl")
    for row in messages:
        assert_shape(row, MESSAGE, "messages.jsonl")
        assert_shape(row["room"], MESSAGE_ROOM, "messages.jsonl room")
        for attachment in row["attachments"]:
            assert_shape(attachment, ATTACHMENT, "messages.jsonl attachment")
    assert [m["id"] for m in messages] == sorted(m["id"] for m in messages)  # oldest first
    shown = [(m["room"]["name"], m["content"], m["deleted"]) for m in messages]
    assert shown == [
        ("Book club", "Chapter one, 8 pm", False),
        ("Book club", "Here are my notes", False),
        ("Book club", "Glad you like it", False),
        ("Book club", "", True),
        ("", "See you there", False),
    ]
    assert messages[0]["edited_at"] is not None and messages[2]["reply_to_id"] == ids["pick"]
    assert messages[3]["attachments"] == []
    (notes,) = messages[1]["attachments"]
    data = archive.read(notes["file"])
    assert data == b"carol's notes\n" and notes["name"] == "notes.txt"
    assert (notes["size"], notes["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


def check_reactions(archive, ids):
    (reaction,) = lines(archive, "reactions.jsonl")
    assert_shape(reaction, REACTION, "reactions.jsonl")
    assert (reaction["message_id"], reaction["room_id"], reaction["emoji"]) == (
        ids["pick"],
        ids["club"],
        "👍",
    )


def check_nothing_of_the_secret_room(archive, ids):
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8", errors="replace")
        for secret in SECRET:
            assert secret not in text, (secret, name)
    rows = [row for name in LINE_FILES for row in lines(archive, name)]
    room_ids = {row.get("room_id", row.get("room", {}).get("id", row.get("id"))) for row in rows}
    assert ids["secret"] not in room_ids


def test_a_user_downloads_their_data_and_it_reads_as_documented(pages, chat_server):
    ids = json.loads(seed(chat_server, SETUP).strip().splitlines()[-1])
    carol = pages.login("carol")
    archive = download_export(carol)
    assert set(archive.namelist()) >= {"export.json", "avatar.webp", *LINE_FILES}
    check_summary(archive)
    check_rooms(archive, ids)
    check_messages(archive, ids)
    check_reactions(archive, ids)
    check_nothing_of_the_secret_room(archive, ids)
