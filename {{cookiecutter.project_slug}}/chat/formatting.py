"""Message formatting: a message's text (its source) rendered once, when stored, to safe HTML.

The source is what its author typed and stays exactly that (it is what the edit box shows and
what search indexes); ``Message.content_html`` holds the rendering, made when the message is
stored, forwarded or edited, and sent beside the source as the payload's ``html``. Clients
show it as it is and run no renderer of their own.

What renders is the part of CommonMark a chat needs, and nothing a message could use against
its readers:

- emphasis (``*x*``, ``_x_``), strong (``**x**``), strikethrough (``~~x~~``), inline code,
  fenced code blocks (the info string is dropped: no highlighting), block quotes, ordered and
  unordered lists; a single newline is a line break, as chats have it;
- links: ``[text](url)``, ``<url>`` and bare URLs, web addresses and email addresses
  (linkify), to http, https and mailto only; anything else stays text. Every link opens in a
  new tab with ``rel="noopener noreferrer nofollow"``;
- ``@name`` of a member of the room: ``<span class="mention" data-user-id="N">``, found by
  the rule notifications use (chat.notifications.MENTION), never inside code or links; and
  ``@room`` as ``<span class="mention">`` (no user id: everyone) where it calls everyone.

Not rendered, left as the text typed: raw HTML (shown as text), images (``![alt](src)`` is
a link to ``src``, never an ``<img>`` that would fetch from where the sender likes: no
tracking pixels), headings, horizontal rules, tables, indented code blocks (an indented line
in a chat is rarely code) and reference-style links (a definition line would vanish).

Markdown-it's output then goes through nh3 (ammonia) with an allowlist of the tags and
attributes above, so a bug in either still cannot put a script, an event handler or a
foreign scheme in front of a reader. The work is linear in the source, which
CHAT["MAX_CONTENT_CHARS"] bounds; nesting deeper than CHAT["FORMAT_MAX_NESTING"] (quotes in
quotes, lists in lists, emphasis in emphasis) renders as text: emphasis as its characters, and
a message whose quotes or lists nest that deep as its plain text with its line breaks. So does
a message whose HTML would pass CHAT["FORMAT_MAX_HTML_CHARS"] (thousands of links or
mentions): what every payload carries stays within a few times the text.
"""

import functools
import html
import re

import nh3
from django.conf import settings
from django.db.models.functions import Lower
from markdown_it import MarkdownIt
from markdown_it.parser_block import ParserBlock
from markdown_it.token import Token

from .models import Membership
from .notifications import MENTION, ROOM_MENTION, may_mention_room, mentioned_names

SCHEMES = frozenset({"http", "https", "mailto"})
TAGS = frozenset(
    {"p", "br", "strong", "em", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "span"}
)
# "*": none on every tag (nh3 would otherwise keep lang and title everywhere).
ATTRIBUTES = {"*": set(), "a": {"href", "title"}, "ol": {"start"}, "span": {"data-user-id"}}
CLASSES = {"span": {"mention"}}
LINK_REL = "noopener noreferrer nofollow"
# Text that needs no markdown-it (is_plain): word characters and inert punctuation on a line.
PLAIN = re.compile(r"[\w ,.:;'?!]+")
LIST_MARKER = re.compile(r"[0-9]{1,9}\.(?: |$)")
# Block and inline rules of the CommonMark preset a chat does not use (see above).
DISABLED = ["heading", "lheading", "hr", "code", "reference", "image", "html_block", "html_inline"]


def render(content, members=None):
    """The safe HTML of ``content``; ``members`` maps lowercased usernames to user ids (None
    for ``room``: a mention of everyone)."""
    if not content:
        return ""
    if is_plain(content):
        return clean(_plain(content))
    return render_markdown(content, members)


def render_markdown(content, members=None):
    """``content`` through markdown-it, whatever it holds (render() skips it where it can)."""
    env = {"members": members or {}}
    rendered = clean(_markdown().render(content, env))
    if env.get("too_deep") or len(rendered) > settings.CHAT["FORMAT_MAX_HTML_CHARS"]:
        # Markdown-it drops what nests past the limit, and thousands of links or mentions
        # would weigh many times the text in every payload: such a message shows as typed.
        rendered = clean(_plain(content))
    # Without the newline markdown-it ends with, the body's text is the message's text.
    return rendered.rstrip("\n")


def is_plain(content):
    """Whether ``content`` renders as one paragraph of itself, so markdown-it may be skipped.

    Most messages are a line of words: letters, digits, spaces and punctuation that starts no
    construct (no ``*_~`[]()<>&@#\\/``, no newline, no list marker ``1.`` in front, no space
    at either end, which a paragraph drops). A "." or ":" may still make a link of a web
    address (``example.com:8080``): linkify's own test, the one markdown-it runs, decides.
    tests/unit/test_formatting.py checks every such text against the full rendering.
    """
    if not PLAIN.fullmatch(content) or "_" in content or LIST_MARKER.match(content):
        return False
    if content[0] == " " or content[-1] == " ":
        return False
    return not ("." in content or ":" in content) or not _markdown().linkify.test(content)


