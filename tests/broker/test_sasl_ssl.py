"""The product on an authenticating broker: SASL_SSL with SCRAM-SHA-512, TLS verified against a test CA.

A separate LocalBroker (module fixture) adds a SASL_SSL listener: certificates by keytool, the SCRAM user
written at format time. The worker is configured only through the deployment's settings
(STREAMS_SECURITY_PROTOCOL, STREAMS_SASL_USERNAME, STREAMS_SASL_PASSWORD, STREAMS_SSL_CAFILE) and talks
to the SASL_SSL listener only: it creates its topics, consumes, and produces alerts read back here over
SASL_SSL. A wrong password must stop `worker` and `topics` within seconds with a message naming
authentication (not hang in the clients' reconnect loops), and no secret may reach the worker's log.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams import settings
from streams.core.events import TOPIC_OF_TYPE
from streams.generate import generate
from streams.localkafka import LocalBroker, ScramUser
from tests.broker.harness import ALERT_TOPICS, Deployment, Worker

USER = "lbp-worker"
PASSWORD = f"scram-{secrets.token_urlsafe(18)}"  # distinctive, so a leak is found by a plain search
API_TOKEN = f"bearer-{secrets.token_urlsafe(18)}"


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    broker = LocalBroker(
        state_dir=tmp_path_factory.mktemp("sasl-broker"),
        cache_dir=settings.CACHE_DIR,
        scram=ScramUser(USER, PASSWORD),
    )
    broker.start(timeout=120)
    try:
        yield broker
    finally:
        broker.stop()


def _secure_env(broker: LocalBroker, password: str = PASSWORD) -> dict[str, str]:
    return {
        "STREAMS_BROKER_URL": f"kafka://{broker.sasl_bootstrap}",
        "STREAMS_SECURITY_PROTOCOL": "SASL_SSL",
        "STREAMS_SASL_USERNAME": USER,
        "STREAMS_SASL_PASSWORD": password,
        "STREAMS_SSL_CAFILE": str(broker.ca_file),
    }


def _produce(deployment: Deployment, lines: list[bytes]) -> None:
    from kafka import KafkaProducer

    broker = deployment.broker
    producer = KafkaProducer(bootstrap_servers=broker.sasl_bootstrap, acks="all", **broker.sasl_client_config())
    for raw in lines:
        doc = orjson.loads(raw)
        producer.send(deployment.topic(TOPIC_OF_TYPE[doc["event_type"]]), key=doc["patient_id"].encode(), value=raw)
    producer.flush()
    producer.close()


def _read_alerts(deployment: Deployment, timeout: float = 45.0) -> list[dict[str, Any]]:
    """Alerts read over SASL_SSL until some arrived and 3 s passed without more."""
    from kafka import KafkaConsumer

    broker = deployment.broker
    consumer = KafkaConsumer(
        *(deployment.topic(t) for t in ALERT_TOPICS),
        bootstrap_servers=broker.sasl_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        **broker.sasl_client_config(),
    )
    out: list[dict[str, Any]] = []
    start = last = time.monotonic()
    try:
        while time.monotonic() - start < timeout and not (out and time.monotonic() - last > 3):
            for records in consumer.poll(timeout_ms=300).values():
                out += [orjson.loads(r.value) for r in records]
                last = time.monotonic()
    finally:
        consumer.close()
    return out


@pytest.fixture(scope="module")
def secure_run(sasl_broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One worker on SASL_SSL over a small stream: its alerts, its log, whether the token view worked."""
    deployment = Deployment(sasl_broker, tmp_path_factory.mktemp("sasl-deployment"))
    lines = generate(6, seed=5, bad_lines=False).lines
    worker = Worker(deployment, "secure", STREAMS_API_TOKEN=API_TOKEN, **_secure_env(sasl_broker))
    worker.start()
    try:
        _produce(deployment, lines)
        alerts = _read_alerts(deployment)
        patient = orjson.loads(lines[0])["patient_id"]
        statuses = [_get(f"{worker.url}/patients/{patient}", token) for token in (API_TOKEN, "wrong-token", None)]
    finally:
        worker.stop()
    return {"alerts": alerts, "log": worker.log_path.read_text(errors="replace"), "statuses": statuses}


def _get(url: str, token: str | None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_worker_runs_on_sasl_ssl_and_alerts_are_read_back(secure_run: dict[str, Any]) -> None:
    alerts = [a for a in secure_run["alerts"] if a.get("record_type") == "alert"]
    assert alerts, secure_run["log"][-3000:]
    assert all(a["alert_id"] and a["rule_id"] for a in alerts)
    assert "SaslAuthenticationFailed" not in secure_run["log"]
    # the bearer token was used for real (the no-leak test below relies on it): right token in, others out
    assert secure_run["statuses"] == [200, 401, 401]


def test_no_secret_reaches_the_worker_log(secure_run: dict[str, Any]) -> None:
    """The SASL password and the bearer token were used (authentication, a patient view request with the
    token), and neither appears in the log, nor in a truncated or escaped form."""
    log = secure_run["log"]
    assert len(log) > 1000, "the worker should have logged something"
    for secret in (PASSWORD, API_TOKEN):
        for fragment in (secret, secret[-16:], secret[:16]):
            assert fragment not in log


@pytest.mark.parametrize("command", ["worker", "topics"])
def test_a_wrong_password_fails_fast_with_a_clear_message(sasl_broker: LocalBroker, command: str) -> None:
    wrong = f"wrong-{secrets.token_urlsafe(12)}"
    env = Deployment(sasl_broker, Path("/nonexistent")).env(**_secure_env(sasl_broker, wrong))
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "streams", command], env=env, capture_output=True, text=True, timeout=60
    )
    elapsed = time.monotonic() - start
    output = result.stdout + result.stderr
    print(f"\n`lbp-streams {command}` with a wrong password: exit {result.returncode} after {elapsed:.1f}s")
    assert result.returncode == 2, output[-2000:]
    assert elapsed < 30
    assert f"broker authentication failed for user {USER}" in output
    assert "STREAMS_SASL_PASSWORD" in output
    assert wrong not in output and PASSWORD not in output
    assert "Traceback" not in output


def test_an_untrusted_broker_certificate_fails_fast(sasl_broker: LocalBroker, tmp_path: Path) -> None:
    """TLS is verified: with the system CAs instead of the test CA, `topics` stops and names the CA setting."""
    env = Deployment(sasl_broker, tmp_path).env(**_secure_env(sasl_broker))
    env["STREAMS_SSL_CAFILE"] = ""  # the system's CAs, which did not sign the broker's certificate
    result = subprocess.run([sys.executable, "-m", "streams", "topics"], env=env, capture_output=True, text=True)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "STREAMS_SSL_CAFILE" in result.stderr and PASSWORD not in result.stderr + result.stdout
