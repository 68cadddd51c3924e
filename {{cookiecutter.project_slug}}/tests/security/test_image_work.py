"""What decoding an uploaded image may cost: checked from its headers, one image at a time.

A GIF of a few hundred kilobytes can hold frames that decode to gigabytes. Through the
project's URLs and views (Django's test client, uploads on the test storage): an animation
is refused before it is decoded when its frames together, one of its frames, or their number
pass the limits; an image waits its turn behind the process's image work, and is answered
503 with Retry-After when the wait runs out. The files are made here, flat colours that
compress to a few kilobytes.
"""

import io

import pytest
from django.test import Client
from PIL import Image

from chat import image_work, services
from chat.models import Attachment
from tests.domain import group
from tests.images import gif

pytestmark = pytest.mark.django_db(transaction=True)


def named(data, name):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def post(alice, bob):
    """POST a file to alice's room with bob as alice; return the response."""
    browser = Client()
    browser.force_login(alice)
    room = group(alice, bob)

    def post(data, name="file.gif"):
        return browser.post("/api/attachments/", {"room_id": room.pk, "file": named(data, name)})

    return post


def refused(response, words):
    body = response.json()
    assert (response.status_code, body["error"], body["code"]) == (400, "invalid_upload", 4220)
    assert words in body["detail"], body
    assert not Attachment.objects.exists()


def test_an_animation_whose_frames_together_pass_the_pixel_limit_is_refused(post):
    # Ten frames of 2 MP: each inside the limits, 20 MP together against the default 16 MP.
    refused(post(gif((2000, 1000), 10)), "all 10 frames together")


def test_an_animation_with_a_frame_above_its_share_is_refused(post):
    # Two frames of 3 MP: 6 MP together, but each frame above an eighth of the limit.
    refused(post(gif((3000, 1000), 2)), "2000000 pixels a frame")


def test_an_animation_of_too_many_frames_is_refused(post, settings):
    settings.CHAT = {**settings.CHAT, "ATTACHMENT_MAX_FRAMES": 5}
    refused(post(gif((20, 20), 6)), "5 frames")


def test_an_animation_within_the_limits_keeps_its_frames(post):
    response = post(gif((300, 200), 12))
    assert response.status_code == 201, response.content
    with services.attachment_storage().open(Attachment.objects.get().stored_name) as file:
        image = Image.open(file)
        assert (image.format, image.n_frames, image.size) == ("GIF", 12, (300, 200))


def test_an_image_waits_its_turn_and_is_answered_503_when_the_wait_runs_out(post, settings):
    settings.CHAT = {**settings.CHAT, "ATTACHMENT_IMAGE_WORKERS": 1, "ATTACHMENT_IMAGE_WAIT": 0.2}
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "green").save(png, "PNG")
    with image_work.turn(settings.CHAT):  # the process's one slot, as another upload holds it
        busy = post(png.getvalue(), "a.png")
        # Files that are not images are never decoded, and do not wait.
        assert post(b"plain words\n", "notes.txt").status_code == 201
    body = busy.json()
    assert (busy.status_code, body["error"], body["code"]) == (503, "server_busy", 5030)
    assert busy["Retry-After"] == "1"
    assert Attachment.objects.get().content_type == "text/plain"
    assert post(png.getvalue(), "a.png").status_code == 201
