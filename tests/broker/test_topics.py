"""`lbp-streams topics` (and `worker`, which starts the same way) on a real broker: the project's topics
are created at the configured partition count, and an existing co-partitioned topic with another count
stops it with exit code 2 and the topic named (faust would silently split a patient from its state)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streams.localkafka import LocalBroker
from tests.broker.harness import Deployment, Worker


def _topics(d: Deployment, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", "topics"], env=d.env(**env), capture_output=True, text=True, timeout=120
    )


def test_a_topic_with_another_partition_count_stops_it(kafka_broker: LocalBroker, tmp_path: Path) -> None:
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic

    d = Deployment(kafka_broker, tmp_path, partitions=4)
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        admin.create_topics([NewTopic(d.topic("imaging-resulted"), 2, 1)])
    finally:
        admin.close()
    done = _topics(d)
    assert done.returncode == 2, done.stderr
    assert f"{d.topic('imaging-resulted')} has 2" in done.stderr and "STREAMS_TOPIC_PARTITIONS is 4" in done.stderr


def test_topics_created_at_the_setting_pass_the_check(kafka_broker: LocalBroker, tmp_path: Path) -> None:
    d = Deployment(kafka_broker, tmp_path, partitions=3)
    assert _topics(d).returncode == 0
    again = _topics(d)  # all exist now: checked, nothing created
    assert again.returncode == 0, again.stderr


def test_topics_and_changelogs_carry_the_durability_settings(kafka_broker: LocalBroker, tmp_path: Path) -> None:
    """min.insync.replicas on every topic the product creates (faust's changelogs included: the state a
    worker resumes from), and the dead letters' longer retention. Read back from the broker as topic
    configs that differ from its defaults, so a setting that never reached the broker fails here."""
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType

    d = Deployment(kafka_broker, tmp_path, partitions=2)
    env = {"STREAMS_DEAD_LETTER_RETENTION_DAYS": "45"}
    assert _topics(d, **env).returncode == 0
    worker = Worker(d, **env).start()  # faust creates the table changelogs
    worker.stop()
    changelog = f"{d.prefix}-app-patient-state-changelog"
    names = [d.topic("dead-letter"), d.topic("encounter-signed"), changelog]
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    finally:
        admin.close()
    configs = {
        name: {key: entry["value"] for key, entry in entries.items()}
        for by_name in described.values()
        for name, entries in by_name.items()
    }
    assert configs[d.topic("dead-letter")]["retention.ms"] == str(45 * 24 * 3600 * 1000)
    assert "retention.ms" not in configs[d.topic("encounter-signed")]  # the broker's default
    assert configs[changelog]["cleanup.policy"] == "compact"
    for name in names:
        assert configs[name]["min.insync.replicas"] == "1", (name, configs[name])


def test_an_existing_topic_short_of_the_settings_is_named_with_the_fix(
    kafka_broker: LocalBroker, tmp_path: Path
) -> None:
    """Topics made before the settings (here with the broker's defaults) keep their configs: say so."""
    d = Deployment(kafka_broker, tmp_path, partitions=4)
    d.create_topics()
    done = _topics(d)
    assert done.returncode == 0, done.stderr
    dead_letter = d.topic("dead-letter")
    assert f"topic {dead_letter} has retention.ms=604800000, below the 2592000000" in done.stderr, done.stderr
    assert f"--entity-name {dead_letter} --add-config retention.ms=2592000000" in done.stderr
    assert "min.insync.replicas" not in done.stderr  # 1, as the settings ask with one replica
    assert _topics(d, STREAMS_DEAD_LETTER_RETENTION_DAYS="7").stderr.count("below the") == 0
