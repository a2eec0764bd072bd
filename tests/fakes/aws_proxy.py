"""A loopback proxy in front of moto, for tests and benchmarks only (never part of the module).

It forwards every request to moto, and can:
- answer chosen operations from recorded AWS responses (--recorded FILE: a JSON list of
  {"service", "operation", "match", "status", "headers", "body"}; "match" is a substring of the request body or path),
  for what moto cannot do, such as a stack created in 2021;
- count requests per service:operation (--count-file, rewritten after every request);
- add latency per request (--latency-ms);
- answer AWS's throttling errors above per-API rates (--throttle service:Operation=rate[/burst], repeatable; a key of
  just "service" is one bucket that service's other operations share, as Lambda's control plane is), each service in its
  own protocol's shape (400 ThrottlingException, 429 TooManyRequestsException, 400 Throttling, 503 RequestLimitExceeded);
- log every request with its start and end times and status (--request-log FILE, JSON lines), from which the benchmark
  and the concurrency spec read overlap, rates per second and sequential waves.
"""
import argparse
import http.client
import http.server
import json
import re
import threading
import time
import urllib.parse

LAMBDA_ROUTES = [
    ("GET", r"^/2015-03-31/functions/[^/]+/configuration", "GetFunctionConfiguration"),
    ("GET", r"^/2015-03-31/functions/[^/]+/policy", "GetPolicy"),
    ("GET", r"^/2015-03-31/functions/[^/]+$", "GetFunction"),
    ("GET", r"^/2015-03-31/functions/?$", "ListFunctions"),
    ("GET", r"^/2017-03-31/tags/", "ListTags"),
    ("GET", r"^/2018-10-31/layers/", "GetLayerVersion"),
    ("GET", r"^/2018-10-31/layers\?", "GetLayerVersionByArn"),
]


def identify(method, path, headers, body):
    auth = headers.get("Authorization", "")
    scope = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/aws4_request", auth)
    service = scope.group(1) if scope else "unknown"
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.split(".")[-1]
    if body and b"Action=" in body:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        return service, form.get("Action", ["?"])[0]
    for route_method, pattern, operation in LAMBDA_ROUTES:
        if method == route_method and re.search(pattern, path):
            return service, operation
    return service, f"{method} {urllib.parse.urlsplit(path).path}"


class TokenBucket:
    """AWS's throttling model: a bucket of `burst` tokens refilled at `rate` per second; an empty bucket throttles."""

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, burst
        self.tokens, self.at = burst, time.monotonic()

    def take(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def parse_throttles(values):
    buckets = {}
    for value in values or []:
        key, _, rate = value.partition("=")
        rate, _, burst = rate.partition("/")
        buckets[key.strip()] = TokenBucket(float(rate), float(burst or max(1.0, float(rate))))
    return buckets


THROTTLE_ANSWERS = {
    # service: (status, headers, body) in the shape that service's protocol uses
    "lambda": (429, {"x-amzn-ErrorType": "TooManyRequestsException", "Content-Type": "application/json"},
               '{"Type":"User","message":"Rate exceeded","Reason":"CallerRateLimitExceeded"}'),
    "cloudformation": (400, {"Content-Type": "text/xml"},
                       '<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>'
                       '<Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>throttled</RequestId></ErrorResponse>'),
    "ec2": (503, {"Content-Type": "text/xml"},
            '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>RequestLimitExceeded</Code>'
            '<Message>Request limit exceeded.</Message></Error></Errors><RequestID>throttled</RequestID></Response>'),
}
JSON_THROTTLE = (400, {"x-amzn-ErrorType": "ThrottlingException", "Content-Type": "application/x-amz-json-1.1"},
                 '{"__type":"ThrottlingException","message":"Rate exceeded"}')


class State:
    def __init__(self, args):
        self.upstream = urllib.parse.urlsplit(args.upstream)
        self.recorded = json.load(open(args.recorded)) if args.recorded else []
        self.count_file = args.count_file
        self.latency = args.latency_ms / 1000.0
        self.counts = {}
        self.lock = threading.Lock()
        self.throttles = parse_throttles(args.throttle)
        self.request_log = args.request_log

    def throttled(self, service, operation):
        """True when this request is over its API's rate (the operation's own bucket, else its service's)."""
        bucket = self.throttles.get(f"{service}:{operation}") or self.throttles.get(service)
        if bucket is None:
            return False
        with self.lock:
            return not bucket.take()

    def log(self, key, start, status, throttled):
        if self.request_log:
            line = json.dumps({"op": key, "start": start, "end": time.time(), "status": status, "throttled": throttled})
            with self.lock, open(self.request_log, "a") as f:
                f.write(line + "\n")

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            if self.count_file:
                with open(self.count_file, "w") as f:
                    json.dump(self.counts, f)


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            service, operation = identify(self.command, self.path, self.headers, body)
            self.logged = None if self.path.startswith("/moto-api/") else (f"{service}:{operation}", time.time(), False)
            if not self.path.startswith("/moto-api/"):
                state.count(f"{service}:{operation}")
            throttled = self.logged is not None and state.throttled(service, operation)
            if state.latency:
                time.sleep(state.latency)
            if throttled:
                self.logged = self.logged[:2] + (True,)
                status, headers, text = THROTTLE_ANSWERS.get(service, JSON_THROTTLE)
                return self.reply(status, headers, text.encode())
            for rule in state.recorded:
                if rule["service"] == service and rule["operation"] == operation and \
                        (rule.get("match", "") in body.decode("utf-8", "replace") or rule.get("match", "") in self.path):
                    return self.reply(rule.get("status", 200), rule.get("headers", {}), rule["body"].encode())
            connection = http.client.HTTPConnection(state.upstream.hostname, state.upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            passthrough = {k: v for k, v in response.getheaders()
                           if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date")}
            connection.close()
            self.reply(response.status, passthrough, data)

        def reply(self, status, headers, data):
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if self.logged:
                state.log(*self.logged[:2], status, self.logged[2])

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--recorded")
    parser.add_argument("--count-file")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--throttle", action="append", help="service:Operation=rate[/burst] or service=rate[/burst]")
    parser.add_argument("--request-log")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(State(args)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
