"""HTTP views on the worker's Faust web server: what coders, prior-auth systems and operators call.

- `GET /patients/{patient_id}`: the patient's state, for a coder (bearer token from STREAMS_API_TOKEN).
- `POST /prior-auth/check`: a prior-auth request (the event JSON, or a Da Vinci PAS Bundle) in, the alerts
  it would raise out, judged against the documentation on file, synchronously, producing nothing.
- `GET /healthz` (the process is up) and `GET /readyz` (tables recovered, partitions assigned).

State lives on the worker that owns the patient's partition; a request reaching another worker is
forwarded to the owner (Faust's router for GET, the same lookup for POST, body included).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import orjson
from faust.web import Request, Response, View

from streams import settings
from streams.agents import CONFIG, patients, providers
from streams.app import app
from streams.core.alerts import Alert
from streams.core.engine import apply
from streams.core.events import BadInput, PriorAuth, from_dict
from streams.core.state import PatientState

log = logging.getLogger(__name__)


def _authorized(request: Request) -> bool:
    expected = settings.API_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(expected) and hmac.compare_digest(given.encode(), f"Bearer {expected}".encode())


def _json(view: View, body: Any, status: int = 200) -> Response:
    return view.bytes(orjson.dumps(body), content_type="application/json", status=status)


# Faust's router finds a key's owner from the producer's metadata for the table's changelog topic; the
# producer learns a topic only when it first sends to it, so a worker that had written no state yet
# answered every /patients request with a 500 (seen in the view test).
_routing_known = False


@app.task
async def _learn_changelog_partitions() -> None:
    global _routing_known
    producer = app.producer._ensure_producer()
    for table in (patients, providers):
        await producer.partitions_for(table.changelog_topic.get_topic_name())
    _routing_known = True


def ready() -> bool:
    return _routing_known and app.tables.recovery.completed.is_set() and not app.rebalancing


@app.page("/healthz")
class Health(View):
    async def get(self, request: Request) -> Response:
        return _json(self, {"status": "ok"})


@app.page("/readyz")
class Ready(View):
    async def get(self, request: Request) -> Response:
        if ready():
            return _json(self, {"status": "ready"})
        return _json(self, {"status": "recovering"}, status=503)


@app.page("/patients/{patient_id}")
class Patient(View):
    @app.table_route(table=patients, match_info="patient_id")
    async def get(self, request: Request, patient_id: str) -> Response:
        if not _authorized(request):
            return _json(self, {"error": "a valid bearer token is required"}, status=401)
        raw = patients.get(patient_id.encode())
        if raw is None:
            return _json(self, {"error": "no state for this patient"}, status=404)
        return self.bytes(raw, content_type="application/json")


def prior_auth_from_body(body: bytes) -> PriorAuth:
    """The request body as a prior-auth event: the event JSON itself, or a Da Vinci PAS request Bundle."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadInput("invalid_json", f"body: not valid JSON ({exc})") from None
    if isinstance(doc, dict) and doc.get("resourceType") == "Bundle":
        from streams.fhir import FhirError, pas_bundle_events

        try:
            events = pas_bundle_events(doc)
        except FhirError as exc:
            raise BadInput("schema", str(exc)) from None
        if not events:
            raise BadInput("schema", "body: the Bundle holds no prior-authorization request")
        doc = events[0]
    if not isinstance(doc, dict):
        raise BadInput("invalid_json", "body: expected a JSON object")
    event = from_dict(doc, "prior-auth-requested")
    assert isinstance(event, PriorAuth)
    return event


def check_prior_auth(raw_state: bytes | None, event: PriorAuth) -> list[dict[str, Any]]:
    """The alerts the request would raise now, on a copy of the state (nothing is stored or sent)."""
    state = PatientState.decode(raw_state) if raw_state else None
    if state is not None:
        state.applied = []  # a check may repeat an event id already applied
        state.raised = {}  # report what applies now, even if raised before
    _, outputs = apply(state, event, CONFIG)
    return [o.to_json() for o in outputs if isinstance(o, Alert) and o.rule_id.startswith("PA-")]


@app.page("/prior-auth/check")
class PriorAuthCheck(View):
    async def post(self, request: Request) -> Response:
        # its answer quotes the patient's assessment and imaging sentences: the same token as /patients
        if not _authorized(request):
            return _json(self, {"error": "a valid bearer token is required"}, status=401)
        body = await request.read()
        try:
            event = prior_auth_from_body(body)
        except BadInput as exc:
            return _json(self, {"error": exc.message, "error_class": exc.error_class}, status=400)
        key = event.patient_id.encode()
        try:
            owner = app.router.key_store(patients.name, key)
        except KeyError:
            return _json(self, {"error": "not ready: partitions are being assigned"}, status=503)
        if str(owner).rstrip("/") != str(app.conf.canonical_url).rstrip("/") and "forwarded" not in request.query:
            url = owner.with_path("/prior-auth/check").with_query({"forwarded": "1"})
            headers = {"Content-Type": "application/json", "Authorization": request.headers["Authorization"]}
            async with app.http_client.post(url, data=body, headers=headers) as r:
                return self.bytes(await r.read(), content_type="application/json", status=r.status)
        alerts = check_prior_auth(patients.get(key), event)
        return _json(self, {"request_id": event.request_id, "alerts": alerts})
