"""Attachments in the chat page, in a real Chromium against a real Uvicorn.

Alice drops, pastes and picks files; Bob sees thumbnails and file cards and opens them with
his session; Carol, who is not in the room, is refused the same URLs with hers.
"""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.test_chat_page import choose_action, make_room, message, open_room, send

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

MAKE_FILES = """([name, type, bytes]) => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([new Uint8Array(bytes)], name, { type }));
  return transfer;
}"""


def png(size=(640, 400), color=(200, 80, 20)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def drop(page, name, content_type, data):
    transfer = page.evaluate_handle(MAKE_FILES, [name, content_type, list(data)])
    page.dispatch_event("#room-pane", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("#room-pane", "drop", {"dataTransfer": transfer})


def paste(page, name, content_type, data):
    page.evaluate(
        f"""(args) => {{
          const transfer = ({MAKE_FILES})(args);
          const event = new ClipboardEvent("paste", {{ clipboardData: transfer, bubbles: true }});
          document.querySelector("#composer-input").dispatchEvent(event);
        }}""",
        [name, content_type, list(data)],
    )


def uploaded(page, name):
    chip = page.locator("#uploads .upload", has_text=name)
    expect(chip).to_have_class("upload uploaded")
    return chip


def test_an_image_is_dropped_seen_as_a_thumbnail_and_opened_by_members_only(pages, chat_server):
    make_room(chat_server, "alice", "Photo wall", ["bob"])
    alice, bob, carol = pages.login("alice"), pages.login("bob"), pages.login("carol")
    open_room(alice, "Photo wall")
    open_room(bob, "Photo wall")

    drop(alice, "sunset.png", "image/png", png())
    uploaded(alice, "sunset.png")
    send(alice, "Sunset from the roof")
    expect(alice.locator("#uploads")).to_be_hidden()

    thumbnail = message(bob, "Sunset from the roof").locator(".attachment-image img")
    expect(thumbnail).to_have_attribute("alt", "sunset.png")
    # The thumbnail really loaded (Bob's cookie passed the membership check), at its size.
    bob.wait_for_function(
        "img => img.complete && img.naturalWidth === 320", arg=thumbnail.element_handle()
    )
    link = message(bob, "Sunset from the roof").locator(".attachment-image")
    url = link.get_attribute("href")
    with bob.expect_popup() as opened:
        link.click()
    picture = opened.value
    picture.wait_for_load_state()
    if chat_server.storage == "s3":
        # The site checked Bob's membership, then sent him on to a URL signed for a minute.
        assert picture.url.startswith(f"{chat_server.s3.url}/{chat_server.s3.bucket}/")
        assert "X-Amz-Expires=60" in picture.url
    else:
        assert picture.url == f"{chat_server.url}{url}"
    assert picture.evaluate("document.contentType") == "image/png"

    # Carol, signed in but not a member, gets nothing at the same URLs.
    for path in (url, f"{url}thumbnail/"):
        assert carol.request.get(f"{chat_server.url}{path}").status == 404
    assert bob.request.get(f"{chat_server.url}{url}").status == 200


def test_a_pasted_image_and_a_picked_pdf_are_sent_and_the_pdf_downloads(pages, chat_server):
    make_room(chat_server, "alice", "Paperwork", ["bob"])
    alice, bob = pages.login("alice"), pages.login("bob")
    open_room(alice, "Paperwork")
    open_room(bob, "Paperwork")

    paste(alice, "image.png", "image/png", png(size=(100, 80), color=(10, 120, 40)))
    alice.locator("#file-input").set_input_files(
        files=[{"name": "contract.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    uploaded(alice, "image.png")
    uploaded(alice, "contract.pdf")
    # No text: the message says what the files are.
    alice.locator("#composer-input").press("Enter")

    sent = message(bob, "image.png, contract.pdf")
    expect(sent.locator(".attachment-image img")).to_have_count(1)
    card = sent.locator(".attachment-file")
    expect(card.locator(".attachment-name")).to_have_text("contract.pdf")
    expect(card.locator(".attachment-meta")).to_have_text(f"{len(PDF)} B · application/pdf")

    # Clicking the card downloads the file; it never opens in the page.
    with bob.expect_download() as downloading:
        card.click()
    download = downloading.value
    assert download.suggested_filename == "contract.pdf"
    with open(download.path(), "rb") as file:
        assert file.read() == PDF
    response = bob.request.get(f"{chat_server.url}{card.get_attribute('href')}")
    assert response.headers["content-disposition"].startswith("attachment")
    if chat_server.storage == "local":
        assert response.headers["x-content-type-options"] == "nosniff"
    else:
        # The bucket answers; the disposition it sends is the one the signed URL demands.
        assert response.url.startswith(f"{chat_server.s3.url}/")
        assert "response-content-disposition=attachment" in response.url


def test_a_refused_file_says_why_and_blocks_nothing_else(pages, chat_server):
    make_room(chat_server, "alice", "Tools", ["bob"])
    alice = pages.login("alice")
    open_room(alice, "Tools")
    drop(alice, "setup.exe", "application/x-msdownload", b"MZ\x90\x00" + b"\x00" * 60)
    chip = alice.locator("#uploads .upload", has_text="setup.exe")
    expect(chip.locator(".upload-error")).to_contain_text("cannot be attached")
    chip.get_by_role("button", name="Remove setup.exe").click()
    expect(alice.locator("#uploads")).to_be_hidden()
    send(alice, "Never mind")
    expect(message(alice, "Never mind")).to_be_visible()


def test_a_forwarded_message_shows_as_forwarded_with_its_image(pages, chat_server):
    make_room(chat_server, "alice", "Scouting", ["bob"])
    make_room(chat_server, "alice", "Team news", ["carol"])
    make_room(chat_server, "carol", "Announcements", ["alice"], kind="channel")
    alice, carol = pages.login("alice"), pages.login("carol")
    open_room(alice, "Scouting")
    drop(alice, "map.png", "image/png", png(size=(300, 200)))
    uploaded(alice, "map.png")
    send(alice, "Trail map")
    original = message(alice, "Trail map")
    expect(original.locator(".attachment-image img")).to_be_visible()

    choose_action(original, "Forward")
    dialog = alice.locator("#forward-dialog")
    # Carol's channel is offered to no one but its admins: Alice may not post there.
    expect(dialog.get_by_role("button", name="Forward to Announcements")).to_have_count(0)
    dialog.get_by_role("button", name="Forward to Team news").click()
    expect(dialog).to_be_hidden()
    expect(alice.locator("#notice")).to_contain_text("Forwarded to Team news")
    open_room(carol, "Team news")
    copy = message(carol, "Trail map")
    expect(copy.locator(".msg-forwarded")).to_have_text("forwarded")
    thumbnail = copy.locator(".attachment-image img")
    carol.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
