"""The project's code stays in modules a reader can take in: the rules the README states.

No module in ``chat/`` over 300 lines and no function in the project's Python over 40, so a
change that grows one past its limit splits it in the same commit instead of later.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULE_LINES = 300
FUNCTION_LINES = 40


def python_files(*folders):
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def long_functions(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            # From the def line (decorators aside) to the last line of the body.
            length = node.end_lineno - node.lineno + 1
            if length > FUNCTION_LINES:
                yield f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"


def test_no_chat_module_is_over_300_lines():
    long = [
        f"{path.relative_to(ROOT)} ({count} lines)"
        for path in python_files("chat")
        if (count := len(path.read_text().splitlines())) > MODULE_LINES
    ]
    assert not long, long


# Written by `manage.py protocol_schema` from the protocol's definition, not by hand.
GENERATED_JS = {"chat/static/chat/client/events.js"}


def test_no_hand_written_page_module_is_over_300_lines():
    long = [
        f"{name} ({count} lines)"
        for path in sorted((ROOT / "chat" / "static").rglob("*.js"))
        if (name := str(path.relative_to(ROOT))) not in GENERATED_JS
        and (count := len(path.read_text().splitlines())) > MODULE_LINES
    ]
    assert not long, long


@pytest.mark.parametrize("folder", ["chat", "accounts", "config"])
def test_no_function_is_over_40_lines(folder):
    found = [line for path in python_files(folder) for line in long_functions(path)]
    assert not found, found


def test_every_stylesheet_closes_what_it_opens():
    """An unclosed block swallows every rule after it, silently: browsers report nothing."""
    for path in sorted((ROOT / "chat" / "static").rglob("*.css")):
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{path.relative_to(ROOT)}:{number} closes a block never opened"
        assert depth == 0, f"{path.relative_to(ROOT)} leaves {depth} block(s) open"
