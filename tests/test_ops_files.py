"""ops/: the Prometheus config and alert rules, the Grafana provisioning and dashboard, kept in step with the
metrics the worker exports and with docker-compose.yml.

Checked in Python always (YAML and JSON parse, every metric a query names is one the worker exports, the
dashboard has what Grafana needs, its datasource uid is the provisioned one); checked by Prometheus's own
`promtool` (config, rules, and the rule unit tests in ops/prometheus/alerts.test.yml) when it is installed
(Debian: `apt-get install prometheus`); CI does not need it to pass.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import faust.sensors.prometheus
import pytest
import yaml

from streams import settings

ROOT = settings.REPO_ROOT
OPS = ROOT / "ops"
PROMETHEUS = OPS / "prometheus"
DASHBOARD = OPS / "grafana" / "dashboards" / "lbp-streams.json"
DATASOURCES = OPS / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
DASHBOARD_PROVIDERS = OPS / "grafana" / "provisioning" / "dashboards" / "lbp-streams.yml"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
PROMTOOL = shutil.which("promtool")
FAUST_PREFIX = "faust"  # streams/metrics.py: setup_prometheus_sensors(app, name_prefix="faust")

# PromQL words that are not metric names
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
BUILTIN_SERIES = {"up"}  # written by Prometheus for every scrape target


def _declared(source: str, name_pattern: str) -> dict[str, str]:
    """metric name -> Counter/Gauge/Histogram, from prometheus_client constructor calls in `source`."""
    return dict(
        (m.group(2), m.group(1)) for m in re.finditer(rf"\b(Counter|Gauge|Histogram)\(\s*{name_pattern}", source)
    )


def _exported(declared: dict[str, str]) -> set[str]:
    """The series names prometheus_client exports for each declared metric."""
    out: set[str] = set()
    for name, kind in declared.items():
        if kind == "Counter":
            base = name.removesuffix("_total")
            out |= {f"{base}_total", f"{base}_created"}
        elif kind == "Histogram":
            out |= {f"{name}_bucket", f"{name}_sum", f"{name}_count", f"{name}_created"}
        else:
            out.add(name)
    return out


PRODUCT_METRICS = _exported(_declared((ROOT / "streams" / "metrics.py").read_text(), r'"(lbp_\w+)"'))
FAUST_METRICS = _exported(
    {
        f"{FAUST_PREFIX}_{name}": kind
        for name, kind in _declared(
            Path(faust.sensors.prometheus.__file__).read_text(), r'f"\{app_name\}_(\w+)"'
        ).items()
    }
)


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression selects: identifiers that are not functions, keywords, label
    names (inside {} or by/on (...)) or Grafana variables."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges, subqueries, $__rate_interval
    expr = re.sub(r"\$\w+", "", expr)
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][\w:]*)\s*(\()?", expr):
        if m.group(2) is None and m.group(1) not in KEYWORDS:
            names.add(m.group(1))
    return names


def _known(name: str) -> bool:
    """Exported by every worker: Faust's own sensor (faust_*) is off unless STREAMS_FAUST_METRICS=1, so the
    dashboard and the alert rules may not depend on it."""
    return name in PRODUCT_METRICS or name in BUILTIN_SERIES


def _dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def _panels(dash: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in dash["panels"]:
        out.append(p)
        out += p.get("panels", [])  # collapsed rows keep their panels inside
    return out


def _rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [r for g in doc["groups"] for r in g["rules"]]


def test_metric_name_parser() -> None:
    assert metric_names('histogram_quantile(0.95, sum by (le) (rate(lbp_x_bucket{a="b"}[5m])))') == {"lbp_x_bucket"}
    assert metric_names('up{job="lbp-streams"} == 0 or absent(up{job="x"})') == {"up"}
    assert metric_names("a > 0.8 and on (provider_id) b >= 20") == {"a", "b"}
    assert "lbp_events_consumed_total" in PRODUCT_METRICS and "lbp_processing_latency_seconds_bucket" in PRODUCT_METRICS
    assert "faust_messages_received_total" in FAUST_METRICS


def test_prometheus_config_scrapes_the_worker_and_loads_the_rules() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    worker = jobs["lbp-streams"]
    assert worker.get("metrics_path", "/metrics") == "/metrics"
    port = COMPOSE["services"]["worker"]["environment"]["STREAMS_WEB_PORT"]
    # every replica of the worker service, found by DNS (compose --scale), on the worker's port
    assert [(d["names"], d["type"], str(d["port"])) for d in worker["dns_sd_configs"]] == [(["worker"], "A", port)]
    assert "static_configs" not in worker
    for rule_file in config["rule_files"]:
        assert (PROMETHEUS / rule_file).is_file(), rule_file  # relative to the config, as Prometheus reads it


def test_alert_rules_cover_lag_dead_letters_and_worker_down() -> None:
    rules = {r["alert"]: r for r in _rules()}
    assert 'up{job="lbp-streams"} == 0' in rules["LbpWorkerDown"]["expr"]
    assert "lbp_consumer_lag" in rules["LbpConsumerLagGrowing"]["expr"]
    assert rules["LbpConsumerLagGrowing"]["for"] == "10m"
    assert "rate(lbp_dead_letters_total[5m])" in rules["LbpDeadLettersRising"]["expr"]
    assert "lbp_events_outside_code_sets_total" in rules["LbpCodeSetMissing"]["expr"]
    for rule in rules.values():
        assert rule["labels"]["severity"] in ("info", "warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_every_metric_in_rules_and_dashboard_is_exported() -> None:
    exprs = [r["expr"] for r in _rules()]
    exprs += [t["expr"] for p in _panels(_dashboard()) for t in p.get("targets", [])]
    assert exprs
    for expr in exprs:
        unknown = {n for n in metric_names(expr) if not _known(n)}
        assert not unknown, f"{expr}: {sorted(unknown)} not exported by streams/metrics.py"


def test_dashboard_has_the_panels_the_operators_need() -> None:
    dash = _dashboard()
    for key in ("uid", "title", "panels", "schemaVersion", "time", "templating", "annotations"):
        assert key in dash, key
    assert isinstance(dash["schemaVersion"], int) and dash["schemaVersion"] >= 36
    exprs = " ".join(t["expr"] for p in _panels(dash) for t in p.get("targets", []))
    for metric in (
        "lbp_events_consumed_total",
        "lbp_consumer_lag",
        "lbp_processing_latency_seconds_bucket",
        "lbp_alerts_raised_total",
        "lbp_alerts_resolved_total",
        "lbp_dead_letters_total",
        "lbp_provider_unspecified_share",
        "lbp_patient_state_keys",
        "lbp_build_info",
        "lbp_events_outside_code_sets_total",
    ):
        assert metric in exprs, f"no panel shows {metric}"
    assert "histogram_quantile(" in exprs
    share = next(
        p for p in _panels(dash) for t in p.get("targets", []) if t["expr"] == "lbp_provider_unspecified_share"
    )
    steps = share["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert any(s["value"] == 0.8 for s in steps), "the 80% threshold line"
    assert share["fieldConfig"]["defaults"]["custom"]["thresholdsStyle"]["mode"].startswith("line")


def test_dashboard_panels_are_well_formed() -> None:
    panels = _panels(_dashboard())
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for p in panels:
        assert p["type"] and p["title"], p
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24 and g["h"] > 0, p["title"]
        if p["type"] != "row":
            assert p["targets"], p["title"]
            ref_ids = [t["refId"] for t in p["targets"]]
            assert len(ref_ids) == len(set(ref_ids)), p["title"]


def test_datasource_uid_matches_the_provisioning() -> None:
    provisioned = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    prometheus = next(d for d in provisioned if d["type"] == "prometheus")
    assert prometheus["url"] == "http://prometheus:9090"
    used = {
        (ds["type"], ds["uid"])
        for p in _panels(_dashboard())
        for ds in [p.get("datasource"), *(t.get("datasource") for t in p.get("targets", []))]
        if ds
    }
    assert used == {("prometheus", prometheus["uid"])}


def test_compose_mounts_what_grafana_and_prometheus_read() -> None:
    services = COMPOSE["services"]
    prom, grafana = services["prometheus"], services["grafana"]
    assert "9090:9090" in prom["ports"] and "3000:3000" in grafana["ports"]
    assert "healthcheck" in prom and "healthcheck" in grafana
    assert "./ops/prometheus:/etc/prometheus:ro" in prom["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom["command"]
    assert "./ops/grafana/provisioning:/etc/grafana/provisioning:ro" in grafana["volumes"]
    dash_mount = next(v for v in grafana["volumes"] if v.startswith("./ops/grafana/dashboards:"))
    container_dir = dash_mount.split(":")[1]
    providers = yaml.safe_load(DASHBOARD_PROVIDERS.read_text())["providers"]
    assert [p["options"]["path"] for p in providers] == [container_dir]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == f"{container_dir}/{DASHBOARD.name}"
    for name in ("prometheus", "grafana"):
        for volume in services[name]["volumes"]:
            host = volume.split(":")[0]
            if host.startswith("./"):
                assert (ROOT / host).exists(), volume


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian: apt-get install prometheus)")
@pytest.mark.parametrize(
    "args",
    [("check", "config", "prometheus.yml"), ("check", "rules", "alerts.yml"), ("test", "rules", "alerts.test.yml")],
    ids=["check-config", "check-rules", "test-rules"],
)
def test_promtool(args: tuple[str, ...]) -> None:
    result = _promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr
