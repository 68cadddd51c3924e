"""chat/formatting.py: what a message's source renders to, and what it can never render to."""

import random
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from chat import formatting

VECTORS = Path(__file__).resolve().parents[1] / "data" / "xss_vectors.txt"
LINK = 'target="_blank" rel="noopener noreferrer nofollow"'


def xss_vectors():
    return [line for line in VECTORS.read_text().splitlines() if line]


class Elements(HTMLParser):
    """Every (tag, attributes) of a fragment, in document order."""

    def __init__(self, fragment):
        super().__init__(convert_charrefs=True)
        self.found = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def elements(fragment):
    return Elements(fragment).found


def assert_allowlisted(fragment):
    """Only the allowlisted tags and attributes, links to allowed schemes only."""
    allowed = {
        tag: {"href", "title", "target", "rel"} if tag == "a" else set() for tag in formatting.TAGS
    }
    allowed["ol"] = {"start"}
    allowed["span"] = {"class", "data-user-id"}
    for tag, attributes in elements(fragment):
        assert tag in formatting.TAGS, (tag, fragment)
        assert set(attributes) <= allowed[tag], (tag, attributes, fragment)
        if tag == "a":
            scheme = attributes["href"].partition(":")[0].lower()
            assert scheme in formatting.SCHEMES, fragment
            assert attributes["target"] == "_blank"
            assert attributes["rel"] == "noopener noreferrer nofollow"
        if tag == "span":
            assert attributes["class"] == "mention"
            assert attributes.get("data-user-id", "0").isdigit()


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("plain", "<p>plain</p>"),
        ("*em* _em_", "<p><em>em</em> <em>em</em></p>"),
        ("**strong**", "<p><strong>strong</strong></p>"),
        ("~~gone~~", "<p><s>gone</s></p>"),
        ("a `x < y` b", "<p>a <code>x &lt; y</code> b</p>"),
        (
            "```python\nif a < b:\n    pass\n```",
            "<pre><code>if a &lt; b:\n    pass\n</code></pre>",
        ),
        ("> quoted\n> more", "<blockquote>\n<p>quoted<br>\nmore</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"),
        ("3. three", '<ol start="3">\n<li>three</li>\n</ol>'),
        ("line\nnext", "<p>line<br>\nnext</p>"),
        ("para\n\npara", "<p>para</p>\n<p>para</p>"),
    ],
)
def test_each_supported_construct_renders(source, html):
    assert formatting.render(source) == html


@pytest.mark.parametrize(
    ("source", "href", "text"),
    [
        ("[the docs](https://example.com/docs)", "https://example.com/docs", "the docs"),
        ("see http://example.com/a?b=1", "http://example.com/a?b=1", "http://example.com/a?b=1"),
        ("see www.example.com", "http://www.example.com", "www.example.com"),
        ("<https://example.com>", "https://example.com", "https://example.com"),
        ("mail ann@example.com", "mailto:ann@example.com", "ann@example.com"),
        ("[write](mailto:ann@example.com)", "mailto:ann@example.com", "write"),
    ],
)
def test_links_and_bare_urls_open_in_a_new_tab_without_referrer(source, href, text):
    html = formatting.render(source)
    assert f'<a href="{href}" {LINK}>{text}</a>' in html
    assert_allowlisted(html)


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](file:///etc/passwd)",
        "[x](/admin/)",
        "[x](//evil.example/)",
        "<javascript:alert(1)>",
        "javascript:alert(1)",
    ],
)
def test_other_schemes_and_paths_stay_text(source):
    html = formatting.render(source)
    assert "<a" not in html and "href" not in html
    assert html.startswith("<p>")


