"""The protocol layer's cost per frame: decode + validate a typical message.send.

    python -m bench.protocol_cost

What the socket does to every client frame before any handler runs (chat.protocol), timed
on the frame bench.load sends, best of several repeats so the figure is the machine's own.
bench.run prints it beside the load figures. Works on the protocol before its typed
definition too (protocol.schemas and parse_request), so both can be compared.
"""

import json
import timeit

from chat import protocol

LIMITS = {"MAX_CONTENT_CHARS": 10_000}
MAX_FRAME_BYTES = 64 * 1024
FRAME = json.dumps(
    {
        "event_type": protocol.MESSAGE_SEND,
        "data": {"room_id": 12, "content": "17:4211:1764650000.123456:" + "x" * 64},
        "request_id": "m-4211",
    }
)


def parser():
    """The function the socket applies to a frame's text, in this version of the protocol."""
    if hasattr(protocol, "decoder"):
        decoder = protocol.decoder(LIMITS)
        return lambda text: decoder.read(text, MAX_FRAME_BYTES).parsed()
    schemas = protocol.schemas(LIMITS)
    return lambda text: protocol.parse_request(
        protocol.decode_frame(text, MAX_FRAME_BYTES), schemas
    )


def per_frame_us(number=20_000, repeat=7):
    """Best-of-``repeat`` microseconds to decode and validate FRAME."""
    parse = parser()
    assert parse(FRAME).data["room_id"] == 12
    return min(timeit.repeat(lambda: parse(FRAME), number=number, repeat=repeat)) / number * 1e6


def main():
    print(f"protocol layer: {per_frame_us():.2f} us per message.send frame (decode + validate)")


if __name__ == "__main__":
    main()
