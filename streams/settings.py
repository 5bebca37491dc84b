"""Every setting, read from the environment once, with defaults for a local run.

The same names are used by `scripts/`, `docker-compose.yml` and the tests (a test keeps them in step).
"""

from __future__ import annotations

import os
import socket
import ssl
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"setting {name}={raw!r}: expected an integer") from None


# --- Kafka -------------------------------------------------------------------------------------------
BROKER_URL: str = _env("STREAMS_BROKER_URL", "kafka://127.0.0.1:9092")
TOPIC_PARTITIONS: int = _env_int("STREAMS_TOPIC_PARTITIONS", 4)
TOPIC_REPLICATION: int = _env_int("STREAMS_TOPIC_REPLICATION", 1)
# Replicas that must hold a record before the broker acknowledges it (the worker produces with acks=all):
# 2 of 3 in production, so one broker can fail without losing an acknowledged alert or state write, and
# one fewer than the replication below 3 (1 with one replica, 1 with two: a single broker's restart then
# stops no writes). Set on the topics the project creates, the table changelogs included.
TOPIC_MIN_INSYNC_REPLICAS: int = _env_int("STREAMS_TOPIC_MIN_INSYNC_REPLICAS", min(2, max(1, TOPIC_REPLICATION - 1)))
# How long the dead-letter topic keeps a record: long enough that a Friday's bad input is still there to be
# triaged and replayed after a long weekend (the broker's default is 7 days). The other topics keep the
# broker's default; the changelogs are compacted (faust), so their latest states never expire.
DEAD_LETTER_RETENTION_DAYS: int = _env_int("STREAMS_DEAD_LETTER_RETENTION_DAYS", 30)
APP_ID: str = _env("STREAMS_APP_ID", "lbp-streams")

TOPIC_ENCOUNTERS: str = _env("STREAMS_TOPIC_ENCOUNTERS", "encounter-signed")
TOPIC_IMAGING: str = _env("STREAMS_TOPIC_IMAGING", "imaging-resulted")
TOPIC_PRIOR_AUTH: str = _env("STREAMS_TOPIC_PRIOR_AUTH", "prior-auth-requested")
TOPIC_CLAIMS: str = _env("STREAMS_TOPIC_CLAIMS", "claim-submitted")
TOPIC_ALERTS_CODING: str = _env("STREAMS_TOPIC_ALERTS_CODING", "alerts-coding")
TOPIC_ALERTS_PRIOR_AUTH: str = _env("STREAMS_TOPIC_ALERTS_PRIOR_AUTH", "alerts-prior-auth")
TOPIC_ALERTS_CLAIMS: str = _env("STREAMS_TOPIC_ALERTS_CLAIMS", "alerts-claims")
TOPIC_ALERTS_OPERATIONS: str = _env("STREAMS_TOPIC_ALERTS_OPERATIONS", "alerts-operations")
TOPIC_DEAD_LETTER: str = _env("STREAMS_TOPIC_DEAD_LETTER", "dead-letter")
# LBP encounters re-keyed by provider, for OPS-PROVIDER-UNSPECIFIED-SHARE (one provider's window on one worker)
TOPIC_PROVIDER_ENCOUNTERS: str = _env("STREAMS_TOPIC_PROVIDER_ENCOUNTERS", "provider-encounters")

# Broker security: PLAINTEXT, or SASL_SSL with SCRAM-SHA-512 (user, password, CA file). Anything else is
# refused at start: a typo (`SASL-SSL`) must not quietly fall back to an unauthenticated connection.
SECURITY_PROTOCOLS = ("PLAINTEXT", "SASL_SSL")
SASL_MECHANISM = "SCRAM-SHA-512"
SECURITY_PROTOCOL: str = _env("STREAMS_SECURITY_PROTOCOL", "PLAINTEXT").strip().upper()
SASL_USERNAME: str = _env("STREAMS_SASL_USERNAME", "")
SASL_PASSWORD: str = _env("STREAMS_SASL_PASSWORD", "")
SSL_CAFILE: str = _env("STREAMS_SSL_CAFILE", "")

if not 1 <= TOPIC_MIN_INSYNC_REPLICAS <= TOPIC_REPLICATION:
    # the broker would create the topics, then refuse every acks=all write (NotEnoughReplicas)
    raise SystemExit(
        f"setting STREAMS_TOPIC_MIN_INSYNC_REPLICAS={TOPIC_MIN_INSYNC_REPLICAS}: expected 1 to "
        f"STREAMS_TOPIC_REPLICATION ({TOPIC_REPLICATION})"
    )
if DEAD_LETTER_RETENTION_DAYS < 1:
    raise SystemExit(f"setting STREAMS_DEAD_LETTER_RETENTION_DAYS={DEAD_LETTER_RETENTION_DAYS}: expected 1 or more")
if SECURITY_PROTOCOL not in SECURITY_PROTOCOLS:
    raise SystemExit(f"setting STREAMS_SECURITY_PROTOCOL={SECURITY_PROTOCOL!r}: expected one of {SECURITY_PROTOCOLS}")
if SECURITY_PROTOCOL == "SASL_SSL" and not (SASL_USERNAME and SASL_PASSWORD):
    # named, never shown: the password must not reach a terminal or a log
    raise SystemExit("settings STREAMS_SASL_USERNAME and STREAMS_SASL_PASSWORD are required with SASL_SSL")
