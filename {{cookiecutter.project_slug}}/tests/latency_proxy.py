"""A TCP proxy on loopback that delays what clients send, as a longer path to a server does.

A dyno reaches Heroku's Redis through stunnel and the network; another dyno may be nearer.
Between a client and its server this proxy holds every byte the client sends for ``delay``
seconds, in order, and passes the server's answers on at once.
"""

import asyncio
import contextlib


class LatencyProxy:
    def __init__(self, port, delay):
        self.target_port = port
        self.delay = delay
        self.port = None
        self.server = None
        self.tasks = set()

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info):
        self.server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _serve(self, reader, writer):
        upstream_reader, upstream_writer = await asyncio.open_connection(
            "127.0.0.1", self.target_port
        )
        for pipe in (
            self._pipe(reader, upstream_writer, self.delay),
            self._pipe(upstream_reader, writer, 0),
        ):
            task = asyncio.get_running_loop().create_task(pipe)
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _pipe(self, reader, writer, delay):
        """Copy ``reader`` to ``writer``, each chunk ``delay`` seconds after it was read."""
        loop = asyncio.get_running_loop()
        chunks = asyncio.Queue()

        async def forward():
            while (item := await chunks.get()) is not None:
                due, data = item
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
            writer.close()

        forwarder = loop.create_task(forward())
        try:
            while data := await reader.read(65536):
                chunks.put_nowait((loop.time() + delay, data))
        except OSError:
            pass
        finally:
            chunks.put_nowait(None)
            with contextlib.suppress(OSError):
                await forwarder
