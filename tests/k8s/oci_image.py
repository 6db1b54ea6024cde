"""Writes a one-layer OCI image archive from local files, without a container engine.

The real-node cluster's own images (the pause container, CoreDNS) hold one static
binary each; this turns such files into an archive that ``ctr images import``
loads, named by the ``io.containerd.image.name`` annotation.

Usage:
    python3 oci_image.py OUT.tar NAME:TAG --entrypoint /pause [--user 65535]
        [--port 53/udp ...] IMAGE_PATH=HOST_FILE ...

Only the standard library is used (build.sh runs it with the system python3).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import tarfile
from pathlib import Path

EPOCH = 0  # reproducible: every file gets the same modification time


def _layer(files: dict[str, Path]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs: set[str] = set()
        for target in sorted(files):
            parts = target.strip("/").split("/")
            for i in range(1, len(parts)):
                d = "/".join(parts[:i])
                if d not in dirs:
                    dirs.add(d)
                    info = tarfile.TarInfo(d)
                    info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, EPOCH
                    tar.addfile(info)
            data = files[target].read_bytes()
            info = tarfile.TarInfo("/".join(parts))
            info.size, info.mode, info.mtime = len(data), 0o755, EPOCH
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _blob(tar: tarfile.TarFile, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo(f"blobs/sha256/{digest}")
    info.size, info.mtime = len(data), EPOCH
    tar.addfile(info, io.BytesIO(data))
    return f"sha256:{digest}"


def _json(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def write_image(
    out: Path,
    name: str,
    files: dict[str, Path],
    entrypoint: list[str],
    user: str,
    ports: list[str],
) -> None:
    layer = _layer(files)
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Entrypoint": entrypoint,
            "User": user,
            "ExposedPorts": {p: {} for p in ports},
        },
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{hashlib.sha256(layer).hexdigest()}"]},
    }
    tmp = out.with_suffix(".tmp")
    with tarfile.open(tmp, mode="w") as tar:
        layer_digest = _blob(tar, layer)
        config_bytes = _json(config)
        config_digest = _blob(tar, config_bytes)
        manifest = _json(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": config_digest,
                    "size": len(config_bytes),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": layer_digest,
                        "size": len(layer),
                    }
                ],
            }
        )
        manifest_digest = _blob(tar, manifest)
        ref = name if "/" in name.split(":")[0].split("/")[0] else f"docker.io/{name}"
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": manifest_digest,
                    "size": len(manifest),
                    "annotations": {
                        "io.containerd.image.name": ref,
                        "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1],
                    },
                }
            ],
        }
        for member, data in (
            ("oci-layout", _json({"imageLayoutVersion": "1.0.0"})),
            ("index.json", _json(index)),
        ):
            info = tarfile.TarInfo(member)
            info.size, info.mtime = len(data), EPOCH
            tar.addfile(info, io.BytesIO(data))
    tmp.replace(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("name", help="repository:tag, e.g. mercado/pause:3.10.2")
    parser.add_argument("--entrypoint", required=True, action="append")
    parser.add_argument("--user", default="65535:65535")
    parser.add_argument("--port", action="append", default=[])
    parser.add_argument("files", nargs="+", help="IMAGE_PATH=HOST_FILE")
    args = parser.parse_args()
    files = {}
    for spec in args.files:
        target, _, source = spec.partition("=")
        files[target] = Path(source)
    write_image(args.out, args.name, files, args.entrypoint, args.user, args.port)


if __name__ == "__main__":
    main()
