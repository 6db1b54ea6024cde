"""Publishes TCP ports of a network namespace on the host's 127.0.0.1.

The real-node cluster lives in a network namespace of its own; this process
listens on 127.0.0.1 in the namespace it was started in (the host's), then
enters the cluster's namespace, so every connection it opens to a target starts
inside the cluster's network. Nothing else of the host's network is changed.

Usage: python3 netns_forward.py NETNS_PATH LISTEN_PORT:TARGET_HOST:TARGET_PORT ...

Only the standard library is used (the cluster script runs it with the system
python3).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import signal
import socket
import sys

CLONE_NEWNET = 0x40000000


def enter_netns(path: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({path}): {os.strerror(err)}")
    finally:
        os.close(fd)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except OSError:
        pass
    finally:
        writer.close()


def handler(host: str, port: int):  # type: ignore[no-untyped-def]
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(host, port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return handle


async def serve(listeners: list[tuple[socket.socket, str, int]]) -> None:
    servers = [await asyncio.start_server(handler(h, p), sock=s) for s, h, p in listeners]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()


def main() -> None:
    netns, *specs = sys.argv[1:]
    listeners = []
    # Bind in the host's namespace first ...
    for spec in specs:
        listen, host, port = spec.split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", int(listen)))
        sock.listen(128)
        listeners.append((sock, host, int(port)))
    # ... then connect from inside the cluster's (a single thread: setns applies to it).
    enter_netns(netns)
    asyncio.run(serve(listeners))


if __name__ == "__main__":
    main()
