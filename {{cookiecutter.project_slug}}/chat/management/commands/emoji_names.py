"""Write the page's emoji picker list from the emoji data the server checks reactions against.

    python manage.py emoji_names           write chat/static/chat/emoji.json
    python manage.py emoji_names --check   exit 1 if the checked-in copy is stale

The list is [[emoji, name], ...] in the data's order: every fully-qualified emoji except the
skin-tone variants, which would double its size for a picker that searches by name (the
server accepts them all the same). Run it after upgrading the ``emoji`` package.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chat import reactions

PROJECT = Path(__file__).resolve().parents[3]
TARGET = "chat/static/chat/emoji.json"


def generated():
    """The text of emoji.json: one emoji per line, so a change reads well in a diff."""
    entries = [
        json.dumps([value, name], ensure_ascii=False)
        for value, name in reactions.fully_qualified()
        if "skin tone" not in name
    ]
    return "[\n" + ",\n".join(entries) + "\n]\n"


class Command(BaseCommand):
    help = "Write (or --check) the emoji picker's list of emoji and names."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the copy is stale")
        parser.add_argument("--root", default=str(PROJECT), help="the project folder")

    def handle(self, *args, check=False, root=None, **options):
        target = Path(root) / TARGET
        text = generated()
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                raise CommandError(f"{TARGET} is stale: run `python manage.py emoji_names`.")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"Wrote {TARGET}")
