"""A room's payload is written in one place (chat.payloads.room_payload) and is the Room shape.

The selectors that send rooms (room.info and room.create's detail, room.update's summary,
room.list, room.discover) gather what a payload needs and hand it to room_payload; none adds
a key of its own.
"""

import msgspec
import pytest

from chat import payloads, selectors
from chat.events import shapes
from chat.models import Membership
from chat.selectors.members import membership_page
from tests.domain import channel, group

pytestmark = pytest.mark.django_db


def test_room_payload_writes_every_key_of_the_room_shape(alice, bob):
    room = group(alice, bob)
    own = Membership.objects.get(room=room, user=alice)
    memberships, cursor = membership_page(room)
    data = payloads.room_payload(
        room,
        membership=own,
        peer=bob,
        joined=True,
        member_count=2,
        members=memberships,
        cursor=cursor,
    )
    assert set(data) == set(shapes.Room.__struct_fields__)
    msgspec.convert(data, shapes.Room)


def test_every_room_the_selectors_send_is_built_by_room_payload(alice, bob):
    room = channel(alice, bob)
    own = Membership.objects.get(room=room, user=alice)
    built = {
        "detail": (
            selectors.room_detail(room, membership=own),
            payloads.room_payload(
                room,
                membership=own,
                members=membership_page(room)[0],
                cursor=None,
                member_count=2,
            ),
        ),
        "summary": (
            selectors.room_summary(room),
            payloads.room_payload(room, member_count=2),
        ),
        "list": (
            selectors.room_list(user=alice)["rooms"][0],
            payloads.room_payload(room, membership=own),
        ),
        "discover": (
            selectors.public_channels(user=alice)["rooms"][0],
            payloads.room_payload(room, joined=True),
        ),
    }
    for name, (sent, expected) in built.items():
        assert sent == expected, name
        msgspec.convert(sent, shapes.Room)
