# One Python package of the workspace as an image (the services and the mail catcher).
# The build script prepares the context: deps/ (the package's locked third-party wheels),
# app/ (the workspace wheels: the toolkit and the package itself), ca/ (extra CA
# certificates for the builder only) and puts the image's settings and entry point in
# place of the image-settings marker line below.
# Layers of the final image, largest and least changing first: the Python runtime, the
# third-party dependencies, then the Mercado code (a code change rebuilds only that one).
ARG BASE_IMAGE=mercado/debian:bookworm

FROM ${BASE_IMAGE} AS builder
# Debian's Python (the same for every image, so this layer is built once and shared).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3.11 python3.11-venv libpython3.11-stdlib ca-certificates binutils \
 && rm -rf /var/lib/apt/lists/*
# The runtime root: Python, its standard library and the shared libraries it needs, taken
# before any extra CA certificate exists here (the final image trusts Debian's CAs only).
COPY runtime-root.sh /usr/local/bin/runtime-root.sh
RUN sh /usr/local/bin/runtime-root.sh /rootfs
# Extra CA certificates (a corporate proxy's, for example): the builder alone trusts them.
COPY ca/ /usr/local/share/ca-certificates/extra/
RUN update-ca-certificates >/dev/null

FROM builder AS deps
COPY deps/ /wheels/
RUN python3.11 -m venv /opt/venv \
 && /opt/venv/bin/pip install --quiet --no-index --no-deps --no-compile /wheels/*.whl \
 && /opt/venv/bin/pip uninstall --quiet --yes pip setuptools \
 && rm -f /opt/venv/lib/python3.11/site-packages/distutils-precedence.pth \
 && find /opt/venv -name '*.so*' -type f -exec strip --strip-unneeded {} + \
 && python3.11 -m compileall -q -j 0 /opt/venv/lib

FROM builder AS app
COPY app/ /wheels/
RUN python3.11 -m venv /tmp/pip-venv \
 && /tmp/pip-venv/bin/pip install --quiet --no-index --no-deps --target /opt/app /wheels/*.whl \
 && rm -rf /opt/app/bin

FROM scratch
COPY --from=builder /rootfs/ /
COPY --from=deps /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:/usr/bin \
    PYTHONPATH=/opt/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    LANG=C.UTF-8
WORKDIR /data
USER 65532:65532
# @image-settings@ (the image's own environment, labels and entry point)
COPY --from=app /opt/app /opt/app
