"""Avatars: an uploaded picture made into a small square, and where it is stored.

An avatar is checked as an image attachment is (chat.uploads: the bytes decide, only the
allowed formats are decoded, the pixels and frames are checked from the headers before
decoding, a process decodes a few images at a time, chat.image_work) and is then never
kept as sent: its centre square is scaled to CHAT["AVATAR_SIZE"] pixels a side and written
as a WebP, so no EXIF (a phone's GPS position), no comment and nothing hidden after the
picture survives, and every avatar served is a few kilobytes whatever was uploaded. An
animation keeps its first frame.

The file lives in the attachments' storage (a folder on disk, or the bucket), under a new
name each time, so its URL (chat.payloads.avatar_url) changes with it and browsers may keep
each one.
"""

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from . import exceptions, image_work, uploads


def square_webp(upload, *, limits):
    """Return the WebP bytes of the upload's avatar, or raise the ChatError that says why."""
    image = uploads.open_image(upload, limits)
    if image is None:
        raise exceptions.UnsupportedTypeError("An avatar must be a JPEG, PNG, GIF or WebP image.")
    size = limits["AVATAR_SIZE"]
    with image_work.turn(limits):
        picture = uploads.loaded(image)
        # Turned as its EXIF orientation says, since the EXIF itself is not kept.
        ImageOps.exif_transpose(picture, in_place=True)
        mode = "RGBA" if "A" in picture.getbands() or "transparency" in picture.info else "RGB"
        if picture.mode != mode:
            picture = picture.convert(mode)
        square = ImageOps.fit(picture, (size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85)
    return out.getvalue()


def new_name(user_id):
    """A storage name no avatar had before: its last part is the key in the avatar's URL."""
    return f"avatars/{user_id}/{uuid.uuid4().hex[:16]}.webp"


def content(data):
    return ContentFile(data)
