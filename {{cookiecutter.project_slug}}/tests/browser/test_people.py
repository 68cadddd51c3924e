"""People on the chat page in a real Chromium: what notifications say, the first page of a new
user, the profile card, presence in the room list, and the directory of the Direct message
dialog.
"""

import pytest

from tests.unit.test_notification_text import SENTENCES

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_the_page_says_what_a_notification_says_in_the_digests(pages):
    """The panel and the browser notifications (app/notification-text.js) say what digest
    emails say (chat/notification_text.py), sentence for sentence."""
    alice = pages.login("alice")
    said = alice.evaluate(
        """async (cases) => {
          const { notificationTitle } = await import(
            document.querySelector('link[href*="/app/notification-text."]').href
          );
          return cases.map(([kind, roomKind, name]) =>
            notificationTitle(kind, "bob", { id: 1, kind: roomKind, name })
          );
        }""",
        [list(case[:3]) for case in SENTENCES],
    )
    assert said == [case[3] for case in SENTENCES]
