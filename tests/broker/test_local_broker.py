"""The local broker script itself: a regression found by a benchmark run."""

from __future__ import annotations

from pathlib import Path

import pytest

import streams.localkafka as localkafka
from streams import settings


def test_a_cluster_id_starting_with_a_dash_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A random base64url cluster id starts with "-" one time in 64; passed as `-t <id>`, StorageTool's
    argparse took it for an option and the broker never started."""
    monkeypatch.setattr(localkafka, "_kafka_uuid", lambda: "-" + "A" * 21)
    broker = localkafka.LocalBroker(state_dir=tmp_path / "broker", cache_dir=settings.CACHE_DIR).start()
    try:
        assert localkafka.running_broker(broker.state_dir) is not None
    finally:
        broker.stop()
