"""Settings reach the engine: the episode gap and the provider-share thresholds are configurable."""

from __future__ import annotations

import os
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
        return run.stdout.strip()

    assert "0.0.0.0" not in url(STREAMS_WEB_BIND="0.0.0.0")
    assert url(STREAMS_WEB_BIND="0.0.0.0", STREAMS_WEB_HOST="worker-2") == "http://worker-2:6066"
    assert url() == "http://127.0.0.1:6066"
