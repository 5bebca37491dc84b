"""A real single-node Apache Kafka broker (KRaft) for local runs and tests, without Docker.

The broker's jars come from Maven Central through the small `pom.xml` beside this file (`mvn
dependency:copy-dependencies`), cached under `CACHE_DIR/kafka-<pom hash>/libs` so the second start takes
seconds. A broker lives in a state directory: `server.properties`, the KRaft log dir, `broker.log` (all
broker logging goes there, never to the terminal) and `broker.pid`.

Used by `lbp-streams broker ...` (the README's run command) and by the tests' session fixture.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
LOG4J = HERE / "log4j.properties"


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or reached."""


def libs_dir(cache_dir: Path) -> Path:
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    return cache_dir / f"kafka-{digest}" / "libs"


def fetch(cache_dir: Path) -> Path:
    """Resolve the broker's runtime classpath from Maven Central once; return the folder of jars."""
    libs = libs_dir(cache_dir.resolve())
    done = libs / ".complete"
    if done.exists():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError("Maven (mvn) is not on PATH: it is needed to fetch Apache Kafka's jars")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={libs}",
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise BrokerError(f"mvn could not resolve Kafka's jars:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    done.write_text("ok\n")
    return libs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalBroker:
    """One KRaft broker+controller process on loopback."""

    state_dir: Path
    cache_dir: Path
    port: int = 0
    controller_port: int = 0
    heap: str = "512m"
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "broker.log"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "broker.pid"

    def _write_config(self) -> Path:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.state_dir / "kraft-logs"),
            "num.partitions": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "4",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "false",
            "log.retention.hours": "168",
        }
        path = self.state_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return path

    def _java(self, libs: Path, *args: str) -> list[str]:
        java = shutil.which("java")
        if java is None:
            raise BrokerError("java is not on PATH: Kafka needs Java 17")
        return [
            java, f"-Xmx{self.heap}", "-Xms128m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j.configuration=file:{LOG4J}", f"-Dkafka.log.file={self.log_file}",
            "-cp", f"{libs}/*", *args,
        ]  # fmt: skip

    def start(self, timeout: float = 60.0) -> LocalBroker:
        """Format the KRaft log dir (first start only), start the broker and wait until it answers."""
        libs = fetch(self.cache_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.controller_port = self.controller_port or free_port()
        config = self._write_config()
        if not (self.state_dir / "kraft-logs" / "meta.properties").exists():
            cluster_id = _kafka_uuid()
            fmt = subprocess.run(
                self._java(libs, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)),
                capture_output=True,
                text=True,
            )
            if fmt.returncode != 0:
                raise BrokerError(f"formatting the KRaft log dir failed: {fmt.stdout}{fmt.stderr}")
        with open(self.state_dir / "broker.out", "ab") as out:  # JVM crash output; logging goes to broker.log
            self.process = subprocess.Popen(
                self._java(libs, "kafka.Kafka", str(config)),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches us, not the JVM, and we stop the broker cleanly
            )
        self.pid_file.write_text(f"{self.process.pid} {self.port} {self.controller_port}\n")
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise BrokerError(f"the broker exited with {self.process.returncode}; see {self.log_file}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                _metadata_answers(self.bootstrap)
                return
            except Exception as exc:  # not up yet
                last_error = exc
                time.sleep(0.3)
        self.stop()
        raise BrokerError(f"the broker did not answer within {timeout:.0f}s ({last_error}); see {self.log_file}")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (Kafka's controlled shutdown), then wait; SIGKILL only if it hangs."""
        pid = self.process.pid if self.process else _read_pid(self.pid_file)
        if pid is None:
            return
        _terminate(pid, timeout)
        if self.process is not None:
            self.process.wait(timeout=5)
            self.process = None
        self.pid_file.unlink(missing_ok=True)

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _kafka_uuid() -> str:
    """A Kafka cluster id: a random UUID, base64url without padding (what StorageTool random-uuid prints)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _metadata_answers(bootstrap: str) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000, client_id="lbp-ready")
    try:
        admin.list_topics()
    finally:
        admin.close()


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie child counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _terminate(pid: int, timeout: float) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def running_broker(state_dir: Path) -> tuple[int, int] | None:
    """(pid, port) of a broker started earlier from this state dir, if it still runs."""
    try:
        pid, port, _ = (int(x) for x in (state_dir / "broker.pid").read_text().split())
    except (FileNotFoundError, ValueError):
        return None
    return (pid, port) if _alive(pid) else None
