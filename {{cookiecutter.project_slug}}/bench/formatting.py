"""What rendering a message costs (chat/formatting.py): paid once per stored or edited message.

``python -m bench.formatting`` renders a realistic mix of chat messages (mostly short plain
lines; some with a link, a mention, inline code or emphasis; a few code blocks, quotes and
lists) and then each hostile input of the unit tests at the largest allowed size
(CHAT_MAX_CONTENT_CHARS), and prints microseconds per message: the whole render, and the
share of it that is nh3's sanitizing. In one process, no database (mentions are resolved
from a dict, as after chat.formatting.room_members' one query).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

WORDS = [
    *("the", "deploy", "is", "green", "again", "can", "you", "review", "my", "change", "lunch"),
    *("at", "noon", "works", "for", "me", "thanks", "release", "notes", "tomorrow", "staging"),
    *("looks", "fine", "let", "check", "logs", "first", "meeting", "moved"),
]
MEMBERS = {"alice": 1, "bob": 2, "carol": 3}
HOSTILE = [">", "*", "_", "[", "[a](", "`", "` ", "~~", "- ", "  - x\n", "> - ", "1.\n", "<"]
HOSTILE += ["\\", "&#1;", "*a ", "*_~`[", "a.co ", "@bob ", "\n", "![", "](", "http://"]


def _words(rng, low, high):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _message(rng):
    """One message, drawn from the kinds a chat sees, in roughly their proportions."""
    kind = rng.random()
    if kind < 0.6:
        return _words(rng, 2, 14)
    if kind < 0.7:
        return (
            f"{_words(rng, 1, 6)} https://example.com/{rng.choice(WORDS)}?id={rng.randint(1, 999)}"
        )
    if kind < 0.8:
        return f"@{rng.choice(list(MEMBERS))} {_words(rng, 2, 10)}"
    if kind < 0.9:
        return f"{_words(rng, 1, 5)} `{rng.choice(WORDS)}()` is **{rng.choice(WORDS)}** _now_"
    if kind < 0.95:
        lines = "\n".join(f"    {_words(rng, 2, 6)}" for _ in range(rng.randint(2, 8)))
        return f"{_words(rng, 2, 6)}:\n```python\n{lines}\n```"
    return f"> {_words(rng, 4, 12)}\n\n- {_words(rng, 1, 4)}\n- {_words(rng, 1, 4)}"


def _per_message(render, messages, repeat):
    """Mean, p50 and p99 microseconds per message over ``repeat`` passes."""
    timings = []
    for _ in range(repeat):
        for content in messages:
            start = time.perf_counter()
            render(content)
            timings.append(time.perf_counter() - start)
    timings.sort()
    micro = [t * 1e6 for t in timings]
    p99 = micro[int(len(micro) * 0.99) - 1]
    return {"mean": statistics.fmean(micro), "p50": statistics.median(micro), "p99": p99}


def run(messages=2_000, repeat=3, seed=1):
    from django.conf import settings

    from chat import formatting

    rng = random.Random(seed)
    mix = [_message(rng) for _ in range(messages)]
    rendered = [formatting.render(content, MEMBERS) for content in mix]
    limit = settings.CHAT["MAX_CONTENT_CHARS"]
    report = {
        "messages": messages,
        "mean_chars": statistics.fmean(len(content) for content in mix),
        "render_us": _per_message(lambda c: formatting.render(c, MEMBERS), mix, repeat),
        "sanitize_us": _per_message(formatting.clean, rendered, repeat),
        "worst_case_chars": limit,
        "worst_case_us": {},
    }
    # For scale: ordinary words at the same length.
    words = (" ".join(WORDS) + "\n") * (limit // 200)
    report["plain_words_us"] = round(
        _per_message(formatting.render, [words[:limit]], repeat)["p50"]
    )
    for unit in HOSTILE:
        source = (unit * limit)[:limit]
        timing = _per_message(lambda c: formatting.render(c, MEMBERS), [source], repeat)
        report["worst_case_us"][unit] = round(timing["p50"])
    return report


def in_own_process():
    """The report, measured in a process of its own (`make bench` runs it after the servers
    have stopped, with Django set up there rather than in the benchmark's process)."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.formatting", "--json"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])


def _print(report):
    render, clean = report["render_us"], report["sanitize_us"]
    print(f"{report['messages']} messages of {report['mean_chars']:.0f} characters on average:")
    print(
        f"  render  mean {render['mean']:.0f} µs  p50 {render['p50']:.0f} µs"
        f"  p99 {render['p99']:.0f} µs per message"
    )
    print(f"  of which nh3 sanitizing: mean {clean['mean']:.0f} µs")
    print(f"Hostile inputs of {report['worst_case_chars']} characters (p50, µs per message):")
    print(f"  {'(words)':12} {report['plain_words_us']:>9,}  for scale: ordinary text")
    for unit, micro in sorted(report["worst_case_us"].items(), key=lambda item: -item[1]):
        print(f"  {unit!r:12} {micro:>9,}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_READ_DOT_ENV_FILE", "false")
    os.environ.setdefault("SECRET_KEY", "bench-formatting-only")
    os.environ.setdefault("DEBUG", "true")
    import django

    django.setup()
    report = run(args.messages, args.repeat)
    if args.json:
        print(json.dumps(report))
    else:
        _print(report)


if __name__ == "__main__":
    main()
