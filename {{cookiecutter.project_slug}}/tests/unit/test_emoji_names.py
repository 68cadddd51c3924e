"""The page's emoji list (chat/static/chat/emoji.json): fresh, and only what reactions take."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chat import reactions
from chat.management.commands.emoji_names import TARGET, generated

PROJECT = Path(__file__).resolve().parents[2]


def test_the_checked_in_list_is_what_the_emoji_data_generates():
    assert (PROJECT / TARGET).read_text(encoding="utf-8") == generated(), (
        f"{TARGET} is stale: run `python manage.py emoji_names`."
    )


def test_check_mode_fails_on_a_stale_copy(tmp_path):
    (tmp_path / TARGET).parent.mkdir(parents=True)
    call_command("emoji_names", root=str(tmp_path))
    call_command("emoji_names", check=True, root=str(tmp_path))
    stale = tmp_path / TARGET
    stale.write_text(stale.read_text(encoding="utf-8").replace("thumbs up", "thumb up"))
    with pytest.raises(CommandError, match="emoji.json"):
        call_command("emoji_names", check=True, root=str(tmp_path))


def test_every_listed_emoji_is_one_reaction_as_written_with_a_name():
    entries = json.loads((PROJECT / TARGET).read_text(encoding="utf-8"))
    assert ["👍", "thumbs up"] in entries
    assert all(reactions.single_emoji(value) == value and name for value, name in entries)
    assert len({value for value, _ in entries}) == len(entries)
