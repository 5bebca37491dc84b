"""A real single-node Apache Kafka broker (KRaft) for local runs and tests, without Docker.

The broker's jars come from Maven Central through the small `pom.xml` beside this file (`mvn
dependency:copy-dependencies`), cached under `CACHE_DIR/kafka-<pom hash>/libs` so the second start takes
seconds. A broker lives in a state directory: `server.properties`, the KRaft log dir, `broker.log` (all
broker logging goes there, never to the terminal) and `broker.pid`.

Used by `lbp-streams broker ...` (the README's run command) and by the tests' session fixture.

Optionally (`scram=ScramUser(...)`) the broker also listens with SASL_SSL and SCRAM-SHA-512, to test the
product's authenticated path: a throwaway CA and a broker certificate (SAN 127.0.0.1, localhost) made by
the JDK's `keytool` in `state_dir/tls` (the CA as PEM for Python clients' cafile: `ca_file`), and the SCRAM
user written into the KRaft metadata when the log dir is formatted (`StorageTool format --add-scram`), so it
exists before the first client connects. The PLAINTEXT client listener stays (readiness checks, test
tooling), and the controller and inter-broker listeners stay PLAINTEXT on loopback: acceptable for a
single-node broker on 127.0.0.1, not a production layout (there, every listener would authenticate).
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


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM-SHA-512 user the broker knows from its first start (created at format time)."""

    name: str
    password: str

    def __repr__(self) -> str:  # never print the password (logs, pytest output)
        return f"ScramUser(name={self.name!r}, password=***)"


