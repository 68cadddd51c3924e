"""Accessibility checks: axe-core, as bundled by axe-playwright-python, run in the page under test.

Every rule axe runs by default counts (WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best
practices): the page must have zero violations, not only zero serious ones. A failure lists
each rule with the elements it found, so the message says what to fix.
"""

from axe_playwright_python.sync_playwright import Axe

from tests.browser.pages import DESKTOP, PHONE

_AXE = Axe()

# The ways a page is checked: (colour scheme, viewport), by the name a test id shows.
MODES = {
    "light-desktop": ("light", DESKTOP),
    "dark-desktop": ("dark", DESKTOP),
    "light-phone": ("light", PHONE),
    "dark-phone": ("dark", PHONE),
}

# Rules of WCAG 2.2 AA that axe tags separately from its default run.
OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


# Colours change with a transition (a switch to dark mode, a hover): axe must measure them
# once they have arrived, not half way. Endless animations (a spinner) are not waited for.
TRANSITIONS_DONE = """() => Promise.all(document.getAnimations()
  .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
  .map((animation) => animation.finished.catch(() => null)))"""


def settle(page):
    """Wait until the page's running transitions and finite animations have ended."""
    page.evaluate(TRANSITIONS_DONE)


def violations(page, include=None, exclude=()):
    """Return axe's violations in ``page`` (within ``include``, a selector, if given)."""
    settle(page)
    context = None
    if include or exclude:
        excluded = [[selector] for selector in exclude]
        context = {"include": [[include or "html"]], "exclude": excluded}
    return _AXE.run(page, context=context, options=OPTIONS).response["violations"]


def describe(found):
    """One line per violation and up to five of its elements, for an assertion message."""
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


def assert_accessible(page, state, include=None, exclude=()):
    """Fail with axe's findings unless ``page`` has none; ``state`` names what is on screen."""
    found = violations(page, include=include, exclude=exclude)
    assert not found, f"axe found violations on {state}:\n{describe(found)}"
