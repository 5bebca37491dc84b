"""docker-compose.yml and the Dockerfile, kept in step with the settings and the scripts (no Docker runs
here: what can be checked without an engine is checked)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from streams import settings

ROOT = settings.REPO_ROOT
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_SOURCE = (ROOT / "streams" / "settings.py").read_text()


def _pom_kafka_version() -> str:
    pom = (ROOT / "streams" / "localkafka" / "pom.xml").read_text()
    return re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)


def test_every_image_is_pinned_to_a_version() -> None:
    for name, service in COMPOSE["services"].items():
        image = service.get("image")
        if image is None:
            assert "build" in service, name
            continue
        repo, _, tag = image.rpartition(":")
        assert repo and re.fullmatch(r"v?\d+(\.\d+)+(-[\w.]+)?", tag), f"{name}: {image} is not pinned"
    base = re.search(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.M).group(1)
    assert re.search(r":\d+\.\d+\.\d+", base), base


def test_kafka_image_is_the_release_the_scripts_fetch() -> None:
    assert COMPOSE["services"]["kafka"]["image"] == f"apache/kafka:{_pom_kafka_version()}"


def test_worker_env_names_are_settings() -> None:
    for name in ("worker", "topics"):
        env = COMPOSE["services"][name]["environment"]
        for key in env:
            assert f'"{key}"' in SETTINGS_SOURCE, f"{name}: {key} is not read by streams/settings.py"


def test_ports_match_settings() -> None:
    env = COMPOSE["services"]["worker"]["environment"]
    [published] = COMPOSE["services"]["worker"]["ports"]
    host, container = published.rsplit(":", 1)
    assert container == env["STREAMS_WEB_PORT"]
    assert host.split("-")[0] == env["STREAMS_WEB_PORT"]  # the first replica on the port the README names
    assert f'_env_int("STREAMS_WEB_PORT", {env["STREAMS_WEB_PORT"]})' in SETTINGS_SOURCE  # the default
    default_broker = re.search(r'_env\("STREAMS_BROKER_URL", "([^"]+)"\)', SETTINGS_SOURCE).group(1)
    assert f"{default_broker.rsplit(':', 1)[1]}:9092" in COMPOSE["services"]["kafka"]["ports"]
    internal = env["STREAMS_BROKER_URL"].rsplit(":", 1)[1]
    assert f"PLAINTEXT://kafka:{internal}" in COMPOSE["services"]["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]


def test_dockerfile_copies_what_the_worker_loads() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for path in ("streams", "schemas", "pyproject.toml"):
        assert f"COPY {path}" in dockerfile or f" {path} " in dockerfile
    assert Path(ROOT / "schemas").is_dir()


def test_no_secret_has_a_default() -> None:
    """A default token would open the patient views to anyone reaching the published port: compose must
    refuse to start without the operator's own (`${NAME:?...}`)."""
    secrets = {
        name: value
        for service in COMPOSE["services"].values()
        for name, value in (service.get("environment") or {}).items()
        if re.search(r"TOKEN|PASSWORD|SECRET", name)
    }
    assert secrets, "the stack has a token and a password"
    for name, value in secrets.items():
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", str(value)), f"{name}: {value}"


def test_workers_scale_up_to_the_partition_count() -> None:
    """`docker compose up --scale worker=N`: no fixed container name or host port stands in the way of a
    second replica, for as many replicas as there are partitions (more would sit idle)."""
    worker = COMPOSE["services"]["worker"]
    assert "container_name" not in worker and "hostname" not in worker
    [published] = worker["ports"]
    low, _, high = published.rsplit(":", 1)[0].partition("-")
    assert high, f"{published}: one host port, so a second replica could not publish it"
    assert int(high) - int(low) + 1 >= int(worker["environment"]["STREAMS_TOPIC_PARTITIONS"])
