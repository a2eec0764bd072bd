"""Runs AWS's real rotation function templates as Secrets Manager and Lambda run them, against moto.

Library (used by scenarios.py) and the facts the README describes:
- deploy_function(): the template's code as a Lambda function in moto, as a Serverless Application Repository
  deployment leaves it (runtime, timeout, environment, SAR tags, its CloudFormation stack, the invoke permission);
- create_secret(): a secret through boto3;
- rotate(): what Secrets Manager does for one rotation: a new version id registered as AWSPENDING with no value (or the
  pending version of an unfinished rotation, reattempted), then createSecret, setSecret, testSecret and finishSecret,
  one Lambda invocation each, stopping at the first that fails; every invocation runs the template's lambda_handler in
  a Python subprocess (lambda_worker.py, one per execution environment) with the function's timeout enforced, and what
  Lambda would log goes to moto's CloudWatch Logs in the function's log format (Text or JSON).
Secret values are never printed: results carry ARNs, version ids, steps and timings only.
"""
import json
import math
import os
import queue
import secrets as random_tokens
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PG_SINGLE, PG_MULTI = "SecretsManagerRDSPostgreSQLRotationSingleUser", "SecretsManagerRDSPostgreSQLRotationMultiUser"
MARIADB_SINGLE = "SecretsManagerRDSMariaDBRotationSingleUser"
# The templates the scenarios run: a folder holding these is a checkout of AWS's repository (or a copy of its layout).
TEMPLATES_RUN = (PG_SINGLE, PG_MULTI, MARIADB_SINGLE)
# The project's own rotation function (rotation_player/), run in a template's place where AWS's are not found.
PLAYER = "rotation_player"
TEMPLATES_BESIDE = os.path.normpath(os.path.join(REPO, "..", "shared", "peers", "aws-rotation-lambdas"))
REGION = "us-east-1"
ACCOUNT = "123456789012"
SAR_PUBLISHER = "arn:aws:serverlessrepo:us-east-1:297356227824:applications/"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
TASK_ROOT = "/var/task"
RUNTIME_VERSION = {"python3.12": "python:3.12.v38", "python3.11": "python:3.11.v54", "python3.9": "python:3.9.v64"}
# Lambda gives a function's initialisation 10 s of its own before the first invocation.
INIT_TIMEOUT_SECONDS = 10
DEBIAN_DRIVERS = ("_pg.cpython-311-x86_64-linux-gnu.so", "pg.py", "pgdb.py", "pymysql")


_clients = threading.local()


def client(service, endpoint=None):
    """A boto3 client for moto, one per thread and service (boto3 sessions are not thread-safe, and cost to make)."""
    endpoint = endpoint or os.environ["RT_MOTO_URL"]
    cache = _clients.__dict__.setdefault("cache", {})
    if (service, endpoint) not in cache:
        session = _clients.__dict__.setdefault("session", boto3.session.Session())
        cache[service, endpoint] = session.client(service, endpoint_url=endpoint, region_name=REGION,
                                                  aws_access_key_id="testing", aws_secret_access_key="testing")
    return cache[service, endpoint]


def driver_path():
    """A folder linking Debian's PyGreSQL and PyMySQL (installed for /usr/bin/python3) for this Python to import."""
    folder = os.path.join(tempfile.gettempdir(), "rt-template-drivers")
    os.makedirs(folder, exist_ok=True)
    for name in DEBIAN_DRIVERS:
        source, link = os.path.join("/usr/lib/python3/dist-packages", name), os.path.join(folder, name)
        if not os.path.exists(source):
            raise RuntimeError(f"{source} is missing: install python3-pygresql and python3-pymysql (tests/harness/install-drivers.sh).")
        try:
            os.symlink(source, link)
        except FileExistsError:  # made by an earlier or a concurrent seed
            pass
    return folder


@dataclass
class Function:
    name: str
    arn: str
    template: str
    log_format: str


class TemplatesNotFound(RuntimeError):
    pass


def _holds_templates(folder):
    return all(os.path.isfile(os.path.join(folder, t, "lambda_function.py")) for t in TEMPLATES_RUN)


