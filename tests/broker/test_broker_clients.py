"""The pinned broker release against the client stack: kafka-python (tooling) and aiokafka (under faust).

Produce, consume in a group, commit and resume, and admin; faust's table changelog restore is proven by
tests/broker/test_worker_recovery.py. These are the checks behind pinning Apache Kafka 3.9.2.
"""

from __future__ import annotations

import asyncio
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from streams.localkafka import LocalBroker


def _topic(broker: LocalBroker, partitions: int = 3) -> str:
    name = f"clients-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic(name, partitions, 1)])
    assert name in admin.list_topics()
    admin.close()
    return name


def test_kafka_python_produce_group_consume_commit(kafka_broker: LocalBroker) -> None:
    topic = _topic(kafka_broker)
    producer = KafkaProducer(bootstrap_servers=kafka_broker.bootstrap, acks="all")
    for i in range(30):
        producer.send(topic, key=f"k{i % 7}".encode(), value=f"v{i}".encode())
    producer.flush()
    producer.close()

    group = f"g-{uuid.uuid4().hex[:6]}"

    def consume(limit: int) -> list[bytes]:
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=kafka_broker.bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            max_poll_records=limit,
        )
        got: list[bytes] = []
        for _ in range(50):
            for records in consumer.poll(timeout_ms=500, max_records=limit - len(got)).values():
                got += [r.value for r in records]
            if len(got) >= limit:
                break
        consumer.commit()
        consumer.close()
        return got

    first = consume(10)
    rest = consume(100)
    assert len(first) == 10
    assert sorted(first + rest) == sorted(f"v{i}".encode() for i in range(30))  # resumed at the commit


def test_aiokafka_produce_group_consume_commit(kafka_broker: LocalBroker) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = _topic(kafka_broker)

    async def main() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_broker.bootstrap, enable_idempotence=True)
        await producer.start()
        for i in range(20):
            await producer.send_and_wait(topic, key=b"k", value=f"v{i}".encode())
        await producer.stop()
        group = f"g-{uuid.uuid4().hex[:6]}"
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka_broker.bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        got = []
        while len(got) < 20:
            batch = await consumer.getmany(timeout_ms=1000)
            got += [r.value for records in batch.values() for r in records]
        await consumer.commit()
        committed = {tp: await consumer.committed(tp) for tp in consumer.assignment()}
        await consumer.stop()
        assert got == [f"v{i}".encode() for i in range(20)]  # one key: one partition, in order
        assert sum(v or 0 for v in committed.values()) == 20

    asyncio.run(main())


def test_partition_of_key_matches_between_clients() -> None:
    """Co-partitioning rests on every client placing a key on the same partition (Java's murmur2)."""
    from aiokafka.partitioner import murmur2 as aio_murmur2
    from kafka.partitioner.default import murmur2 as kp_murmur2

    for key in (b"p1", b"patient-00042", b"\xe9\x00x", b""):
        assert aio_murmur2(key) & 0x7FFFFFFF == kp_murmur2(key) & 0x7FFFFFFF
