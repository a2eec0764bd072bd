"""A loopback proxy in front of moto, for tests and benchmarks only (never part of the module).

It forwards every request to moto, and can:
- answer chosen operations from recorded AWS responses (--recorded FILE: a JSON list of
  {"service", "operation", "match", "status", "headers", "body"}; "match" is a substring of the request body or path),
  for what moto cannot do, such as a stack created in 2021;
- count requests per service:operation (--count-file, rewritten after every request);
- add latency per request (--latency-ms), and more to requests whose body or path names a text (--delay TEXT=MS,
  repeatable), so that items of one run finish in an order other than the one they started in;
- record every request it sees, one JSON line each {"service", "operation", "method", "path", "body" (a digest)} (--record-file),
  so a test can say which operations a run used;
- inject faults (--fault KIND:OPERATION:RATE, repeatable; OPERATION "*" is every operation, RATE 0..1, drawn from
  a generator seeded by --fault-seed): "throttle" and "500" (in the request's protocol: ThrottlingException,
  TooManyRequestsException, Throttling or RequestLimitExceeded; InternalFailure or InternalError), "reset"
  (connection closed without an answer), "slow" (answer after --slow-seconds), "truncate" (headers promise more
  body than is sent, then the connection closes);
- stand in for S3 behind Lambda's presigned code URLs (--code-dir DIR): moto's GetFunction answers name a host it does
  not serve, and moto has no GetLayerVersionByArn. With --code-dir the proxy rewrites Code.Location in GetFunction
  answers to /_code/functions/<name>.zip on itself, answers GetLayerVersionByArn from moto's GetLayerVersion with
  Content.Location rewritten to /_code/layers/<name>-<version>.zip, and serves those files from DIR (404 NoSuchKey
  when absent). --expired-code NAME answers 403 "Request has expired" for that function or layer name every time;
  --flaky-code NAME answers 503 SlowDown to its first download. Downloads are counted as s3:GetObject.
- answer AWS's throttling errors above per-API rates (--throttle service:Operation=rate[/burst], repeatable; a key of
  just "service" is one bucket that service's other operations share, as Lambda's control plane is), each service in its
  own protocol's shape (400 ThrottlingException, 429 TooManyRequestsException, 400 Throttling, 503 RequestLimitExceeded),
  with buckets per account and region as AWS keeps them (the account of an assumed role's key is learnt from the
  AssumeRole answer; any other key is moto's default account's);
- record the upstream's answers (--record-answers FILE) and answer from them from memory (--replay FILE), keyed by
  account, region, operation and the request without its time window or session name, so that a benchmark measures
  the client rather than moto; what is not recorded goes upstream and is logged as not replayed;
- log every request with its start and end times, status, account, region and whether it was replayed
  (--request-log FILE, JSON lines), from which the benchmark and the concurrency spec read overlap, rates per second
  and sequential waves;
- answer Secrets Manager's BatchGetSecretValue (SecretIdList) as AWS does, each secret's AWSCURRENT version or an entry
  in Errors, from the upstream's GetSecretValue (moto 5.2.1 answers a rotated secret's latest version whatever its
  labels, and fails the whole call when that version has no value);
- answer Lambda's VpcConfig.VpcId as AWS does, the VPC of the function's subnets (moto answers a fixed placeholder),
  looked up with EC2 DescribeSubnets on the upstream (not counted, not logged); left as moto's when the upstream does not
  know the subnets;
- serve CloudTrail's LookupEvents (moto 5.2.1 has none) from an Event history tests seed over HTTP
  (POST /_cloudtrail/events, POST /_cloudtrail/reset; cloudtrail_fake.py), throttled at AWS's 2 requests per second
  unless --throttle cloudtrail:LookupEvents=RATE says otherwise (0: no limit).
"""
import argparse
import hashlib
import http.client
import http.server
import json
import os
import random
import re
import socket
import threading
import time
import urllib.parse

import cloudtrail_fake

