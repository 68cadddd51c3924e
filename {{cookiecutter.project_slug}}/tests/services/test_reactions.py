"""chat/services/reactions.py and chat/selectors/reactions.py: several emoji per user on a
message, added and removed, within their limits, with counts and the first reactors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import exceptions, protocol, selectors, services
from chat.models import Reaction
from tests.domain import channel, group, send
from tests.published import heads, published, refused, room_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def room(alice, bob):
    return group(alice, bob)


def user(person):
    return {"id": person.pk, "username": person.username}


def on(person, message, emoji, **options):
    """The arguments of message_react for ``person`` reacting to ``message``."""
    return {"user": person, "message_id": message.pk, "emoji": emoji, **options}


def react(person, message, emoji, **options):
    return services.message_react(**on(person, message, emoji, **options))


def test_a_user_adds_several_emoji_and_removes_one(room, alice, bob):
    message = send(alice, room)
    react(bob, message, "👍")
    result, events = published(services.message_react, user=bob, message_id=message.pk, emoji="🎉")
    assert result["message"]["reactions"] == [
        {"emoji": "👍", "count": 1, "users": [user(bob)], "me": True},
        {"emoji": "🎉", "count": 1, "users": [user(bob)], "me": True},
    ]
    assert heads(events) == [room_event(room.pk, protocol.MESSAGE_REACTIONS, "change", "message")]
    # The room's copy is the same for every reader: no "me", but whose change it was.
    assert events[0].data["change"] == {"user": user(bob), "emoji": "🎉", "added": True}
    assert all("me" not in r for r in events[0].data["message"]["reactions"])
    result, events = published(services.message_react, **on(bob, message, "👍", remove=True))
    assert [r["emoji"] for r in result["message"]["reactions"]] == ["🎉"]
    assert events[0].data["change"] == {"user": user(bob), "emoji": "👍", "added": False}
    assert list(Reaction.objects.values_list("user", "emoji")) == [(bob.pk, "🎉")]
    assert result["message"]["rev"] == 3


def test_adding_what_one_has_or_removing_what_one_has_not_changes_nothing(room, alice):
    message = send(alice, room)
    react(alice, message, "👍")
    rev = selectors.message_data(message.pk)["message"]["rev"]
    for options in ({}, {"emoji": "🎉", "remove": True}):
        result, events = published(
            services.message_react, user=alice, message_id=message.pk, **{"emoji": "👍", **options}
        )
        assert events == []
        assert result["message"]["rev"] == rev
    assert Reaction.objects.count() == 1


def test_counts_with_the_first_reactors_and_me_for_the_reader(room, alice, bob, carol):
    services.room_add_members(user=alice, room_id=room.pk, members=["carol"])
    message = send(alice, room)
    react(carol, message, "👍")
    react(alice, message, "🎉")
    react(bob, message, "👍")
    reactions = services.message_react(user=alice, message_id=message.pk, emoji="👍")
    # In the order each emoji was first used, reactors earliest first.
    assert reactions["message"]["reactions"] == [
        {"emoji": "👍", "count": 3, "users": [user(carol), user(bob), user(alice)], "me": True},
        {"emoji": "🎉", "count": 1, "users": [user(alice)], "me": True},
    ]
    page = selectors.room_messages(user=bob, room_id=room.pk)
    assert [r["me"] for r in page["messages"][0]["reactions"]] == [True, False]


def test_a_payload_names_few_reactors_however_many_reacted(make_user, settings, alice):
    settings.CHAT = {**settings.CHAT, "REACTION_USERS_SHOWN": 3}
    crowd = [make_user(f"fan{i}") for i in range(40)]
    room = channel(alice, *crowd)
    message = send(alice, room)
    for fan in crowd:
        react(fan, message, "👍")
    (reaction,) = selectors.message_data(message.pk)["message"]["reactions"]
    assert reaction["count"] == 40
    assert reaction["users"] == [user(fan) for fan in crowd[:3]]
    # A page costs the same few queries whatever its messages' reactions hold.
    with CaptureQueriesContext(connection) as queries:
        selectors.room_messages(user=alice, room_id=room.pk)
    assert len(queries) <= 8


def test_a_user_has_at_most_the_configured_reactions_on_a_message(settings, room, alice, bob):
    settings.CHAT = {**settings.CHAT, "REACTIONS_PER_USER": 2}
    message = send(alice, room)
    react(bob, message, "👍")
    react(bob, message, "🎉")
    error = refused(exceptions.ReactionLimitError, services.message_react, **on(bob, message, "😮"))
    assert (error.code, error.name) == (4091, "too_many_reactions")
    assert "2 reactions" in error.detail
    react(alice, message, "😮")  # the limit is per user
    react(bob, message, "🎉", remove=True)
    react(bob, message, "😮")
    assert Reaction.objects.filter(user=bob).count() == 2


def test_a_message_has_at_most_the_configured_distinct_emoji(settings, room, alice, bob):
    settings.CHAT = {**settings.CHAT, "REACTION_EMOJI_PER_MESSAGE": 2}
    message = send(alice, room)
    react(alice, message, "👍")
    react(alice, message, "🎉")
    error = refused(exceptions.ReactionLimitError, services.message_react, **on(bob, message, "😮"))
    assert "2 different emoji" in error.detail
    react(bob, message, "🎉")  # one already there is always open to others
    assert Reaction.objects.count() == 3


def test_an_outsider_cannot_react_or_learn_the_message_exists(room, alice, carol):
    message = send(alice, room)
    for options in ({}, {"remove": True}):
        refused(
            exceptions.MessageNotFoundError,
            services.message_react,
            **on(carol, message, "👍", **options),
        )
    assert not Reaction.objects.exists()