@dataclass
class LocalBroker:
    """One KRaft broker+controller process on loopback; with `scram`, an extra SASL_SSL listener."""

    state_dir: Path
    cache_dir: Path
    port: int = 0
    controller_port: int = 0
    heap: str = "512m"
    process: subprocess.Popen[bytes] | None = None
    scram: ScramUser | None = None  # set: also listen with SASL_SSL + SCRAM-SHA-512 on `sasl_port`
    sasl_port: int = 0

    @property
    def bootstrap(self) -> str:
        """The PLAINTEXT listener (always there)."""
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        """The SASL_SSL listener; only with `scram`."""
        if self.scram is None:
            raise BrokerError("this broker was started without a SASL_SSL listener (scram=None)")
        return f"127.0.0.1:{self.sasl_port}"

    def sasl_client_config(self, password: str | None = None) -> dict[str, str]:
        """kafka-python arguments for the SASL_SSL listener as the SCRAM user (or with another password)."""
        if self.scram is None:
            raise BrokerError("this broker was started without a SASL_SSL listener (scram=None)")
        return {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_plain_username": self.scram.name,
            "sasl_plain_password": self.scram.password if password is None else password,
            "ssl_cafile": str(self.ca_file),
        }

    @property
    def tls_dir(self) -> Path:
        return self.state_dir / "tls"

    @property
    def ca_file(self) -> Path:
        """The PEM of the CA that signed the broker's certificate: the clients' cafile."""
        return self.tls_dir / "ca.pem"

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
        if self.scram is not None:
            props.update(self._sasl_ssl_props())
        path = self.state_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return path

    def _sasl_ssl_props(self) -> dict[str, str]:
        """The SASL_SSL listener: TLS from the keytool keystore, SCRAM-SHA-512 only, no client certificates."""
        listener = f"SASL_SSL://127.0.0.1:{self.sasl_port}"
        prefix = "listener.name.sasl_ssl."
        jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required;"  # users live in the metadata
        return {
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},{listener},CONTROLLER://127.0.0.1:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port},{listener}",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL",
            "sasl.enabled.mechanisms": "SCRAM-SHA-512",
            f"{prefix}sasl.enabled.mechanisms": "SCRAM-SHA-512",
            f"{prefix}scram-sha-512.sasl.jaas.config": jaas,
            f"{prefix}ssl.keystore.type": "PKCS12",
            f"{prefix}ssl.keystore.location": str(self.tls_dir / "broker.p12"),
            f"{prefix}ssl.keystore.password": _KEYSTORE_PASSWORD,
            f"{prefix}ssl.key.password": _KEYSTORE_PASSWORD,
            f"{prefix}ssl.client.auth": "none",
        }

    def _make_certificates(self) -> None:
        """A throwaway CA and a broker certificate it signs, all with the JDK's keytool (no openssl needed).

        A CA rather than a self-signed broker certificate so the Python side verifies a real chain
        (hostname 127.0.0.1 in the SAN) the way it would against a production broker.
        """
        if (self.tls_dir / "broker.p12").exists() and self.ca_file.exists():
            return
        keytool = shutil.which("keytool")
        if keytool is None:
            raise BrokerError("keytool is not on PATH: it comes with the JDK (Java 17) and makes the TLS certificates")
        self.tls_dir.mkdir(parents=True, exist_ok=True)
        ca, broker = str(self.tls_dir / "ca.p12"), str(self.tls_dir / "broker.p12")
        csr, signed = str(self.tls_dir / "broker.csr"), str(self.tls_dir / "broker.pem")
        store = ["-storetype", "PKCS12", "-storepass", _KEYSTORE_PASSWORD, "-keypass", _KEYSTORE_PASSWORD]
        new_key = ["-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30"]
        steps = [
            [*new_key, "-alias", "ca", "-dname", "CN=lbp-streams local test CA", "-ext", "bc:c", "-keystore", ca],
            ["-exportcert", "-rfc", "-alias", "ca", "-keystore", ca, "-file", str(self.ca_file)],
            [*new_key, "-alias", "broker", "-dname", "CN=localhost", "-keystore", broker],
            ["-certreq", "-alias", "broker", "-keystore", broker, "-file", csr],
            [
                "-gencert", "-rfc", "-alias", "ca", "-keystore", ca, "-infile", csr, "-outfile", signed,
                "-validity", "30", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-ext", "EKU=serverAuth",
            ],
            ["-importcert", "-noprompt", "-alias", "ca", "-keystore", broker, "-file", str(self.ca_file)],
            ["-importcert", "-noprompt", "-alias", "broker", "-keystore", broker, "-file", signed],
        ]  # fmt: skip
        for step in steps:
            result = subprocess.run([keytool, *step, *store], capture_output=True, text=True)
            if result.returncode != 0:
                raise BrokerError(f"keytool {step[0]} failed: {result.stdout}{result.stderr}")

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
        if self.scram is not None:
            self.sasl_port = self.sasl_port or free_port()
            self._make_certificates()
        config = self._write_config()
        if not (self.state_dir / "kraft-logs" / "meta.properties").exists():
            cluster_id = _kafka_uuid()
            users = []
            if self.scram is not None:  # the SCRAM user goes into the metadata log with the format
                users = ["--add-scram", f"SCRAM-SHA-512=[name={self.scram.name},password={self.scram.password}]"]
            fmt = subprocess.run(
                # `--cluster-id=<id>`: a base64url id may start with "-", which argparse would read as an option
                self._java(
                    libs, "kafka.tools.StorageTool", "format", f"--cluster-id={cluster_id}", "-c", str(config), *users
                ),
                capture_output=True,
                text=True,
            )
            if fmt.returncode != 0:
                output = f"{fmt.stdout}{fmt.stderr}"
                if self.scram is not None:
                    output = output.replace(self.scram.password, "***")
                raise BrokerError(f"formatting the KRaft log dir failed: {output}")
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
                if self.scram is not None:  # the SCRAM user and the certificate work, not only the port
                    _metadata_answers(self.sasl_bootstrap, **self.sasl_client_config())
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


# Protects only the throwaway test keystores in the state dir (the JKS/PKCS12 format requires one).
_KEYSTORE_PASSWORD = "lbp-streams-local"


def _kafka_uuid() -> str:
    """A Kafka cluster id: a random UUID, base64url without padding (what StorageTool random-uuid prints)."""
    import base64

    return base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")


def _metadata_answers(bootstrap: str, **security: str) -> None:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000, client_id="lbp-ready", **security)
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
