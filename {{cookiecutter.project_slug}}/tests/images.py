"""Images the tests and the image benchmark make for themselves (nothing of the kind is shipped)."""

import io

from PIL import Image, ImageDraw

# Black, red and green: the frames alternate black and red, each with a green mark.
PALETTE = [0, 0, 0, 255, 0, 0, 0, 255, 0]


def gif(size, frames):
    """An animation of flat frames, each marked apart so that none is merged away: a few KiB
    on disk however many pixels it decodes to."""
    images = []
    for index in range(frames):
        frame = Image.new("P", size, index % 2)
        frame.putpalette(PALETTE)
        ImageDraw.Draw(frame).rectangle((index, index, index + 4, index + 4), fill=2)
        images.append(frame)
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return out.getvalue()
