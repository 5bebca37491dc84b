"""Topic names and their creation, with kafka-python's admin client (tooling, not the worker's path).

The four input topics have the same partition count, so Faust co-partitions them: partition N of every
input topic, and of the patient-state changelog, is assigned to the same worker, so one patient's state
lives on one worker. The project creates its topics itself (the broker's auto-creation is off); Faust
creates its own internal changelog topics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import sys
import time

from streams import settings

log = logging.getLogger(__name__)

INPUT_TOPICS = (
    settings.TOPIC_ENCOUNTERS,
    settings.TOPIC_IMAGING,
    settings.TOPIC_PRIOR_AUTH,
    settings.TOPIC_CLAIMS,
)
ALERT_TOPICS = {
    "alerts-coding": settings.TOPIC_ALERTS_CODING,
    "alerts-prior-auth": settings.TOPIC_ALERTS_PRIOR_AUTH,
    "alerts-claims": settings.TOPIC_ALERTS_CLAIMS,
    "alerts-operations": settings.TOPIC_ALERTS_OPERATIONS,
}
# the input topic name an event type arrives on (events.md), as configured
INPUT_TOPIC_OF = {
    "encounter-signed": settings.TOPIC_ENCOUNTERS,
    "imaging-resulted": settings.TOPIC_IMAGING,
    "prior-auth-requested": settings.TOPIC_PRIOR_AUTH,
    "claim-submitted": settings.TOPIC_CLAIMS,
}
CONTRACT_NAME_OF = {v: k for k, v in INPUT_TOPIC_OF.items()}
PROVIDER_TOPIC = settings.TOPIC_PROVIDER_ENCOUNTERS
# the worker's two tables (streams/agents.py); faust names their changelogs "<app id>-<table>-changelog"
PATIENT_TABLE = "patient-state"
PROVIDER_TABLE = "provider-state"


def changelog_topic(table: str) -> str:
    return f"{settings.APP_ID}-{table}-changelog"


def copartitioned_topics() -> list[str]:
    """Topics whose partition N must all be one worker's: the inputs and the patient changelog (a patient's
    events and state), the provider topic and its changelog, all at STREAMS_TOPIC_PARTITIONS."""
    changelogs = [changelog_topic(t) for t in (PATIENT_TABLE, PROVIDER_TABLE)]
    return [*INPUT_TOPICS, PROVIDER_TOPIC, *changelogs]


def all_topics() -> list[str]:
    return [*INPUT_TOPICS, *ALERT_TOPICS.values(), settings.TOPIC_DEAD_LETTER, PROVIDER_TOPIC]


def topic_configs(topic: str) -> dict[str, str]:
    """The configs a topic is created with (a topic that exists keeps its own; change those with
    kafka-configs.sh): min.insync.replicas for every topic, a longer retention for dead letters."""
    configs = {"min.insync.replicas": str(settings.TOPIC_MIN_INSYNC_REPLICAS)}
    if topic == settings.TOPIC_DEAD_LETTER:
        configs["retention.ms"] = str(settings.DEAD_LETTER_RETENTION_DAYS * 24 * 3600 * 1000)
    return configs


def bootstrap_servers(url: str = settings.BROKER_URL) -> list[str]:
    """`kafka://h1:9092;kafka://h2:9092` (Faust's form) -> ['h1:9092', 'h2:9092'] for kafka-python."""
    return [u.split("://", 1)[-1] for u in url.replace(",", ";").split(";") if u.strip()]


class PartitionCountMismatch(SystemExit):
    """An existing topic that must be co-partitioned has another partition count than the setting: exit 2.

    faust does not notice: its assignor groups topics by partition count, so a patient's events and its
    state would silently live on different workers (or changelog writes fail for partitions it lacks)."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message


class BrokerAuthenticationFailed(SystemExit):
    """The broker refused the configured credentials (or TLS could not verify the broker): exit code 2.

    A SystemExit, so the commands that start with `ensure_topics` (`worker`, `topics`) stop with the
    message and no traceback, and no `except Exception` on the way retries a password that will not work.
    """

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message


def check_credentials(url: str = settings.BROKER_URL, timeout: float = 15.0) -> None:
    """With SASL_SSL, authenticate once against the first bootstrap server, or fail at once with a message.

    Why a separate probe: on a wrong password the broker closes the connection, and kafka-python (admin
    client) sees only "socket disconnected" and retries until its bootstrap timeout, while Faust/aiokafka
    log the SASL error and go on reconnecting: the operator would get a hang, not a reason. aiokafka's
    single connection raises the broker's SaslAuthenticationFailed directly. The password is never printed.
    An unreachable broker is not decided here: the clients' own timeouts and messages handle that.
    """
    if settings.SECURITY_PROTOCOL == "PLAINTEXT":
        return
    from aiokafka import errors
    from aiokafka.conn import create_conn

    host, _, port = bootstrap_servers(url)[0].rpartition(":")

    async def probe() -> None:
        conn = await create_conn(
            host,
            int(port),
            client_id="lbp-streams-auth-check",
            request_timeout_ms=int(timeout * 1000),
            ssl_context=settings.ssl_context(),
            security_protocol=settings.SECURITY_PROTOCOL,
            sasl_mechanism=settings.SASL_MECHANISM,
            sasl_plain_username=settings.SASL_USERNAME,
            sasl_plain_password=settings.SASL_PASSWORD,
        )
        conn.close()

    user = settings.SASL_USERNAME
    try:
        asyncio.run(asyncio.wait_for(probe(), timeout))
    except (errors.SaslAuthenticationFailed, errors.AuthenticationFailedError, errors.UnsupportedSaslMechanismError):
        _fail(f"broker authentication failed for user {user}: check STREAMS_SASL_USERNAME/STREAMS_SASL_PASSWORD")
    except ssl.SSLCertVerificationError as exc:
        _fail(f"broker TLS certificate not trusted ({exc.verify_message}): check STREAMS_SSL_CAFILE")
    except (TimeoutError, OSError, errors.KafkaError) as exc:
        log.warning("could not check the broker credentials at %s:%s (%s)", host, port, type(exc).__name__)


def _fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
    raise BrokerAuthenticationFailed(message)


def ensure_topics(
    url: str = settings.BROKER_URL,
    partitions: int = settings.TOPIC_PARTITIONS,
    replication: int = settings.TOPIC_REPLICATION,
    timeout: float = 30.0,
) -> list[str]:
    """Create the project's topics that do not exist yet; return the names created.

    Checks the broker credentials first (`check_credentials`): the first thing the worker and `topics`
    commands do is this, so a wrong password stops them within seconds with exit code 2.
    """
    check_credentials(url)
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers(url), client_id="lbp-streams-admin", **settings.kafka_python_security()
    )
    try:
        existing = set(admin.list_topics())
        missing = [t for t in all_topics() if t not in existing]
        if missing:
            new = [NewTopic(t, partitions, replication, topic_configs=topic_configs(t)) for t in missing]
            with contextlib.suppress(TopicAlreadyExistsError):  # another process created them meanwhile
                admin.create_topics(new, timeout_ms=int(timeout * 1000))
        deadline = time.monotonic() + timeout
        while missing and not set(missing) <= set(admin.list_topics()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"topics not visible after {timeout}s: {missing}")
            time.sleep(0.2)
        if missing:
            log.info("created topics %s with %d partitions", missing, partitions)
        check_partition_counts(admin, partitions, existing | set(missing))
        changelogs = {changelog_topic(t) for t in (PATIENT_TABLE, PROVIDER_TABLE)}
        for warning in config_drift(admin, sorted(existing & {*all_topics(), *changelogs})):
            log.warning(warning)
        return missing
    finally:
        admin.close()


def config_drift(admin: object, topics: list[str]) -> list[str]:
    """What existing topics lack of `topic_configs`, one line each with the command that fixes it: a topic
    created before these settings (or by hand) keeps its own configs, and nothing else would say so.
    Only shortfalls: a higher min.insync.replicas or a longer retention is a deliberate choice."""
    from kafka.admin import ConfigResource, ConfigResourceType

    if not topics:
        return []
    wanted = {t: topic_configs(t) for t in topics}
    resources = [ConfigResource(ConfigResourceType.TOPIC, t, configs=dict.fromkeys(wanted[t])) for t in topics]
    described = admin.describe_configs(resources, config_filter="all")  # type: ignore[attr-defined]
    drift = []
    for topic, entries in sorted(described.get("topic", {}).items()):
        for key, value in wanted.get(topic, {}).items():
            have = (entries.get(key) or {}).get("value")
            if have is not None and int(have) != -1 and int(have) < int(value):  # retention -1: forever
                drift.append(
                    f"topic {topic} has {key}={have}, below the {value} the settings ask for; "
                    f"kafka-configs.sh --alter --entity-type topics --entity-name {topic} --add-config {key}={value}"
                )
    return drift


def check_partition_counts(admin: object, partitions: int, existing: set[str]) -> None:
    """Every co-partitioned topic that exists (`existing`: the topic names ensure_topics has listed) has
    `partitions` partitions, or stop with what to do."""
    names = [t for t in copartitioned_topics() if t in existing]
    described = admin.describe_topics(names)  # type: ignore[attr-defined]
    counts = {d.get("name", d.get("topic")): len(d["partitions"]) for d in described}  # kafka-python 3: "name"
    wrong = {t: n for t, n in counts.items() if n != partitions}
    if wrong:
        found = ", ".join(f"{t} has {n}" for t, n in sorted(wrong.items()))
        message = (
            f"partition counts differ: {found}, STREAMS_TOPIC_PARTITIONS is {partitions}. The input topics, "
            f"{PROVIDER_TOPIC} and the table changelogs must all have the same count (co-partitioning); set "
            "STREAMS_TOPIC_PARTITIONS to theirs, or see README 'Scaling out' to change it"
        )
        print(message, file=sys.stderr, flush=True)
        raise PartitionCountMismatch(message)
