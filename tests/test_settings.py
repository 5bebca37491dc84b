"""Settings reach the engine: the episode gap and the provider-share thresholds are configurable."""

from __future__ import annotations

import os
import socket
import subprocess
import sys


def test_engine_config_comes_from_the_environment() -> None:
    code = "from streams import settings; c = settings.engine_config(); print(c.episode_gap_days, c.share)"
    env = {
        "STREAMS_EPISODE_GAP_DAYS": "45",
        "STREAMS_PROVIDER_WINDOW_DAYS": "14",
        "STREAMS_PROVIDER_MIN_ENCOUNTERS": "10",
        "STREAMS_PROVIDER_MIN_SHARE_PERCENT": "75",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "45 ShareConfig(window_days=14, min_encounters=10, min_share=0.75)"


def test_a_bad_integer_setting_names_the_variable() -> None:
    code = "import streams.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], env={"STREAMS_TOPIC_PARTITIONS": "four"}, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "STREAMS_TOPIC_PARTITIONS" in result.stderr and "expected an integer" in result.stderr


def test_faust_reads_no_unprefixed_environment_variables() -> None:
    """faust's own names (WEB_PORT, PROCESSING_GUARANTEE, ...) would override the app's explicit settings;
    a Kubernetes service named `web` sets WEB_PORT=tcp://... in every pod."""
    env = {"WEB_PORT": "7777", "PROCESSING_GUARANTEE": "exactly_once", "STREAM_WAIT_EMPTY": "false"}
    code = (
        "from streams.app import app; c = app.conf; "
        "print(c.web_port, c.processing_guarantee.value, c.stream_wait_empty)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["6066", "at_least_once", "True"]


def test_a_wildcard_bind_is_not_the_advertised_url() -> None:
    """Workers forward a patient's request to the owner's advertised URL: http://0.0.0.0:6066 would be
    every worker's, so each would answer for patients it does not hold."""
    code = "from streams.app import app; print(app.conf.canonical_url)"

    def url(**env: str) -> str:
        run = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        return run.stdout.strip()

    assert url(STREAMS_WEB_BIND="0.0.0.0") == f"http://{socket.gethostname()}:6066"  # the host's name, not 0.0.0.0
    assert url(STREAMS_WEB_BIND="0.0.0.0", STREAMS_WEB_HOST="worker-2") == "http://worker-2:6066"
    assert url() == "http://127.0.0.1:6066"


def _settings(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from streams import settings; " + code], env=env, capture_output=True, text=True
    )


def test_min_insync_replicas_follows_the_replication_unless_set() -> None:
    """2 of 3 replicas (one broker may fail without losing an acknowledged write); never more than exist."""
    code = "print(settings.TOPIC_MIN_INSYNC_REPLICAS)"
    assert _settings(code).stdout.strip() == "1"
    assert _settings(code, STREAMS_TOPIC_REPLICATION="2").stdout.strip() == "1"
    assert _settings(code, STREAMS_TOPIC_REPLICATION="3").stdout.strip() == "2"
    assert _settings(code, STREAMS_TOPIC_REPLICATION="5", STREAMS_TOPIC_MIN_INSYNC_REPLICAS="3").stdout.strip() == "3"
    refused = _settings(code, STREAMS_TOPIC_REPLICATION="2", STREAMS_TOPIC_MIN_INSYNC_REPLICAS="3")
    assert refused.returncode != 0
    assert "STREAMS_TOPIC_MIN_INSYNC_REPLICAS=3: expected 1 to STREAMS_TOPIC_REPLICATION (2)" in refused.stderr


def test_topic_configs_give_dead_letters_their_retention() -> None:
    code = "from streams.topics import topic_configs as c; print(c(settings.TOPIC_DEAD_LETTER), c('claim-submitted'))"
    out = _settings(code, STREAMS_DEAD_LETTER_RETENTION_DAYS="2", STREAMS_TOPIC_REPLICATION="3").stdout.strip()
    assert out == "{'min.insync.replicas': '2', 'retention.ms': '172800000'} {'min.insync.replicas': '2'}"
    assert "expected 1 or more" in _settings("", STREAMS_DEAD_LETTER_RETENTION_DAYS="0").stderr


def test_an_existing_topic_below_min_insync_replicas_is_named() -> None:
    """The shortfall a one-broker test cluster cannot show (min.insync.replicas 2 needs 2 replicas): the
    broker's answer stood in for by its shape (kafka-python's describe_configs)."""
    code = """
from streams.topics import config_drift
class Admin:
    def describe_configs(self, resources, config_filter):
        values = {"a": "1", "b": "2", "c": "3"}
        return {"topic": {r.name: {"min.insync.replicas": {"value": values[r.name]}} for r in resources}}
print(config_drift(Admin(), ["a", "b", "c"]))
"""
    out = _settings(code, STREAMS_TOPIC_REPLICATION="3").stdout
    assert "topic a has min.insync.replicas=1, below the 2" in out and "--add-config min.insync.replicas=2" in out
    assert "topic b" not in out and "topic c" not in out
