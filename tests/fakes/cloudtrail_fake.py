"""CloudTrail's Event history and its LookupEvents operation, for tests and benchmarks only (moto 5.2.1 has no
LookupEvents). aws_proxy.py answers cloudtrail:LookupEvents from one EventHistory and lets tests seed it over HTTP:
POST /_cloudtrail/events {"events": [{"record": <CloudTrail record>, "resources": [{ResourceType, ResourceName}]}]}
(tests/fakes/cloudtrail_records.py builds them), POST /_cloudtrail/reset.

As AWS answers (docs/reference/cloudtrail.md, "LookupEvents"): management events of the last 90 days only, at most one
lookup attribute (EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId),
StartTime/EndTime inclusive (epoch seconds), newest first, MaxResults 1-50 (default 50), a NextToken that only works
with the same attribute and times, and each event as an envelope whose CloudTrailEvent is the record as a JSON string.
The 2-requests-per-second quota is the proxy's token bucket (aws_proxy.py, --throttle), answered as ThrottlingException.
"""
import base64
import datetime
import hashlib
import json
import threading
import time

LOOKUP_KEYS = ("EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId")
RETENTION_SECONDS = 90 * 86400
MAX_RESULTS = 50
# AWS's own quota for LookupEvents: 2 per second per account and region.
RATE = 2.0


def _epoch(text):
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()


def _username(identity):
    """What Event history shows as the user name: the IAM user, the role session, root, or the acting service."""
    kind = identity.get("type")
    if kind == "IAMUser":
        return identity.get("userName")
    if kind == "Root":
        return "root"
    if kind in ("AssumedRole", "FederatedUser"):
        return identity.get("arn", "").rsplit("/", 1)[-1] or None
    if kind == "IdentityCenterUser":
        return identity.get("onBehalfOf", {}).get("userId")
    return identity.get("invokedBy")


class ApiError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class EventHistory:
    def __init__(self, clock=time.time):
        self._clock = clock
        self._lock = threading.Lock()
        self._events = []  # (epoch, envelope), newest first

    def reset(self):
        with self._lock:
            self._events = []
        return {"events": 0}

    def add(self, events):
        envelopes = []
        for item in events:
            rec = item["record"]
            identity = rec.get("userIdentity") or {}
            envelope = {"EventId": rec["eventID"], "EventName": rec["eventName"],
                        "ReadOnly": "true" if rec.get("readOnly") else "false"}
            if identity.get("accessKeyId"):
                envelope["AccessKeyId"] = identity["accessKeyId"]
            envelope["EventTime"] = _epoch(rec["eventTime"])
            envelope["EventSource"] = rec["eventSource"]
            if _username(identity):
                envelope["Username"] = _username(identity)
            envelope["Resources"] = item.get("resources") or [
                {"ResourceType": r.get("type"), "ResourceName": r.get("ARN")} for r in rec.get("resources", [])]
            envelope["CloudTrailEvent"] = json.dumps(rec, separators=(",", ":"))
            envelopes.append((envelope["EventTime"], rec.get("managementEvent", True), envelope))
        with self._lock:
            self._events.extend(envelopes)
            self._events.sort(key=lambda e: -e[0])
            return {"events": len(self._events)}

    def lookup(self, request):
        """LookupEvents' answer to a request body (a dict); raises ApiError as AWS would refuse it."""
        attributes = request.get("LookupAttributes") or []
        if len(attributes) > 1:
            raise ApiError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.")
        key = value = None
        if attributes:
            key, value = attributes[0].get("AttributeKey"), attributes[0].get("AttributeValue")
            if key not in LOOKUP_KEYS or value is None:
                raise ApiError("InvalidLookupAttributesException", f"The attribute key '{key}' is not valid.")
            if len(value) > 2000:
                raise ApiError("InvalidLookupAttributesException", "The attribute value is longer than 2000 characters.")
        limit = request.get("MaxResults", MAX_RESULTS)
        if not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
            raise ApiError("InvalidMaxResultsException", "MaxResults must be between 1 and 50.")
        if request.get("EventCategory") not in (None, "insight"):
            raise ApiError("InvalidEventCategoryException", "The event category is not valid.")
        now = self._clock()
        oldest = now - RETENTION_SECONDS
        start = float(request.get("StartTime", oldest))
        end = float(request.get("EndTime", now))
        if start > end:
            raise ApiError("InvalidTimeRangeException", "The start time is after the end time.")
        # The token carries the bounds the first page resolved, so "until now" stays the same moment across pages.
        query = hashlib.sha256(json.dumps([key, value, request.get("StartTime"), request.get("EndTime")]).encode()).hexdigest()[:16]
        offset = 0
        if request.get("NextToken"):
            try:
                token = json.loads(base64.b64decode(request["NextToken"]))
                offset, token_query, start, end = int(token["o"]), token["q"], float(token["s"]), float(token["e"])
            except (ValueError, KeyError, TypeError):
                raise ApiError("InvalidNextTokenException", "The token is not valid.")
            if token_query != query:
                raise ApiError("InvalidNextTokenException", "The token was issued for other parameters.")
        if request.get("EventCategory") == "insight":
            return {"Events": []}
        with self._lock:
            matching = [e for t, management, e in self._events
                        if management and max(start, oldest) <= t <= end and self._matches(e, key, value)]
        page = matching[offset:offset + limit]
        answer = {"Events": page}
        if offset + limit < len(matching):
            answer["NextToken"] = base64.b64encode(json.dumps({"o": offset + limit, "q": query, "s": start, "e": end}).encode()).decode()
        return answer

    @staticmethod
    def _matches(envelope, key, value):
        if key is None:
            return True
        if key == "ResourceName":
            return any(r.get("ResourceName") == value for r in envelope["Resources"])
        if key == "ResourceType":
            return any(r.get("ResourceType") == value for r in envelope["Resources"])
        return envelope.get(key) == value


def answer(history, body):
    """(status, headers, body bytes) of LookupEvents in awsJson1.1."""
    try:
        request = json.loads(body or b"{}")
        return 200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(history.lookup(request)).encode()
    except ApiError as e:
        return 400, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": e.code}, \
            json.dumps({"__type": e.code, "Message": e.message}).encode()
    except ValueError:
        return 400, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "SerializationException"}, \
            json.dumps({"__type": "SerializationException", "Message": "The request body is not JSON."}).encode()
