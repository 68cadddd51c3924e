"""What an uploaded file is, decided from its bytes, and the form it is stored in.

The client's file name and declared content type are never believed: a file is an image only
if Pillow decodes it as one of the allowed formats, a PDF only if it starts as one, text only
if it is UTF-8 without control characters. Images are decoded and encoded again, which drops
EXIF (GPS positions included) and anything hidden after the picture, and get a thumbnail;
everything else is stored byte for byte and served only as a download.

Decoding is what an image costs the server, and a small file can decode to gigabytes: the
pixels (every frame of an animation counted) and frames are checked from the headers before
anything is decoded, a process decodes a few images at a time (chat.image_work), and
neither the orientation nor the thumbnail makes a second full-size copy.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.utils.text import get_valid_filename
from PIL import Image, ImageOps, UnidentifiedImageError

from . import exceptions, image_work

# Pillow's format name -> (content type, extension). Only these are decoded at all.
IMAGE_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
# Formats stored as another: a phone's multi-picture JPEG (MPO: the photo, then depth maps or
# previews) is a JPEG to everyone who opens it, and is stored as its first picture.
STORED_AS = {"MPO": "JPEG"}
# An animation's frames may each have this share of CHAT["ATTACHMENT_MAX_PIXELS"] at most.
# Writing one again holds several full-colour copies of the frame in hand: measured with
# bench/image_memory.py, frames of 2 MP peak about as high as a 16 MP still.
ANIMATION_FRAME_SHARE = 8
EXTENSIONS = {"application/pdf": "pdf", "text/plain": "txt", "application/octet-stream": "bin"}
# How much of a file decides whether it is text: enough to see binary, little to read.
TEXT_SNIFF_BYTES = 64 * 1024
NAME_MAX_CHARS = 150


@dataclass
class Stored:
    """A file ready to store: its bytes and what was learnt about them."""

    content: File
    content_type: str
    name: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    thumbnail: ContentFile | None = None


def prepare(upload, *, limits):
    """Return the Stored form of an uploaded file, or raise the ChatError that says why.

    An image is decoded only in its turn (chat.image_work): ServerBusyError if that does not
    come within CHAT["ATTACHMENT_IMAGE_WAIT"] seconds.
    """
    image = open_image(upload, limits)
    if image is not None:
        with image_work.turn(limits):
            return _reencoded(loaded(image), upload.name, limits)
    content_type = sniff(upload)
    if content_type not in limits["ATTACHMENT_TYPES"]:
        raise exceptions.UnsupportedTypeError(
            f"Files of this kind ({content_type}) cannot be attached."
        )
    return Stored(
        content=upload,
        content_type=content_type,
        name=display_name(upload.name, EXTENSIONS[content_type]),
        size=upload.size,
        sha256=_sha256(upload),
    )


def sniff(upload):
    """Return the content type of a file that is not an image, from its first bytes."""
    upload.seek(0)
    head = upload.read(TEXT_SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if _is_text(head, truncated=upload.size > len(head)):
        return "text/plain"
    return "application/octet-stream"


def _is_text(head, *, truncated):
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A character cut in two at the end of the sniffed part is still text.
        if not truncated or error.start < len(head) - 3:
            return False
        decoded = head[: error.start].decode("utf-8")
    return bool(decoded) and not any(ch < " " and ch not in "\t\n\r\f" for ch in decoded)


def open_image(upload, limits):
    """Return the image, not decoded yet, if the bytes are an allowed image format, else None.

    Only its headers are read here: what decoding it would cost is checked before it is
    decoded.
    """
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=list(IMAGE_FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        upload.seek(0)
        return None
    if IMAGE_FORMATS[stored := _stored_format(image)][0] not in limits["ATTACHMENT_TYPES"]:
        raise exceptions.UnsupportedTypeError(f"{stored} images cannot be attached.")
    _check_cost(image, _decoded_frames(image), limits)
    return image


def _decoded_frames(image):
    """How many frames re-encoding decodes: every frame of a GIF, the first of anything else.

    Counting a GIF's frames reads past their data without decoding it.
    """
    if _stored_format(image) != "GIF":
        return 1
    try:
        return image.n_frames
    except (OSError, SyntaxError, ValueError, EOFError):
        raise exceptions.InvalidUploadError("The image is damaged and cannot be read.") from None


def _check_cost(image, frames, limits):
    """Refuse an image whose decoding would cost more than the limits allow.

    An animation's frames are all decoded, each at the full size of the picture, and all
    held until they are written again: its pixels count together. Each of its frames is
    also held to a share of the limit (ANIMATION_FRAME_SHARE), for the copies of the frame
    in hand while it is written.
    """
    pixels, max_pixels = image.width * image.height, limits["ATTACHMENT_MAX_PIXELS"]
    if frames > limits["ATTACHMENT_MAX_FRAMES"]:
        raise exceptions.InvalidUploadError(
            f"Animations are limited to {limits['ATTACHMENT_MAX_FRAMES']} frames."
        )
    if frames > 1 and pixels > max_pixels // ANIMATION_FRAME_SHARE:
        raise exceptions.InvalidUploadError(
            f"Animations are limited to {max_pixels // ANIMATION_FRAME_SHARE} pixels a frame."
        )
    if pixels * frames > max_pixels:
        together = f", all {frames} frames together" if frames > 1 else ""
        raise exceptions.InvalidUploadError(f"Images are limited to {max_pixels} pixels{together}.")


def loaded(image):
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise exceptions.InvalidUploadError("The image is damaged and cannot be read.") from None
    return image


def _reencoded(image, upload_name, limits):
    """Encode the image again, without its metadata, and make its thumbnail."""
    image_format = _stored_format(image)
    content_type, extension = IMAGE_FORMATS[image_format]
    out = io.BytesIO()
    if image_format == "GIF":
        # Frames are kept (an animation stays one); comments and extensions are not.
        image.save(out, "GIF", save_all=True)
        image.seek(0)
        picture = image
    else:
        # Turn the picture as its EXIF orientation says, since the EXIF itself is dropped
        # (saving writes none). In place: a copy would hold the pixels twice.
        ImageOps.exif_transpose(image, in_place=True)
        picture = image
        if image_format == "JPEG" and picture.mode not in ("RGB", "L"):
            picture = picture.convert("RGB")
        options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {}
        picture.save(out, image_format, **options)
    data = out.getvalue()
    return Stored(
        content=ContentFile(data),
        content_type=content_type,
        name=display_name(upload_name, extension),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        width=picture.width,
        height=picture.height,
        thumbnail=_thumbnail(picture, limits["ATTACHMENT_THUMBNAIL_SIZE"]),
    )


def _stored_format(image):
    return STORED_AS.get(image.format, image.format)


def _thumbnail(picture, size):
    """A WebP of at most ``size`` pixels a side, made from a copy reduced band by band."""
    mode = "RGBA" if "A" in picture.getbands() or "transparency" in picture.info else "RGB"
    scale = min(1.0, size / max(picture.size))
    box = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    # Reduce to about twice the thumbnail's size, then resample from there (as Pillow's
    # thumbnail() does with its reducing gap of 2).
    factor = max(1, max(picture.size) // (2 * size))
    thumb = _shrunk(picture, factor, mode).resize(box, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80)
    return ContentFile(out.getvalue())


def _shrunk(picture, factor, mode):
    """The picture in ``mode``, ``factor`` times smaller, converted and reduced a band at a time.

    Done on the whole picture, either would hold its pixels a second time: converting makes
    a full copy, and so does reducing RGBA (premultiplied first).
    """
    width, height = picture.size
    shrunk = Image.new(mode, (-(-width // factor), -(-height // factor)))
    rows = factor * 16
    for top in range(0, height, rows):
        band = picture.crop((0, top, width, min(height, top + rows)))
        band = band if band.mode == mode else band.convert(mode)
        shrunk.paste(band.reduce(factor) if factor > 1 else band, (0, top // factor))
    return shrunk


def display_name(upload_name, extension):
    """The name to show and to download under: the upload's, cleaned, with the right extension.

    A file called "photo.png" whose bytes are a PDF is offered as "photo.pdf".
    """
    stem = PurePath((upload_name or "").replace("\\", "/")).stem
    try:
        stem = get_valid_filename(stem)[:NAME_MAX_CHARS]
    except SuspiciousFileOperation:  # a name that cleans to nothing, "." or ".."
        stem = ""
    return f"{stem or 'file'}.{extension}"


def _sha256(upload):
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