def _plain(content):
    """``content`` as one paragraph of text with its line breaks: at most five characters of
    HTML a character (``&amp;``, ``<br>``)."""
    return "<p>" + html.escape(content, quote=False).replace("\n", "<br>\n") + "</p>"


def clean(fragment):
    """Keep only the allowlisted tags, attributes and schemes of an HTML fragment."""
    return nh3.clean(
        fragment,
        tags=set(TAGS),
        attributes=ATTRIBUTES,
        allowed_classes=CLASSES,
        url_schemes=set(SCHEMES),
        url_relative="deny",
        link_rel=LINK_REL,
        set_tag_attribute_values={"a": {"target": "_blank"}},
    )


def render_for_room(content, room_id, sender):
    """Render ``content`` as ``sender`` posts it in a room: @names of its members become
    mentions, and @room too where the sender may call everyone (as notifications decide)."""
    names = mentioned_names(content)
    members = room_members(room_id, names)
    if ROOM_MENTION in names and may_mention_room(sender, room_id):
        members[ROOM_MENTION] = None  # everyone: a mention without a user id
    return render(content, members)


def room_members(room_id, names, memberships=Membership):
    """{lowercased username: user id} of the members of the room among ``names``.

    ``memberships``: the Membership model (a migration passes its historical one).
    """
    if not names:
        return {}  # most messages mention no one: no query
    rows = (
        memberships.objects.filter(room_id=room_id)
        .annotate(name=Lower("user__username"))
        .filter(name__in=names)
        .values_list("name", "user_id")
    )
    return dict(rows)


def plain_text(fragment):
    """The text of rendered HTML: what emails and other plain places show (links as text)."""
    return html.unescape(nh3.clean(fragment, tags=set()))


@functools.cache
def _markdown():
    """The process's one parser, built on first use (its settings are read then)."""
    md = MarkdownIt(
        "commonmark",
        {
            "html": False,
            "linkify": True,
            "breaks": True,
            "maxNesting": settings.CHAT["FORMAT_MAX_NESTING"],
        },
    )
    md.block = _BlockParser(md.block.ruler)
    md.enable(["linkify", "strikethrough"])
    md.disable(DISABLED)
    md.validateLink = _allowed_link
    md.core.ruler.push("mentions", _mark_mentions)
    md.add_render_rule("mention", _render_mention)
    md.add_render_rule("fence", _render_fence)
    return md


class _BlockParser(ParserBlock):
    """Markdown-it's block parser, noting when nesting past the limit loses the rest."""

    def __init__(self, ruler):
        self.ruler = ruler

    def tokenize(self, state, startLine, endLine):  # noqa: N803 (markdown-it's names)
        if state.level >= state.md.options.maxNesting and startLine < endLine:
            state.env["too_deep"] = True
        super().tokenize(state, startLine, endLine)


def _allowed_link(url):
    """Links go to the web or to an address; everything else (javascript:, data:, paths,
    this site's own pages) stays text. ``url`` is normalized: entities decoded, no spaces."""
    scheme, colon, _ = url.partition(":")
    return bool(colon) and scheme.lower() in SCHEMES


def _mark_mentions(state):
    """Split text outside links into text and mention tokens, for members of the room."""
    members = state.env.get("members")
    if not members:
        return
    for block in state.tokens:
        if block.type == "inline" and block.children:
            block.children = _with_mentions(block.children, members)


def _with_mentions(children, members):
    result, in_link = [], 0
    for token in children:
        in_link += {"link_open": 1, "link_close": -1}.get(token.type, 0)
        if token.type != "text" or in_link:
            result.append(token)
            continue
        last = 0
        for match in MENTION.finditer(token.content):
            name = match.group(1).rstrip(".")
            if name.lower() not in members:
                continue
            start, end = match.start(), match.start() + 1 + len(name)
            if start > last:
                result.append(_text(token.content[last:start]))
            mention = Token("mention", "span", 0, content=token.content[start:end])
            mention.meta["user_id"] = members[name.lower()]
            result.append(mention)
            last = end
        if last == 0:
            result.append(token)
        elif last < len(token.content):
            result.append(_text(token.content[last:]))
    return result


def _text(content):
    return Token("text", "", 0, content=content)


def _render_mention(renderer, tokens, idx, options, env):
    token = tokens[idx]
    text = html.escape(token.content)
    if token.meta["user_id"] is None:
        return f'<span class="mention">{text}</span>'  # @room
    return f'<span class="mention" data-user-id="{int(token.meta["user_id"])}">{text}</span>'


def _render_fence(renderer, tokens, idx, options, env):
    """A fenced block without its info string: the page does no highlighting."""
    return f"<pre><code>{html.escape(tokens[idx].content)}</code></pre>\n"