@pytest.mark.parametrize(
    "source",
    ["<b>bold</b>", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<!-- c -->"],
)
def test_raw_html_shows_as_text(source):
    html = formatting.render(source)
    assert elements(html) == [("p", {})]
    assert formatting.plain_text(html) == source


def test_an_image_is_a_link_to_it_never_an_img():
    html = formatting.render("![a cat](https://evil.example/pixel.png)")
    assert "<img" not in html
    assert f'<a href="https://evil.example/pixel.png" {LINK}>a cat</a>' in html


@pytest.mark.parametrize(
    "source", ["# title", "title\n===", "---", "| a | b |\n|---|---|\n| 1 | 2 |", "    indented"]
)
def test_headings_rules_tables_and_indented_code_are_text(source):
    assert {tag for tag, _ in elements(formatting.render(source))} <= {"p", "br"}


def test_mentions_of_members_are_marked_outside_code_and_links():
    members = {"bob": 7, "ann.lee": 9}
    html = formatting.render(
        "@Bob and @ann.lee. not @carl, `@bob`, [@bob](https://example.com), x@bob.example",
        members,
    )
    assert html.count('class="mention"') == 2
    assert '<span class="mention" data-user-id="7">@Bob</span> and ' in html
    assert '<span class="mention" data-user-id="9">@ann.lee</span>. not @carl' in html
    assert "<code>@bob</code>" in html
    assert_allowlisted(html)


def test_room_is_a_mention_without_a_user_id_where_it_calls_everyone():
    html = formatting.render("@room standup, @bob too", {"room": None, "bob": 7})
    assert html == (
        '<p><span class="mention">@room</span> standup, '
        '<span class="mention" data-user-id="7">@bob</span> too</p>'
    )
    assert formatting.render("@room standup") == "<p>@room standup</p>"


def test_plain_text_keeps_the_words_and_drops_the_markup():
    html = formatting.render("**hi** [the docs](https://example.com) & <b>")
    assert formatting.plain_text(html) == "hi the docs & <b>"


@pytest.mark.parametrize("vector", xss_vectors())
def test_xss_vectors_render_to_allowlisted_html(vector):
    html = formatting.render(vector, {"bob": 1})
    assert_allowlisted(html)
    lowered = html.lower()
    for tag in ("<script", "<iframe", "<img", "<svg", "<style", "<object", "<embed"):
        assert tag not in lowered


def test_the_corpus_is_large_and_distinct():
    vectors = xss_vectors()
    assert len(vectors) >= 60
    assert len(set(vectors)) == len(vectors)


# Each renders in well under a tenth of a second on a developer's machine (bench.formatting);
# the bound is many times that, for a loaded machine, and still catches quadratic work.
SECONDS = 2.0
CHARS = 10_000


@pytest.mark.parametrize(
    "unit",
    [">", "*", "_", "[", "[a](", "`", "` ", "~~", "- ", "  - x\n", "> - ", "1.\n", "<", "\\",
     "&#1;", "*a ", "*_~`[", "a.co ", "@bob ", "\n", "![", "](", "http://"],
)  # fmt: skip
def test_hostile_input_finishes_quickly_with_bounded_output(unit, settings):
    source = (unit * CHARS)[:CHARS]
    start = time.perf_counter()
    html = formatting.render(source, {"bob": 1})
    assert time.perf_counter() - start < SECONDS
    # At most the setting, or five characters a character (the plain form: "&amp;", "<br>").
    assert len(html) <= max(settings.CHAT["FORMAT_MAX_HTML_CHARS"], 5 * len(source) + 16)
    assert_allowlisted(html)


@pytest.mark.parametrize("unit", ["a.co ", "@bob "])
def test_a_message_whose_html_would_be_too_long_shows_as_typed(unit, settings):
    """A link grows a short address about twenty times: thousands of them show as text."""
    source = unit * (settings.CHAT["FORMAT_MAX_HTML_CHARS"] // 50)
    html = formatting.render(source, {"bob": 1})
    assert len(html) <= 5 * len(source) + 16
    assert [tag for tag, _ in elements(html)] == ["p"]
    assert formatting.plain_text(html) == source
    few = formatting.render(unit * 20, {"bob": 1})
    assert len(elements(few)) == 21


@pytest.mark.parametrize("unit", ["> ", "- ", "1. "])
def test_nesting_past_the_limit_shows_the_plain_text(settings, unit):
    """Markdown-it drops what nests past its limit: such a message shows as typed instead."""
    depth = settings.CHAT["FORMAT_MAX_NESTING"]
    source = unit * (depth * 5) + "deep\nnext"
    html = formatting.render(source)
    assert [tag for tag, _ in elements(html)] == ["p", "br"]
    assert formatting.plain_text(html) == source
    shallow = formatting.render("> " * (depth // 2) + "fine")
    assert shallow.count("<blockquote>") == depth // 2 and "fine" in shallow


def plain_texts(count, seed):
    """Lines of words, numbers, addresses and punctuation, as chats are mostly made of."""
    rng = random.Random(seed)
    words = ["hi", "Lunch", "at", "12", "1", "2.", "3:30", "ok", "www", "example", "com",
             "io", "http", "mailto", "localhost", "8080", "v1.2", "e.g", "café", "Ünïcödé",
             "日本語", "x", "a.b", "foo.bar", "1764650000.123456", "127.0.0.1", "test.org",
             "no.tld"]  # fmt: skip
    joins = [" ", "  ", ", ", ". ", ": ", ":", ".", "; ", "? ", "! ", "'"]
    texts = []
    for _ in range(count):
        parts = [rng.choice(words) for _ in range(rng.randint(1, 8))]
        text = parts[0] + "".join(rng.choice(joins) + part for part in parts[1:])
        texts.append(text + rng.choice(["", ".", "?", "!", " ", ":"]))
    return texts


def test_text_rendered_without_markdown_it_is_exactly_what_markdown_it_renders():
    texts = plain_texts(3000, seed=1) + [
        "17:4211:1764650000.123456:xxxx", "1. first", "1.", "12. noon", "1234567890. ten digits",
        "see example.com now", "example.com:8080", "www.example", "it's fine!", "a  b",
    ]  # fmt: skip
    plain = [text for text in texts if formatting.is_plain(text)]
    assert len(plain) > len(texts) // 3  # the check below is not vacuous
    assert len(plain) < len(texts)  # and some of the texts do need markdown-it
    for text in texts:
        assert formatting.render(text) == formatting.render_markdown(text), text
    # What markdown-it would change never takes the short way.
    for text in ["1. first", "example.com:8080", "see example.com now", " lead", "trail "]:
        assert not formatting.is_plain(text), text