LAMBDA_ROUTES = [
    ("GET", r"^/2015-03-31/functions/[^/]+/configuration", "GetFunctionConfiguration"),
    ("GET", r"^/2015-03-31/functions/[^/]+/policy", "GetPolicy"),
    ("GET", r"^/2015-03-31/functions/[^/]+$", "GetFunction"),
    ("GET", r"^/2015-03-31/functions/?$", "ListFunctions"),
    ("GET", r"^/2017-03-31/tags/", "ListTags"),
    ("GET", r"^/2018-10-31/layers/", "GetLayerVersion"),
    ("GET", r"^/2018-10-31/layers\?", "GetLayerVersionByArn"),
    ("PUT", r"^/2015-03-31/functions/[^/]+/configuration", "UpdateFunctionConfiguration"),
    ("POST", r"^/2015-03-31/functions/[^/]+/policy", "AddPermission"),
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
    """The --throttle rules as key -> (rate, burst), and CloudTrail's own quota unless a rule names it; a rate of 0 is
    no limit (None)."""
    rules = {"cloudtrail:LookupEvents": (cloudtrail_fake.RATE, cloudtrail_fake.RATE)}
    for value in values or []:
        key, _, rate = value.partition("=")
        rate, _, burst = rate.partition("/")
        rules[key.strip()] = (float(rate), float(burst or max(1.0, float(rate)))) if float(rate) > 0 else None
    return rules


# Request fields that differ from run to run for the same question (a log search's time window, an assumed role's
# session name): left out of the key a replayed answer is found by.
VOLATILE_FIELD = re.compile(r"(?i)^(start_?time|end_?time|rolesessionname|x-amz-signature|x-amz-date)$")


def canonical(path, body):
    """The path (query sorted) and body (JSON or form, keys sorted) of a request without its volatile fields."""
    parts = urllib.parse.urlsplit(path)
    query = sorted((k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if not VOLATILE_FIELD.match(k))
    text = body.decode("utf-8", "replace")
    try:
        def strip(value):
            if isinstance(value, dict):
                return {k: strip(v) for k, v in value.items() if not VOLATILE_FIELD.match(k)}
            return [strip(v) for v in value] if isinstance(value, list) else value
        text = json.dumps(strip(json.loads(text)), sort_keys=True) if text.strip() else ""
    except ValueError:
        text = urllib.parse.urlencode(sorted((k, v) for k, v in urllib.parse.parse_qsl(text, keep_blank_values=True) if not VOLATILE_FIELD.match(k)))
    return f"{parts.path}?{urllib.parse.urlencode(query)} {text}"


class Answers:
    """Recorded answers (--record-answers FILE) and their replay (--replay FILE), so that a measured run is answered from
    memory at AWS's latency and rates instead of by moto (one Python process, one interpreter lock), which then measures
    the client rather than the rig. A key is the account, region, service, operation, method and canonical request;
    BatchGetSecretValue is answered per secret from the GetSecretValue answers recorded while a batch was forwarded."""

    def __init__(self, record_file, replay_file, port):
        self.record_file = record_file
        # Answers name this proxy (GetFunction's code location): recorded with a placeholder, replayed with the port
        # of the proxy that replays them.
        self.own_url, self.placeholder = f"http://127.0.0.1:{port}".encode(), b"http://proxy.invalid"
        self.answers = {}
        self.lock = threading.Lock()
        if replay_file:
            with open(replay_file) as f:
                for line in f:
                    entry = json.loads(line)
                    self.answers[entry["key"]] = (entry["status"], entry["headers"], entry["body"].encode("latin-1"))
        self.replaying = bool(replay_file)

    def get(self, key):
        answer = self.answers.get(key)
        return answer and (answer[0], answer[1], answer[2].replace(self.placeholder, self.own_url))

    def put(self, key, status, headers, data):
        if not self.record_file:
            return
        data = data.replace(self.own_url, self.placeholder)
        entry = {"key": key, "status": status, "headers": headers, "body": data.decode("latin-1")}
        with self.lock:
            if key in self.answers:
                return
            self.answers[key] = (status, headers, data)
            with open(self.record_file, "a") as f:
                f.write(json.dumps(entry) + "\n")


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
        self.delays = [(text.encode(), float(ms) / 1000.0) for text, ms in (rule.rsplit("=", 1) for rule in args.delay or [])]
        self.counts = {}
        self.lock = threading.Lock()
        self.throttles = parse_throttles(args.throttle)
        self.buckets = {}
        self.accounts = {}
        self.answers = Answers(args.record_answers, args.replay, args.port)
        self.request_log = args.request_log
        self.record_file = args.record_file
        self.faults = [parse_fault(rule) for rule in args.fault or []]
        self.random = random.Random(args.fault_seed)
        self.slow_seconds = args.slow_seconds
        self.port = args.port
        self.code_dir = args.code_dir
        self.expired = set(args.expired_code or [])
        self.flaky = set(args.flaky_code or [])
        self.flaked = set()
        self.subnet_vpcs = {}
        self.cloudtrail = cloudtrail_fake.EventHistory()

    def throttled(self, service, operation, account, region):
        """True when this request is over its API's rate (the operation's own bucket, else its service's), in the
        account and region's own buckets as AWS keeps them."""
        own = f"{service}:{operation}"
        rule_key = own if own in self.throttles else service
        rule = self.throttles.get(rule_key)
        if rule is None:
            return False
        with self.lock:
            bucket = self.buckets.get((account, region, rule_key))
            if bucket is None:
                bucket = self.buckets[(account, region, rule_key)] = TokenBucket(*rule)
            return not bucket.take()

    def account_of(self, access_key):
        """The account a request's access key belongs to: learnt from the AssumeRole answers this proxy passed on;
        any other key is moto's default account's."""
        with self.lock:
            return self.accounts.get(access_key, "123456789012")

    def learn_credentials(self, data):
        found = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", data)
        account = re.search(rb"arn:aws:sts::(\d{12}):assumed-role", data)
        if found and account:
            with self.lock:
                self.accounts[found.group(1).decode()] = account.group(1).decode()

    def log(self, key, start, status, throttled, scope=("", ""), replayed=None):
        if self.request_log:
            line = json.dumps({"op": key, "start": start, "end": time.time(), "status": status, "throttled": throttled,
                               "account": scope[0], "region": scope[1], "replayed": replayed})
            with self.lock, open(self.request_log, "a") as f:
                f.write(line + "\n")

    def record(self, entry):
        if not self.record_file:
            return
        with self.lock, open(self.record_file, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def fault_for(self, operation):
        with self.lock:
            for kind, rule_operation, rate in self.faults:
                if rule_operation in ("*", operation) and self.random.random() < rate:
                    return kind
        return None

    def code_url(self, kind, file_name):
        # The query imitates a presigned URL's, so a client that printed it would show in the tests.
        return f"http://127.0.0.1:{self.port}/_code/{kind}/{urllib.parse.quote(file_name)}?X-Amz-Signature=not-a-real-signature"

    def count(self, key):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            if self.count_file:
                with open(self.count_file, "w") as f:
                    json.dump(self.counts, f)


FAULT_KINDS = ("throttle", "500", "reset", "slow", "truncate")


def parse_fault(rule):
    kind, operation, rate = (rule.split(":") + ["*", "1"])[:3]
    if kind not in FAULT_KINDS:
        raise SystemExit(f"--fault {rule}: the kind must be one of {', '.join(FAULT_KINDS)}")
    return kind, operation or "*", float(rate)


def protocol_error(fault, service, body):
    """(status, headers, body) of a throttling or internal error as the service would write it, so SDK clients
    (AWSSDK.EC2) recognise it as retryable as they would in AWS."""
    throttle = fault == "throttle"
    if body and b"Action=" in body:
        if service == "ec2":
            code = "RequestLimitExceeded" if throttle else "InternalError"
            xml = f"<Response><Errors><Error><Code>{code}</Code><Message>injected fault</Message></Error></Errors><RequestID>f</RequestID></Response>"
            return 503 if throttle else 500, {"Content-Type": "text/xml"}, xml.encode()
        code, kind = ("Throttling", "Sender") if throttle else ("InternalFailure", "Receiver")
        xml = f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>injected fault</Message></Error><RequestId>f</RequestId></ErrorResponse>"
        return 400 if throttle else 500, {"Content-Type": "text/xml"}, xml.encode()
    code = ("TooManyRequestsException" if service == "lambda" else "ThrottlingException") if throttle else "InternalFailure"
    status = (429 if service == "lambda" else 400) if throttle else 500
    return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, \
        json.dumps({"__type": code, "message": "injected fault", "Message": "injected fault"}).encode()


def real_vpc(state, region, subnet):
    """The VPC of a subnet as the upstream's EC2 says (DescribeSubnets, unsigned: moto checks no signature unless it
    enforces IAM), or None; remembered for the proxy's life."""
    with state.lock:
        if subnet in state.subnet_vpcs:
            return state.subnet_vpcs[subnet]
    connection = http.client.HTTPConnection(state.upstream.hostname, state.upstream.port, timeout=60)
    try:
        connection.request("POST", "/", body=urllib.parse.urlencode({"Action": "DescribeSubnets", "Version": "2016-11-15", "SubnetId.1": subnet}),
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0"})
        response = connection.getresponse()
        found = re.search(rb"<vpcId>([^<]+)</vpcId>", response.read()) if response.status == 200 else None
        vpc = found.group(1).decode() if found else None
    except OSError:
        vpc = None
    finally:
        connection.close()
    with state.lock:
        state.subnet_vpcs[subnet] = vpc
    return vpc


def batch_get_secret_value(state, headers, body, scope):
    """BatchGetSecretValue's answer to a SecretIdList: each secret's AWSCURRENT version, or its error, from the upstream's
    GetSecretValue sent with the batch's own headers (moto checks no signature unless it enforces IAM; then each secret
    is an error, as a denied one would be), or replayed from those recorded. Four at a time, as AWS answers a batch in
    about one round trip. Returns the answer and how many secrets were not in the replayed answers."""
    forwarded = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection", "content-length")}
    forwarded["X-Amz-Target"] = "secretsmanager.GetSecretValue"
    ids = json.loads(body).get("SecretIdList", [])
    answers = {}
    missed = []

    def read(part):
        connection = http.client.HTTPConnection(state.upstream.hostname, state.upstream.port, timeout=60)
        try:
            for secret_id in part:
                # A recorded GetSecretValue answer for the secret is its answer here too.
                recorded = next((r for r in state.recorded if r["service"] == "secretsmanager" and r["operation"] == "GetSecretValue"
                                 and r.get("match", "") in secret_id), None)
                if recorded:
                    answers[secret_id] = recorded.get("status", 200), json.loads(recorded["body"])
                    continue
                key = f"{scope[0]}/{scope[1]}/secretsmanager:BatchGetSecretValue#{secret_id}"
                replayed = state.answers.get(key) if state.answers.replaying else None
                if replayed:
                    answers[secret_id] = replayed[0], json.loads(replayed[2])
                    continue
                if state.answers.replaying:
                    missed.append(secret_id)
                connection.request("POST", "/", body=json.dumps({"SecretId": secret_id, "VersionStage": "AWSCURRENT"}), headers=forwarded)
                response = connection.getresponse()
                data = response.read()
                state.answers.put(key, response.status, {}, data)
                try:
                    answers[secret_id] = response.status, json.loads(data)
                except ValueError:
                    answers[secret_id] = response.status, {"__type": "AccessDeniedException", "Message": data.decode("utf-8", "replace")[:200]}
        finally:
            connection.close()

    threads = [threading.Thread(target=read, args=(ids[i::4],)) for i in range(min(4, len(ids)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    values, errors = [], []
    for secret_id in ids:
        status, answer = answers.get(secret_id, (500, {"__type": "InternalFailure"}))
        if status == 200:
            values.append(answer)
        else:
            errors.append({"SecretId": secret_id, "ErrorCode": str(answer.get("__type", status)).split("#")[-1],
                           "Message": answer.get("Message", answer.get("message", ""))})
    return json.dumps({"SecretValues": values, "Errors": errors}).encode(), len(missed)


def make_handler(state):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body are separate writes: with Nagle's algorithm the body would wait for the client's delayed ACK
        # (40 ms on Linux), a delay AWS does not add.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            service, operation = identify(self.command, self.path, self.headers, body)
            if self.path.startswith("/_cloudtrail/"):
                return self.seed_cloudtrail(body)
            scope = self.scope()
            self.replayed = None
            self.logged = None if self.path.startswith(("/moto-api/", "/_code/")) else (f"{service}:{operation}", time.time(), False)
            if not self.path.startswith(("/moto-api/", "/_code/")):
                state.count(f"{service}:{operation}")
                state.record({"service": service, "operation": operation, "method": self.command, "path": self.path,
                              "body": hashlib.sha1(body).hexdigest()[:12]})
                fault = state.fault_for(operation)
                if fault and self.inject(fault, service, body):
                    return
            throttled = self.logged is not None and state.throttled(service, operation, *scope)
            wait = state.latency + sum(s for text, s in state.delays if text in body or text in self.path.encode())
            if wait:
                time.sleep(wait)
            if throttled:
                self.logged = self.logged[:2] + (True,)
                status, headers, text = THROTTLE_ANSWERS.get(service, JSON_THROTTLE)
                return self.reply(status, headers, text.encode())
            if state.code_dir and self.path.startswith("/_code/"):
                return self.serve_code()
            for rule in state.recorded:
                if rule["service"] == service and rule["operation"] == operation and \
                        (rule.get("match", "") in body.decode("utf-8", "replace") or rule.get("match", "") in self.path):
                    return self.reply(rule.get("status", 200), rule.get("headers", {}), rule["body"].encode())
            if service == "cloudtrail" and operation == "LookupEvents":
                return self.reply(*cloudtrail_fake.answer(state.cloudtrail, body))
            if operation == "BatchGetSecretValue" and b"SecretIdList" in body:
                data, missed = batch_get_secret_value(state, self.headers, body, scope)
                if state.answers.replaying:
                    self.replayed = not missed
                return self.reply(200, {"Content-Type": "application/x-amz-json-1.1"}, data)
            # Only a recording or replaying proxy needs the answer's key (canonical() parses and sorts the body).
            keyed = state.answers.record_file or state.answers.replaying
            key = f"{scope[0]}/{scope[1]}/{service}:{operation} {self.command} {canonical(self.path, body)}" if keyed else None
            if state.answers.replaying:
                answer = state.answers.get(key)
                self.replayed = answer is not None
                if answer:
                    return self.reply(*answer)
            path = self.path
            if state.code_dir and operation == "GetLayerVersionByArn":
                arn = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("Arn", [""])[0]
                layer, version = arn.split(":")[-2:] if arn.count(":") >= 7 else ("", "")
                path = f"/2018-10-31/layers/{urllib.parse.quote(layer)}/versions/{urllib.parse.quote(version)}"
            status, passthrough, data = self.forward(path, body)
            if state.code_dir and status == 200 and operation in ("GetFunction", "GetLayerVersionByArn"):
                data = self.rewrite_location(operation, data)
            if status == 200 and operation in ("GetFunction", "GetFunctionConfiguration"):
                data = self.rewrite_vpc_id(operation, data)
            if keyed:
                state.answers.put(key, status, passthrough, data)
            self.reply(status, passthrough, data)

        def seed_cloudtrail(self, body):
            """POST /_cloudtrail/events adds events to the Event history; POST /_cloudtrail/reset empties it."""
            self.logged = None
            if self.command == "POST" and self.path.startswith("/_cloudtrail/events"):
                answer = state.cloudtrail.add(json.loads(body)["events"])
            elif self.command == "POST" and self.path.startswith("/_cloudtrail/reset"):
                answer = state.cloudtrail.reset()
            else:
                return self.reply(404, {"Content-Type": "application/json"}, b'{"message":"no such seeding endpoint"}')
            self.reply(200, {"Content-Type": "application/json"}, json.dumps(answer).encode())

        def forward(self, path, body):
            connection = http.client.HTTPConnection(state.upstream.hostname, state.upstream.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            connection.request(self.command, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            passthrough = {k: v for k, v in response.getheaders()
                           if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date")}
            connection.close()
            return response.status, passthrough, data

        def rewrite_location(self, operation, data):
            answer = json.loads(data)
            if operation == "GetFunction" and "Location" in answer.get("Code", {}):
                name = answer["Configuration"]["FunctionName"]
                answer["Code"]["Location"] = state.code_url("functions", f"{name}.zip")
            elif operation == "GetLayerVersionByArn" and "Content" in answer:
                layer, version = answer["LayerVersionArn"].split(":")[-2:]
                answer["Content"]["Location"] = state.code_url("layers", f"{layer}-{version}.zip")
            return json.dumps(answer).encode()

        def rewrite_vpc_id(self, operation, data):
            answer = json.loads(data)
            vpc_config = (answer.get("Configuration", {}) if operation == "GetFunction" else answer).get("VpcConfig") or {}
            subnets = vpc_config.get("SubnetIds") or []
            vpc = real_vpc(state, self.region(), subnets[0]) if subnets else None
            if not vpc:
                return data
            vpc_config["VpcId"] = vpc
            return json.dumps(answer).encode()

        def region(self):
            scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/", self.headers.get("Authorization", ""))
            return scope.group(1) if scope else "us-east-1"

        def scope(self):
            """(account, region) of the request, from its SigV4 credential."""
            key = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
            return state.account_of(key.group(1) if key else ""), self.region()

        def serve_code(self):
            state.count("s3:GetObject")
            kind, _, file_name = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)[len("/_code/"):].partition("/")
            name = file_name.rsplit(".zip", 1)[0]
            base = name.rsplit("-", 1)[0] if kind == "layers" else name
            xml = "application/xml"
            if base in state.expired:
                return self.reply(403, {"Content-Type": xml}, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                  b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
            with state.lock:
                flake = base in state.flaky and base not in state.flaked
                state.flaked.add(base)
            if flake:
                return self.reply(503, {"Content-Type": xml}, b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")
            target = os.path.join(state.code_dir, kind, file_name)
            if kind not in ("functions", "layers") or "/" in file_name or not os.path.isfile(target):
                return self.reply(404, {"Content-Type": xml}, b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>")
            with open(target, "rb") as f:
                self.reply(200, {"Content-Type": "application/zip"}, f.read())

        def inject(self, fault, service, body):
            """Sends the fault in the request's protocol; returns False for "slow", after which the request goes on."""
            if fault in ("throttle", "500"):
                self.reply(*protocol_error(fault, service, body))
                return True
            if fault == "reset":
                self.close_connection = True
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                self.connection.close()
            elif fault == "truncate":
                self.send_response(200)
                self.send_header("Content-Type", "application/x-amz-json-1.1")
                self.send_header("Content-Length", "4096")
                self.end_headers()
                self.wfile.write(b'{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:tr')
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            elif fault == "slow":
                time.sleep(state.slow_seconds)
                return False
            return True

        def reply(self, status, headers, data):
            # Learnt before the answer goes out: the client's next request may carry the new key.
            if self.logged and self.logged[0] == "sts:AssumeRole" and status == 200:
                state.learn_credentials(data)
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            if self.logged:
                state.log(*self.logged[:2], status, self.logged[2], self.scope(), self.replayed)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--recorded")
    parser.add_argument("--count-file")
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--delay", action="append", help="TEXT=MS: requests naming TEXT wait MS more")
    parser.add_argument("--throttle", action="append", help="service:Operation=rate[/burst] or service=rate[/burst]")
    parser.add_argument("--request-log")
    parser.add_argument("--record-file")
    parser.add_argument("--fault", action="append")
    parser.add_argument("--fault-seed", type=int, default=1)
    parser.add_argument("--slow-seconds", type=float, default=30)
    parser.add_argument("--code-dir")
    parser.add_argument("--expired-code", action="append")
    parser.add_argument("--flaky-code", action="append")
    parser.add_argument("--record-answers", help="FILE: append every answer the upstream gave, for --replay (verbatim: moto's fake "
                        "secret values included; for a test upstream only)")
    parser.add_argument("--replay", help="FILE: answer from these recorded answers; what is not there goes upstream")
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(State(args)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
