"""chat/selectors/search.py: what a user finds, on SQLite and (TEST_DATABASE_URL) PostgreSQL."""

import pytest
from django.db import connection

from chat import exceptions, selectors, services
from tests.domain import channel, direct, group, send

pytestmark = pytest.mark.django_db(transaction=True)


def found(user, query, **options):
    result = selectors.message_search(user=user, query=query, **options)
    return [r["message"]["content"] for r in result["results"]]


def marked(result):
    return [text for text, matched in result["snippet"] if matched]


def test_finds_only_what_the_user_may_read(alice, bob, carol):
    shared = group(alice, bob)
    private = group(alice, carol)
    left = group(carol, bob)
    send(alice, shared, "the rollout plan is ready")
    send(carol, private, "secret rollout for carol only")
    send(carol, left, "rollout notes before bob left")
    services.room_leave(user=bob, room_id=left.pk)
    gone = send(alice, shared, "deleted rollout message")
    services.message_delete(user=alice, message_id=gone.pk)
    assert found(bob, "rollout") == ["the rollout plan is ready"]
    assert sorted(found(alice, "rollout")) == [
        "secret rollout for carol only",
        "the rollout plan is ready",
    ]


def test_every_word_must_match_and_matches_are_highlighted(alice, bob):
    room = group(alice, bob)
    send(alice, room, "Deploy the staging server tonight")
    send(alice, room, "The staging area is closed")
    result = selectors.message_search(user=bob, query="staging deploy")
    assert [r["message"]["content"] for r in result["results"]] == [
        "Deploy the staging server tonight"
    ]
    assert [w.lower() for w in marked(result["results"][0])] == ["deploy", "staging"]
    assert "".join(text for text, _ in result["results"][0]["snippet"]).strip("…") in (
        "Deploy the staging server tonight"
    )


def test_filters_by_room_and_sender(alice, bob, carol):
    one, two = group(alice, bob, carol), group(alice, bob, name="Other")
    send(alice, one, "budget from alice")
    send(carol, one, "budget from carol")
    send(alice, two, "budget elsewhere")
    assert sorted(found(bob, "budget", room_id=one.pk)) == [
        "budget from alice",
        "budget from carol",
    ]
    assert found(bob, "budget", room_id=one.pk, sender="carol") == ["budget from carol"]
    assert sorted(found(bob, "budget", sender="alice")) == ["budget elsewhere", "budget from alice"]
    outsider_room = direct(alice, carol)
    with pytest.raises(exceptions.RoomNotFoundError):
        selectors.message_search(user=bob, query="budget", room_id=outsider_room.pk)


def test_pages_follow_the_cursor_without_repeats_or_gaps(alice, bob):
    room = channel(alice, bob)
    sent = {send(alice, room, f"release note {n}").pk for n in range(23)}
    send(alice, room, "unrelated")
    seen, cursor, pages = [], None, 0
    while True:
        result = selectors.message_search(user=bob, query="release", cursor=cursor, limit=5)
        seen += [r["message"]["id"] for r in result["results"]]
        pages += 1
        cursor = result["next_cursor"]
        if cursor is None:
            break
    assert pages == 5
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == sent


def test_better_matches_rank_first_on_postgresql(alice, bob):
    if connection.vendor != "postgresql":
        pytest.skip("ranking is PostgreSQL's; SQLite lists newest first")
    room = group(alice, bob)
    send(alice, room, "coffee")
    send(alice, room, "coffee machine, coffee beans and more coffee")
    send(alice, room, "tea")
    results = selectors.message_search(user=bob, query="coffee")["results"]
    assert [r["message"]["content"] for r in results][0].startswith("coffee machine")
    assert results[0]["rank"] > results[1]["rank"] > 0


def test_only_the_newest_matches_are_ranked_on_postgresql(alice, bob, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the rank window is PostgreSQL's")
    settings.CHAT = {**settings.CHAT, "SEARCH_RANK_MAX": 3}
    room = group(alice, bob)
    send(alice, room, "coffee coffee coffee, the best match but the oldest")
    for n in range(4):
        send(alice, room, f"coffee {n}")
    first = selectors.message_search(user=bob, query="coffee", limit=2)
    seen = [r["message"]["content"] for r in first["results"]]
    # A new match between pages does not push the window's oldest out of the next page.
    send(alice, room, "coffee 4")
    rest = selectors.message_search(user=bob, query="coffee", limit=2, cursor=first["next_cursor"])
    seen += [r["message"]["content"] for r in rest["results"]]
    assert rest["next_cursor"] is None
    assert sorted(seen) == ["coffee 1", "coffee 2", "coffee 3"]


def test_newest_first_without_ranking_on_sqlite(alice, bob):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL ranks")
    room = group(alice, bob)
    send(alice, room, "first coffee")
    send(alice, room, "second coffee")
    results = selectors.message_search(user=bob, query="COFFEE")["results"]
    assert [r["message"]["content"] for r in results] == ["second coffee", "first coffee"]
    assert results[0]["rank"] is None


def test_a_foreign_cursor_is_a_clear_error(alice, bob):
    room = group(alice, bob)
    send(alice, room, "anything")
    bad = "1.5" if connection.vendor != "postgresql" else "12"
    with pytest.raises(exceptions.InvalidPayloadError):
        selectors.message_search(user=bob, query="anything", cursor=bad)


@pytest.mark.parametrize("bad", ["١٢", "1_2", " 12", "0.5:١٢", "nan:12", "inf:12", "0.5: 12"])
def test_a_cursor_in_digits_it_never_holds_is_a_clear_error(alice, bob, bad):
    """int() and float() read these as numbers; a cursor this search returned never holds them."""
    room = group(alice, bob)
    send(alice, room, "anything")
    with pytest.raises(exceptions.InvalidPayloadError):
        selectors.message_search(user=bob, query="anything", cursor=bad)
