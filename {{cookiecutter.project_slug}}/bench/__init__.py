"""Load and memory benchmarks for the chat, side by side with a tutorial Channels consumer.

``python -m bench.load`` drives one running server; ``python -m bench.run`` starts Redis,
PostgreSQL, the project and the baseline itself and prints one comparison. See README.md.

- the load model (what clients do): ``plan``, ``targets``, ``loadrun``, ``ladder``,
  ``memory``, ``users``, and ``machine`` (CPU and memory read from /proc);
- the servers ``bench.run`` starts and measures: ``servers`` (on ``testservers``);
- the report: ``report`` (JSON keys, one run's figures, tables) and ``comparison`` (the
  side-by-side table and ratios);
- the command lines: ``load`` and ``run``.
"""