def find_templates():
    """The folder of AWS's templates: RT_ROTATION_TEMPLATES, else ../shared/peers/aws-rotation-lambdas beside the
    repository (where CI has it). Raises TemplatesNotFound saying where it looked; a RT_ROTATION_TEMPLATES that holds
    no templates is a mistake to report, not a reason to look elsewhere."""
    named = os.environ.get("RT_ROTATION_TEMPLATES")
    wanted = ", ".join(f"{t}/lambda_function.py" for t in TEMPLATES_RUN)
    if named:
        if _holds_templates(named):
            return os.path.abspath(named)
        raise TemplatesNotFound(f"RT_ROTATION_TEMPLATES names {named}, which does not hold {wanted}: set it to a checkout of "
                                "github.com/aws-samples/aws-secrets-manager-rotation-lambdas (\"Tests\" in README.md), or unset it.")
    if _holds_templates(TEMPLATES_BESIDE):
        return TEMPLATES_BESIDE
    raise TemplatesNotFound(f"AWS's rotation templates were not found (RT_ROTATION_TEMPLATES is not set and {TEMPLATES_BESIDE} "
                            "does not hold them); \"Tests\" in README.md says how to fetch them.")


def template_dir(template):
    """The code folder of a rotation function: the project's player, or AWS's template of that name."""
    if template == PLAYER:
        return os.path.join(HERE, PLAYER)
    path = os.path.join(find_templates(), template)
    if not os.path.isfile(os.path.join(path, "lambda_function.py")):
        raise TemplatesNotFound(f"No template {template} under {os.path.dirname(path)}.")
    return path


def _code_zip(template):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        folder = template_dir(template)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                z.write(os.path.join(folder, name), name)
    return buffer.getvalue()


