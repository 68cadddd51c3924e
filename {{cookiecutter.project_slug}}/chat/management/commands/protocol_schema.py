"""Write the protocol's generated documents from its typed definition (chat/events).

    python manage.py protocol_schema           write docs/protocol.schema.json,
                                               docs/asyncapi.yaml and the client's events.js
    python manage.py protocol_schema --check   exit 1 if any checked-in copy is stale

The documents carry the configured limits (settings.CHAT), so run it with the defaults.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chat.events import documents, jsdoc

PROJECT = Path(__file__).resolve().parents[3]
TARGETS = {
    "docs/protocol.schema.json": lambda limits: documents.as_json(documents.json_schema(limits)),
    "docs/asyncapi.yaml": lambda limits: documents.as_yaml(documents.asyncapi(limits)),
    "chat/static/chat/client/events.js": jsdoc.module,
}


def generated(limits):
    """{path in the project: text} of every generated document."""
    return {path: build(limits) for path, build in TARGETS.items()}


class Command(BaseCommand):
    help = "Write (or --check) the protocol's JSON Schema, AsyncAPI document and JS typedefs."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if a copy is stale")
        parser.add_argument("--root", default=str(PROJECT), help="the project folder")

    def handle(self, *args, check=False, root=None, **options):
        stale = []
        for path, text in generated(settings.CHAT).items():
            target = Path(root) / path
            if check:
                if not target.exists() or target.read_text() != text:
                    stale.append(path)
                continue
            target.write_text(text)
            self.stdout.write(f"Wrote {path}")
        if stale:
            raise CommandError(f"Stale: {', '.join(stale)}; run manage.py protocol_schema.")
