# PostgreSQL 15 from Debian bookworm, for a managed database of the shop. The cluster is
# created on first start in $PGDATA (a volume); see postgresql-entrypoint.sh for settings.
ARG BASE_IMAGE=mercado/debian:bookworm

FROM ${BASE_IMAGE} AS builder
RUN dpkg-query -W -f '${Package}\n' | sort > /base-packages \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/*
# Only the server's own files (no JIT with its LLVM, no perl wrappers, no docs) and the
# shared libraries they need that the base image lacks.
COPY postgresql-libs.sh /usr/local/bin/
RUN sh /usr/local/bin/postgresql-libs.sh /pg

FROM ${BASE_IMAGE}
COPY --from=builder /pg/syslibs/ /usr/local/lib/postgresql/
COPY --from=builder /pg/lib/ /usr/lib/postgresql/15/
COPY --from=builder /pg/share/ /usr/share/postgresql/15/
COPY --from=builder /pg/zoneinfo/ /usr/share/zoneinfo/
COPY postgresql-entrypoint.sh /usr/local/bin/postgresql-entrypoint
RUN echo /usr/local/lib/postgresql > /etc/ld.so.conf.d/postgresql.conf && ldconfig \
 && /usr/lib/postgresql/15/bin/postgres --version \
 && groupadd --gid 65532 postgres && useradd --uid 65532 --gid 65532 --home-dir /var/lib/postgresql --no-create-home postgres \
 && mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d \
 && chown -R 65532:65532 /var/lib/postgresql && chmod 0700 /var/lib/postgresql/data \
 && chmod 0755 /usr/local/bin/postgresql-entrypoint
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/bin:/usr/bin:/bin \
    PGDATA=/var/lib/postgresql/data
USER 65532:65532
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgresql-entrypoint"]
