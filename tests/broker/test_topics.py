"""`lbp-streams topics` (and `worker`, which starts the same way) on a real broker: the project's topics
are created at the configured partition count, and an existing co-partitioned topic with another count
stops it with exit code 2 and the topic named (faust would silently split a patient from its state)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from streams.localkafka import LocalBroker
from tests.broker.harness import Deployment


def _topics(d: Deployment) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", "topics"], env=d.env(), capture_output=True, text=True, timeout=120
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
