"""What a reaction may be: exactly one emoji, as Unicode's emoji data defines them.

The list is the ``emoji`` package's copy of Unicode's emoji-test.txt (pinned in uv.lock), so
a skin-tone variant (👍🏽) or a ZWJ sequence drawn as one picture (👨‍👩‍👧, 🏳️‍🌈) is one
emoji, while two emoji, letters, a lone zero-width joiner or variation selector, a skin-tone
modifier on its own, or a letter under thousands of combining marks is none. Emoji written
without their variation selector (❤ for ❤️) are stored in their fully-qualified form, so the
same picture is one reaction, not two.
"""

import functools

import emoji

# Unicode's qualification statuses (emoji.STATUS): a component (a skin tone or hair style
# alone) is part of an emoji, never one.
_COMPONENT = emoji.STATUS["component"]
_FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
# The longest emoji in the data has 10 code points; anything longer is refused unread.
MAX_LENGTH = 16


@functools.cache
def _canonical():
    """Return {emoji as it may be written: its fully-qualified form}, built once."""
    forms = {}
    for value, data in emoji.EMOJI_DATA.items():
        if data["status"] == _COMPONENT:
            continue
        if data["status"] == _FULLY_QUALIFIED:
            forms[value] = value
            continue
        qualified = emoji.emojize(data["en"])
        qualified_data = emoji.EMOJI_DATA.get(qualified, {})
        forms[value] = qualified if qualified_data.get("status") == _FULLY_QUALIFIED else value
    return forms


def single_emoji(value):
    """Return ``value``'s fully-qualified form if it is exactly one emoji, else None."""
    if len(value) > MAX_LENGTH:
        return None
    return _canonical().get(value)


def fully_qualified():
    """Return every fully-qualified emoji with its English name, in Unicode's order."""
    return [
        (value, data["en"].strip(":").replace("_", " "))
        for value, data in emoji.EMOJI_DATA.items()
        if data["status"] == _FULLY_QUALIFIED
    ]