def _ensure_role(iam, name="SecretsManagerRotationRole"):
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def deploy_function(template, name, timeout=30, log_format="Text", environment=None, runtime="python3.12",
                    memory=128, semantic_version="1.1.367", endpoint=None):
    """The template as a SAR deployment leaves it: the function (real template code as its zip), its stack, tags and
    the permission for Secrets Manager to invoke it. moto keeps no LoggingConfig, so the format travels with Function."""
    lam, cfn = client("lambda", endpoint), client("cloudformation", endpoint)
    stack = f"serverlessrepo-{name}"
    cfn.create_stack(StackName=stack, TemplateBody=json.dumps({"Resources": {"Marker": {"Type": "AWS::SNS::Topic"}}}))
    variables = {"SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{REGION}.amazonaws.com"}
    variables.update(environment or {})
    arn = lam.create_function(
        FunctionName=name, Runtime=runtime, Role=_ensure_role(client("iam", endpoint)), Handler="lambda_function.lambda_handler",
        Code={"ZipFile": _code_zip(template)}, Timeout=timeout, MemorySize=memory,
        Description=f"Rotates a Secrets Manager secret ({template})", Environment={"Variables": variables},
        LoggingConfig={"LogFormat": log_format},
        Tags={"serverlessrepo:applicationId": SAR_PUBLISHER + template, "serverlessrepo:semanticVersion": semantic_version,
              "aws:cloudformation:stack-name": stack, "lambda:createdBy": "SAM"})["FunctionArn"]
    lam.add_permission(FunctionName=name, StatementId="SecretsManagerAccess", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")
    return Function(name, arn, template, log_format)


def create_secret(name, value, endpoint=None):
    return client("secretsmanager", endpoint).create_secret(Name=name, SecretString=json.dumps(value))["ARN"]


def _iso(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Invocation:
    step: str
    request_id: str
    status: str  # success, error, timeout
    duration_ms: float
    error_type: str = None
    log_stream: str = None

    def summary(self):
        return {"step": self.step, "requestId": self.request_id, "status": self.status,
                "durationMs": round(self.duration_ms, 2), "errorType": self.error_type, "logStream": self.log_stream}


class LogWriter:
    """CloudWatch Logs events of one execution environment's stream, put into moto after each invocation."""

    def __init__(self, logs, group, stream):
        self.logs, self.group, self.stream, self.pending, self.lock = logs, group, stream, [], threading.Lock()
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.create_log_stream(logGroupName=group, logStreamName=stream)

    def add(self, seconds, message):
        with self.lock:
            self.pending.append({"timestamp": int(seconds * 1000), "message": message})

    def flush(self):
        with self.lock:
            events, self.pending = sorted(self.pending, key=lambda e: e["timestamp"]), []
        for i in range(0, len(events), 1000):
            self.logs.put_log_events(logGroupName=self.group, logStreamName=self.stream, logEvents=events[i:i + 1000])


class Platform:
    """Lambda's own records (init, start, end, report, timeout) in the text or JSON log format."""

    def __init__(self, log_format, function_name, runtime):
        self.json = log_format == "JSON"
        self.function_name = function_name
        self.runtime_version = RUNTIME_VERSION.get(runtime, runtime)
        self.runtime_arn = f"arn:aws:lambda:{REGION}::runtime:{random_tokens.token_hex(32)}"

    @staticmethod
    def _record(t, kind, record):
        return json.dumps({"time": _iso(t), "type": kind, "record": record})

    def init_start(self, t):
        if self.json:
            return self._record(t, "platform.initStart", {
                "initializationType": "on-demand", "phase": "init", "runtimeVersion": self.runtime_version,
                "runtimeVersionArn": self.runtime_arn, "functionName": self.function_name, "functionVersion": "$LATEST"})
        return f"INIT_START Runtime Version: {self.runtime_version}\tRuntime Version ARN: {self.runtime_arn}\n"

    def init_report(self, t, ms, error_type):
        if self.json:
            return self._record(t, "platform.initReport", {"initializationType": "on-demand", "phase": "init",
                                                           "status": "error", "errorType": error_type, "metrics": {"durationMs": round(ms, 2)}})
        return f"INIT_REPORT Init Duration: {ms:.2f} ms\tPhase: init\tStatus: error\tError Type: {error_type}\n"

    def start(self, t, request_id):
        if self.json:
            return self._record(t, "platform.start", {"requestId": request_id, "version": "$LATEST"})
        return f"START RequestId: {request_id} Version: $LATEST\n"

    def end(self, t, request_id, duration_ms, memory, max_memory, init_ms, status, error_type=None, timeout_s=None):
        """The closing records: END and REPORT in text (with the timeout line first), platform.report in JSON."""
        billed = max(1, math.ceil(duration_ms))
        if self.json:
            metrics = {"durationMs": round(duration_ms, 2), "billedDurationMs": billed, "memorySizeMB": memory, "maxMemoryUsedMB": max_memory}
            if init_ms is not None:
                metrics["initDurationMs"] = round(init_ms, 2)
            record = {"requestId": request_id, "metrics": metrics, "status": status}
            if error_type:
                record["errorType"] = error_type
            return [self._record(t, "platform.report", record)]
        lines = []
        if status == "timeout":
            lines.append(f"{_iso(t)} {request_id} Task timed out after {timeout_s:.2f} seconds\n")
        lines.append(f"END RequestId: {request_id}\n")
        report = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
                  f"Memory Size: {memory} MB\tMax Memory Used: {max_memory} MB\t")
        if init_ms is not None:
            report += f"Init Duration: {init_ms:.2f} ms\t"
        if status == "timeout":
            report += "Status: timeout\n"
        elif error_type:
            report += f"Status: error\tError Type: {error_type}\n"
        else:
            report += "\n"
        lines.append(report)
        return lines


class ExecutionEnvironment:
    """One Lambda execution environment: a lambda_worker.py process reused by invocations until one times out."""

    def __init__(self, function, config, endpoint, drivers=True):
        self.function, self.config, self.endpoint, self.drivers = function, config, endpoint, drivers
        self.logs = client("logs", endpoint)
        self.platform = Platform(function.log_format, function.name, config["Runtime"])
        self.process = None

    def _environment(self, stream):
        group = f"/aws/lambda/{self.function.name}"
        env = {k: os.environ[k] for k in ("PATH", "LANG", "SYSTEMROOT") if k in os.environ}
        env.update({
            "TZ": ":UTC", "LAMBDA_TASK_ROOT": TASK_ROOT, "LAMBDA_RUNTIME_DIR": "/var/runtime", "_HANDLER": self.config["Handler"],
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.config['Runtime']}", "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": self.function.name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.config["MemorySize"]), "AWS_LAMBDA_LOG_GROUP_NAME": group,
            "AWS_LAMBDA_LOG_STREAM_NAME": stream, "AWS_LAMBDA_LOG_FORMAT": self.function.log_format,
            # The function role's temporary credentials, as Lambda hands them over.
            "AWS_ACCESS_KEY_ID": "ASIA" + random_tokens.token_hex(8).upper(), "AWS_SECRET_ACCESS_KEY": random_tokens.token_urlsafe(30),
            "AWS_SESSION_TOKEN": random_tokens.token_urlsafe(60),
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # The code is read from the user's template checkout and from the repository: write no __pycache__ there.
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        env.update(self.config.get("Environment", {}).get("Variables", {}))
        # The function's network: the Secrets Manager endpoint it names, and every other AWS endpoint, is moto.
        env["SECRETS_MANAGER_ENDPOINT"] = self.endpoint
        env["AWS_ENDPOINT_URL"] = self.endpoint
        if self.drivers:
            env["PYTHONPATH"] = driver_path()
        return env

    def _start(self):
        """A cold start: a new process and log stream; returns the init duration, or raises InitFailed."""
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{uuid.uuid4().hex}"
        self.writer = LogWriter(self.logs, f"/aws/lambda/{self.function.name}", stream)
        self.stream = stream
        channel_read, channel_write = os.pipe()
        started = time.time()
        self.writer.add(started, self.platform.init_start(started))
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "lambda_worker.py"), str(channel_write), template_dir(self.function.template),
             self.config["Handler"], self.function.log_format, TASK_ROOT],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self._environment(stream),
            pass_fds=(channel_write,), text=True, bufsize=1)
        os.close(channel_write)
        self.messages = queue.Queue()
        self.readers = [threading.Thread(target=self._read_channel, args=(os.fdopen(channel_read, encoding="utf-8"),), daemon=True)]
        self.readers += [threading.Thread(target=self._read_output, args=(pipe,), daemon=True)
                         for pipe in (self.process.stdout, self.process.stderr)]
        for reader in self.readers:
            reader.start()
        message = self._wait("init", started + INIT_TIMEOUT_SECONDS)
        if message is None or not message["ok"]:
            init_ms = (time.time() - started) * 1000 if message is None else message["ms"]
            return init_ms, (message or {}).get("errorType", "Runtime.Unknown")
        return message["ms"], None

    def _read_channel(self, channel):
        for line in channel:
            message = json.loads(line)
            if message["kind"] == "log":
                self.writer.add(message["t"] / 1e6, message["message"])
            else:
                self.messages.put(message)
        self.messages.put(None)

    def _read_output(self, pipe):
        # print() output and anything a library writes: Lambda logs each line as it comes.
        for line in pipe:
            self.writer.add(time.time(), line)

    def _wait(self, kind, deadline):
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.time()))
            except queue.Empty:
                return None
            if message is None or message["kind"] == kind:
                return message

    def _max_memory_mb(self):
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return math.ceil(int(line.split()[1]) / 1024)
        except OSError:
            pass
        return 0

    def invoke(self, event):
        init_ms = init_error = None
        if self.process is None:
            init_ms, init_error = self._start()
        request_id = str(uuid.uuid4())
        memory, timeout = self.config["MemorySize"], self.config["Timeout"]
        started = time.time()
        if init_error:
            # Lambda reports the failed init, then fails the invocation with the same error type.
            self.writer.add(started, self.platform.init_report(started, init_ms, init_error))
            self.writer.add(started, self.platform.start(started, request_id))
            ended = time.time()
            for line in self.platform.end(ended, request_id, (ended - started) * 1000, memory, self._max_memory_mb(), None, "error", init_error):
                self.writer.add(ended, line)
            self.close()
            return Invocation(event["Step"], request_id, "error", (ended - started) * 1000, init_error, self.stream)
        self.writer.add(started, self.platform.start(started, request_id))
        self.process.stdin.write(json.dumps({"requestId": request_id, "event": event,
                                             "deadlineMs": int((started + timeout) * 1000)}) + "\n")
        self.process.stdin.flush()
        done = self._wait("done", started + timeout)
        ended = time.time()
        duration_ms = (ended - started) * 1000
        max_memory = self._max_memory_mb()
        stream = self.stream
        if done is None:
            # Lambda stops the environment at the deadline; the next invocation starts a new one.
            duration_ms = timeout * 1000.0
            self.close()
            lines = self.platform.end(ended, request_id, duration_ms, memory, max_memory, init_ms, "timeout",
                                      "Sandbox.Timedout" if self.platform.json else None, timeout_s=ended - started)
            result = Invocation(event["Step"], request_id, "timeout", duration_ms, "Sandbox.Timedout", stream)
        elif done["ok"]:
            lines = self.platform.end(ended, request_id, duration_ms, memory, max_memory, init_ms, "success")
            result = Invocation(event["Step"], request_id, "success", duration_ms, None, stream)
        else:
            lines = self.platform.end(ended, request_id, duration_ms, memory, max_memory, init_ms, "error")
            result = Invocation(event["Step"], request_id, "error", duration_ms, done["errorType"], stream)
        for line in lines:
            self.writer.add(ended, line)
        self.writer.flush()
        return result

    def close(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            for reader in self.readers:
                reader.join(timeout=2)
            self.process = None
            self.writer.flush()


def version_stages(secret_id, endpoint=None):
    return client("secretsmanager", endpoint).describe_secret(SecretId=secret_id).get("VersionIdsToStages", {})


def rotate(secret_id, function, token=None, endpoint=None, drivers=True, rotation_days=30):
    """One rotation as Secrets Manager runs it. Without a token: the version labelled AWSPENDING (and not AWSCURRENT) is
    an unfinished rotation and is reattempted; otherwise a new version id is registered as AWSPENDING, with no value,
    through RotateSecret (which also configures rotation). With a token: that version is (re)attempted as it stands."""
    endpoint = endpoint or os.environ["RT_MOTO_URL"]
    sm, lam = client("secretsmanager", endpoint), client("lambda", endpoint)
    arn = sm.describe_secret(SecretId=secret_id)["ARN"]
    reattempt = token is not None
    if token is None:
        stages = version_stages(arn, endpoint)
        pending = [v for v, s in stages.items() if "AWSPENDING" in s and "AWSCURRENT" not in s]
        if pending:
            token, reattempt = pending[0], True
        else:
            # A finished rotation leaves AWSPENDING beside AWSCURRENT; RotateSecret moves it to the new version
            # (moto instead refuses while it is there, so it is taken off first: the same end state).
            for version, labels in stages.items():
                if "AWSPENDING" in labels:
                    sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=version)
            token = str(uuid.uuid4())
            sm.rotate_secret(SecretId=arn, ClientRequestToken=token, RotationLambdaARN=function.arn,
                             RotationRules={"AutomaticallyAfterDays": rotation_days}, RotateImmediately=True)
    config = lam.get_function_configuration(FunctionName=function.name)
    environment = ExecutionEnvironment(function, config, endpoint, drivers=drivers)
    invocations = []
    try:
        for step in STEPS:
            result = environment.invoke({"Step": step, "SecretId": arn, "ClientRequestToken": token})
            invocations.append(result)
            if result.status != "success":
                break
    finally:
        environment.close()
    failed = next((i for i in invocations if i.status != "success"), None)
    return {"secretArn": arn, "functionName": function.name, "versionId": token, "reattempt": reattempt,
            "outcome": "Succeeded" if failed is None else ("TimedOut" if failed.status == "timeout" else "Failed"),
            "failedStep": failed.step if failed else None, "invocations": [i.summary() for i in invocations],
            "versionStages": version_stages(arn, endpoint)}


if __name__ == "__main__":
    # python3 rotation_harness.py templates: {"path"} where AWS's templates are, or {"reason"} why none were found; a
    # RT_ROTATION_TEMPLATES that names no templates is an error (exit 1). The PowerShell side (the specs that run the
    # templates, the demo) asks here, so that one place decides.
    if sys.argv[1:] != ["templates"]:
        sys.exit("Usage: rotation_harness.py templates")
    try:
        print(json.dumps({"path": find_templates(), "reason": None}))
    except TemplatesNotFound as missing:
        if os.environ.get("RT_ROTATION_TEMPLATES"):
            sys.exit(str(missing))
        print(json.dumps({"path": None, "reason": str(missing)}))
