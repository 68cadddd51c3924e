"""How many images one process decodes at once, and how long an upload waits for its turn.

Decoding is what an image upload costs: its pixels held at four bytes each while it is
encoded again, whatever the size of the file. Uploads are handled on threads of their own,
so without a bound every concurrent upload in a process would decode at once and their
peaks would add up (two large animations took one process to 1.7 GB, on a dyno of 512 MB
shared by two). A process therefore decodes CHAT["ATTACHMENT_IMAGE_WORKERS"] images at a
time; an upload waits at most CHAT["ATTACHMENT_IMAGE_WAIT"] seconds for its turn and is then
answered 503 with Retry-After, so requests do not pile up behind a slow one.
"""

import contextlib
import math
import threading

from . import exceptions

_lock = threading.Lock()
_semaphores: dict[int, threading.BoundedSemaphore] = {}


def _semaphore(size):
    # One per size, so that a changed setting (in tests) takes effect without a restart.
    with _lock:
        return _semaphores.setdefault(size, threading.BoundedSemaphore(size))


@contextlib.contextmanager
def turn(limits):
    """Hold one of the process's image slots for the duration of the block.

    Raises ServerBusyError if no slot frees within the wait.
    """
    semaphore = _semaphore(limits["ATTACHMENT_IMAGE_WORKERS"])
    wait = limits["ATTACHMENT_IMAGE_WAIT"]
    if not semaphore.acquire(timeout=wait):
        raise exceptions.ServerBusyError(retry_after=max(1, math.ceil(wait)))
    try:
        yield
    finally:
        semaphore.release()
