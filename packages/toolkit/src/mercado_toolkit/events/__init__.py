"""Events: the envelope, the transactional outbox and its relay, idempotent consumers."""
