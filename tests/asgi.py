"""A synchronous in-process client for ASGI apps that also runs the app's lifespan.

`starlette.testclient` warns about httpx on import (and warnings are errors here), so the
records tests drive the app through httpx's ASGI transport on an anyio portal instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal


class AppClient:
    """`client.post(...)` etc. against an ASGI app, on one event loop for the whole session."""

    def __init__(self, portal: BlockingPortal, app: Any, client: tuple[str, int]) -> None:
        self._portal = portal
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=client), base_url="http://testserver"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def call() -> httpx.Response:
            return await self._client.request(method, url, **kwargs)

        return self._portal.call(call)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def run(self, fn: Any) -> Any:
        """Run `await fn(http)` on the app's event loop (`http`: the async httpx client), for
        tests that need requests in flight at the same time."""

        async def call() -> Any:
            return await fn(self._client)

        return self._portal.call(call)

    def close(self) -> None:
        self._portal.call(self._client.aclose)


async def _lifespan(app: Any, started: anyio.Event, stop: anyio.Event) -> None:
    send_stream, receive_stream = anyio.create_memory_object_stream[dict[str, Any]](10)
    replies: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return await receive_stream.receive()

    async def send(message: dict[str, Any]) -> None:
        replies.append(message)
        if message["type"].startswith("lifespan.startup"):
            started.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(
            app, {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send
        )
        await send_stream.send({"type": "lifespan.startup"})
        await started.wait()
        if replies[-1]["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"lifespan startup failed: {replies[-1]}")
        await stop.wait()
        await send_stream.send({"type": "lifespan.shutdown"})


@contextlib.contextmanager
def app_client(app: Any, client: tuple[str, int] = ("127.0.0.1", 50000)) -> Iterator[AppClient]:
    """Run the app's lifespan on a portal and yield a client; shut down on exit."""
    with start_blocking_portal() as portal:
        started, stop = portal.call(anyio.Event), portal.call(anyio.Event)
        future = portal.start_task_soon(_lifespan, app, started, stop)
        portal.call(started.wait)
        if future.done():
            future.result()
        client_ = AppClient(portal, app, client)
        try:
            yield client_
        finally:
            client_.close()
            portal.call(stop.set)
            future.result()
