"""Load and memory benchmarks for the chat, side by side with a tutorial Channels consumer.

``python -m bench.load`` drives one running server; ``python -m bench.run`` starts Redis,
PostgreSQL, the project and the baseline itself and prints one comparison. See README.md.
"""