if SSL_CAFILE and not Path(SSL_CAFILE).is_file():
    raise SystemExit(f"setting STREAMS_SSL_CAFILE={SSL_CAFILE!r}: no such file")


def ssl_context() -> ssl.SSLContext:
    """TLS for SASL_SSL: the system's CAs, or only STREAMS_SSL_CAFILE's; hostnames are always checked."""
    return ssl.create_default_context(cafile=SSL_CAFILE or None)


def kafka_python_security() -> dict[str, Any]:
    """kafka-python client arguments for the configured security (empty for PLAINTEXT)."""
    if SECURITY_PROTOCOL == "PLAINTEXT":
        return {}
    return {
        "security_protocol": SECURITY_PROTOCOL,
        "sasl_mechanism": SASL_MECHANISM,
        "sasl_plain_username": SASL_USERNAME,
        "sasl_plain_password": SASL_PASSWORD,
        "ssl_context": ssl_context(),
    }


# --- Worker ------------------------------------------------------------------------------------------
DATA_DIR: Path = Path(_env("STREAMS_DATA_DIR", str(REPO_ROOT / "var" / "worker")))
WEB_PORT: int = _env_int("STREAMS_WEB_PORT", 6066)
WEB_BIND: str = _env("STREAMS_WEB_BIND", "127.0.0.1")
# The host other workers reach this one's views at (faust forwards a patient's request to the worker that
# owns its partition by this URL): a wildcard bind address is no address, so the machine's name then.
WEB_HOST: str = _env("STREAMS_WEB_HOST", WEB_BIND if WEB_BIND not in ("0.0.0.0", "::", "") else socket.gethostname())
LOG_LEVEL: str = _env("STREAMS_LOG_LEVEL", "info")
# Events taken from the stream at once: state is written once per patient per batch, alerts are confirmed
# by the broker before the state that remembers them is written (see agents.py).
BATCH_SIZE: int = _env_int("STREAMS_BATCH_SIZE", 500)
BATCH_WITHIN_MS: int = _env_int("STREAMS_BATCH_WITHIN_MS", 50)
# How long the producer holds records to fill one request: a worker waits for every record of a batch
# anyway, so a few ms turns thousands of small produce requests (one socket write each) into a few.
PRODUCER_LINGER_MS: int = _env_int("STREAMS_PRODUCER_LINGER_MS", 5)
# The largest batch of records the producer puts in one request per partition. aiokafka keeps one request in
# flight per broker, so with its 16 KB default a batch's ~1 MB of patient states took ~20 round trips.
PRODUCER_MAX_BATCH_BYTES: int = _env_int("STREAMS_PRODUCER_MAX_BATCH_BYTES", 512 * 1024)
# How long the broker may hold a fetch of the worker's consumers (faust's and the store's restore) when nothing
# is waiting (faust's own is 1.5 s, and the requests of a rebalance queue behind it: streams/fetching.py).
CONSUMER_FETCH_WAIT_MS: int = _env_int("STREAMS_CONSUMER_FETCH_WAIT_MS", 100)
# Decoded states kept for the patients (and providers) written last, about 12 KB each (see pipeline.Decoded).
DECODED_STATES: int = _env_int("STREAMS_DECODED_STATES", 10000)
# Batches an agent may have unfinished (their alerts and states on their way to the broker) while it applies
# the next one; 1 finishes each batch before the next is read (see streams/pipeline.py).
BATCHES_IN_FLIGHT: int = _env_int("STREAMS_BATCHES_IN_FLIGHT", 2)
# Faust's own per-message Prometheus sensor (faust_* metrics), off by default: see streams/metrics.py.
FAUST_METRICS: bool = _env_int("STREAMS_FAUST_METRICS", 0) == 1
# Bearer token for GET /patients/{id}; empty means the view refuses every request.
API_TOKEN: str = _env("STREAMS_API_TOKEN", "")

# --- Reference data and caches -----------------------------------------------------------------------
ICD10CM_DIR: Path = Path(_env("STREAMS_ICD10CM_DIR", str(REPO_ROOT.parent / "shared" / "data" / "icd10cm")))
CACHE_DIR: Path = Path(_env("STREAMS_CACHE_DIR", str(REPO_ROOT / ".cache")))

# --- Rules -------------------------------------------------------------------------------------------
EPISODE_GAP_DAYS: int = _env_int("STREAMS_EPISODE_GAP_DAYS", 90)
PROVIDER_WINDOW_DAYS: int = _env_int("STREAMS_PROVIDER_WINDOW_DAYS", 30)
PROVIDER_MIN_ENCOUNTERS: int = _env_int("STREAMS_PROVIDER_MIN_ENCOUNTERS", 20)
PROVIDER_MIN_SHARE_PERCENT: int = _env_int("STREAMS_PROVIDER_MIN_SHARE_PERCENT", 80)


def engine_config():  # noqa: ANN201 - streams.core.engine.Config, imported late to keep settings light
    """The rule engine's configuration from these settings; both shells (worker, replay) use it."""
    from streams.core.engine import Config
    from streams.core.rules.ops_provider_unspecified_share import ShareConfig

    share = ShareConfig(PROVIDER_WINDOW_DAYS, PROVIDER_MIN_ENCOUNTERS, PROVIDER_MIN_SHARE_PERCENT / 100)
    return Config(episode_gap_days=EPISODE_GAP_DAYS, share=share)
