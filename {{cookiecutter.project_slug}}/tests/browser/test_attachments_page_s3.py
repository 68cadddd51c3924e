"""The attachment page tests again, with the files in an S3-compatible bucket.

The same tests as test_attachments_page.py, collected here a second time against a server
whose storage is a real S3-compatible HTTP server on loopback (moto's, testservers/s3.py):
uploads go to the bucket, and images, thumbnails and downloads come from presigned URLs the
page follows under its Content-Security-Policy.
"""

import pytest

from tests.browser.test_attachments_page import (
    test_a_forwarded_message_shows_as_forwarded_with_its_image,
    test_a_pasted_image_and_a_picked_pdf_are_sent_and_the_pdf_downloads,
    test_an_image_is_dropped_seen_as_a_thumbnail_and_opened_by_members_only,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# Read by the chat_server fixture (tests/browser/conftest.py).
STORAGE = "s3"

__all__ = [
    "test_a_forwarded_message_shows_as_forwarded_with_its_image",
    "test_a_pasted_image_and_a_picked_pdf_are_sent_and_the_pdf_downloads",
    "test_an_image_is_dropped_seen_as_a_thumbnail_and_opened_by_members_only",
]
