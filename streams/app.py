"""The one Faust app. Agents and views register themselves on it from their own modules."""

from __future__ import annotations

import faust

from streams import fetching, handoff, settings

fetching.install()  # the worker's consumer long-polls 100 ms, not faust's fixed 1.5 s (streams/fetching.py)
handoff.install()  # a fetched record goes to its stream without four tasks per record (streams/handoff.py)


def _broker_credentials() -> faust.auth.CredentialsT | None:
    """SCRAM-SHA-512 over TLS when STREAMS_SECURITY_PROTOCOL=SASL_SSL (settings refuses anything else but
    PLAINTEXT, so no typo falls back to an unauthenticated connection); faust's repr shows only the user."""
    if settings.SECURITY_PROTOCOL == "PLAINTEXT":
        return None
    return faust.SASLCredentials(
        username=settings.SASL_USERNAME,
        password=settings.SASL_PASSWORD,
        mechanism=settings.SASL_MECHANISM,
        ssl_context=settings.ssl_context(),
    )


app = faust.App(
    settings.APP_ID,
    broker=settings.BROKER_URL,
    broker_credentials=_broker_credentials(),
    # State lives in memory and is rebuilt from the changelog topics on start or rebalance: the changelog
    # is the durable copy (no RocksDB build needed); see README "State and recovery". `bulkmemory` is
    # faust's memory store restored in bulk (streams/tablestore.py).
    store="bulkmemory://",
    topic_partitions=settings.TOPIC_PARTITIONS,
    topic_replication_factor=settings.TOPIC_REPLICATION,
    topic_allow_declare=True,
    topic_disable_leader=True,
    datadir=str(settings.DATA_DIR),
    web_port=settings.WEB_PORT,
    web_bind=settings.WEB_BIND,
    web_host=settings.WEB_HOST,
    # faust's own /table/ views would serve table contents (patient states) to anyone, without the token
    web_tables_enabled=False,
    consumer_auto_offset_reset="earliest",
    producer_acks=-1,
    producer_linger=settings.PRODUCER_LINGER_MS / 1000,
    producer_max_batch_size=settings.PRODUCER_MAX_BATCH_BYTES,
    # how long aiokafka waits for a send before it fails it (faust's default: 20 minutes); the pipeline
    # then sends again itself, counted in lbp_delivery_retries_total, so an outage shows within a minute
    producer_request_timeout=30.0,
    processing_guarantee="at_least_once",
    autodiscover=["streams.agents", "streams.views"],
    origin="streams",
    # settings come from STREAMS_* only (streams/settings.py): faust would otherwise let unprefixed names
    # (WEB_PORT, PROCESSING_GUARANTEE, BROKER_URL, a Kubernetes service link's WEB_PORT=tcp://...) override them
    env={},
)
