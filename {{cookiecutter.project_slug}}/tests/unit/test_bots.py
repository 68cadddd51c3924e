"""Bot tokens and text posted as typed (markdown false), without a database or a server."""

import re
import time

import pytest

from chat import bots, formatting

CHARS = 10_000


def words(text):
    """The text as a reader sees it: HTML runs spaces and line ends together, as a line's
    leading and trailing spaces go in any paragraph."""
    return " ".join(text.split())


TYPED = [
    "**not bold** and __not strong__",
    "_x_ *y* `z` ~~w~~ ``` fence",
    "<b>raw</b> <script>alert(1)</script> &amp; &#x41; &lt;",
    "[text](https://example.org) ![alt](https://example.org/x.png)",
    "1. one\n2) two\n- three\n+ four\n* five\n> six\n  - seven\n# eight",
    "a\\*b \\\\ trailing backslash\\\nnext",
    "```\ncode\n```\n~~~\ntilde\n~~~",
    "100. not a list  \n  3) nor this",
]


@pytest.mark.parametrize("text", TYPED)
def test_text_as_typed_renders_as_it_reads(text):
    html = formatting.render(bots.as_typed(text))
    assert words(formatting.plain_text(html)) == words(text)
    assert not re.search(r"<(strong|em|code|pre|s|ul|ol|li|blockquote)\b", html), html


def test_links_and_mentions_still_work_in_text_as_typed():
    text = "see https://example.org/a_b*c and www.example.org, mail ops@example.org, @bob"
    html = formatting.render(bots.as_typed(text), {"bob": 7})
    assert '<a href="https://example.org/a_b*c"' in html
    assert '<a href="http://www.example.org"' in html
    assert '<a href="mailto:ops@example.org"' in html
    assert 'data-user-id="7"' in html
    assert formatting.plain_text(html) == text


@pytest.mark.parametrize("unit", [">", "*", "_", "[", "`", "\\", "&#1;", "- ", "1.\n", "<"])
def test_text_as_typed_renders_quickly(unit):
    source = (unit * CHARS)[:CHARS]
    start = time.perf_counter()
    html = formatting.render(bots.as_typed(source))
    assert time.perf_counter() - start < 2.0  # as tests/unit/test_formatting.py bounds it
    assert words(formatting.plain_text(html)) == words(source)


def test_tokens_are_random_named_by_their_prefix_and_stored_as_a_hash():
    prefix, token = bots.new_token()
    other_prefix, other = bots.new_token()
    assert re.fullmatch(rf"chb_{prefix}_[A-Za-z0-9_-]{{43}}", token)
    assert (prefix, token) != (other_prefix, other)
    assert bots.token_hash(token) != bots.token_hash(other)
    assert token not in bots.token_hash(token)
