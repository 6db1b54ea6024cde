"""Port checks before start-up."""

from __future__ import annotations

import socket


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def busy_ports(ports: dict[str, int]) -> dict[str, int]:
    """The subset of ``{name: port}`` whose port is already taken."""
    return {name: port for name, port in ports.items() if not port_free(port)}
