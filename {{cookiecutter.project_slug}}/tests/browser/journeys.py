"""What the browser journeys share: axe on each screen they reach, as the user has it and as
a phone shows it, in light and in dark mode."""

from tests.browser.a11y import assert_accessible, settle
from tests.browser.pages import PHONE

SCHEMES = ("light", "dark")


def check_page(page, state, include=None):
    """Zero axe violations on ``page`` (within ``include``) in light and dark, at its own
    size and at a phone's; the page is left at its own size, in light mode."""
    own = page.viewport_size
    try:
        for size in (own, PHONE):
            page.set_viewport_size(size)
            for scheme in SCHEMES:
                page.emulate_media(color_scheme=scheme)
                settle(page)
                width = "phone" if size == PHONE else "own size"
                assert_accessible(page, f"{state} ({scheme}, {width})", include=include)
    finally:
        page.set_viewport_size(own)
        page.emulate_media(color_scheme="light")
