"""One Lambda execution environment for a Python rotation function, run as a subprocess by rotation_harness.py.

It does what Lambda's Python runtime (aws-lambda-python-runtime-interface-client, bootstrap.py and
lambda_runtime_log_utils.py) does around the function, written here from what that code documents: logging set up on the
root logger before the handler module is imported, one log record per logger call in Lambda's text or JSON shape, the
request id on every record, and an unhandled exception reported as the runtime reports it. Records go to the harness as
JSON lines on a pipe (Lambda's framed telemetry pipe plays this part); invocations come as
JSON lines on stdin; what the function prints to stdout/stderr is left for the harness to log line by line.

Usage (by the harness): lambda_worker.py <channel fd> <code dir> <module.handler> <Text|JSON> <task root shown in tracebacks>
"""
import importlib
import json
import logging
import os
import sys
import time
import traceback

CHANNEL_FD, CODE_DIR, HANDLER, LOG_FORMAT, TASK_ROOT = sys.argv[1:6]
_channel = os.fdopen(int(CHANNEL_FD), "w", buffering=1, encoding="utf-8")
_request_id = ""


def _send(kind, **fields):
    _channel.write(json.dumps({"kind": kind, **fields}, ensure_ascii=False) + "\n")


def _emit(message, level):
    """One log record: what the runtime writes as one frame, so one CloudWatch event."""
    _send("log", t=time.time_ns() // 1000, level=level, message=message)


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        # botocore says where it found the endpoint override that points the function at moto; in Lambda there is no
        # override, so there is no such line.
        if record.name == "botocore.configprovider" and record.getMessage().startswith("Found endpoint for"):
            return False
        return True


class _TextFormatter(logging.Formatter):
    # "[LEVEL]\t<UTC time with ms>Z\t<request id>\t<message>\n", as the runtime's text format writes a record.
    def __init__(self):
        super().__init__("[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S")
        self.converter = time.gmtime


# Record attributes the JSON format leaves out; anything else a caller attached (extra=...) is kept as a key.
_STANDARD_ATTRIBUTES = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "aws_request_id", "taskName"}


class _JsonFormatter(logging.Formatter):
    """The JSON log format: timestamp to the second, level rounded down to a standard one, logger name, request id."""

    def format(self, record):
        level = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        fields = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
            "level": logging.getLevelName(level),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": record.aws_request_id,
            "location": f"{record.pathname}:{record.funcName}:{record.lineno}" if exc else None,
        }
        fields.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD_ATTRIBUTES and k not in fields)
        return json.dumps({k: v for k, v in fields.items() if v is not None}, ensure_ascii=False) + "\n"


class _ChannelHandler(logging.Handler):
    def emit(self, record):
        _emit(self.format(record), logging.getLevelName(min(50, max(0, record.levelno)) // 10 * 10))


def _report_error(error_type, message, frames):
    """An unhandled exception, in the shape the runtime logs it (one record; text lines joined by newlines)."""
    if LOG_FORMAT == "JSON":
        body = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "log_level": "ERROR",
                "errorMessage": message, "errorType": error_type, "requestId": _request_id, "stackTrace": frames}
        _emit(json.dumps(body, ensure_ascii=False), "ERROR")
        return
    lines = [f"[ERROR] {error_type}: {message}" if message else f"[ERROR] {error_type}", "Traceback (most recent call last):"]
    for frame in frames:
        for line in frame.splitlines():
            # The runtime indents traceback lines with no-break spaces so that CloudWatch keeps them.
            stripped = line.lstrip(" ")
            lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    _emit("\n".join(lines), "ERROR")


def _frames(tb):
    """The traceback from the function's own frames on (this file's frames dropped), paths shown under the task root."""
    frames = traceback.extract_tb(tb)
    while frames and frames[0].filename == __file__:
        frames = frames[1:]
    return [f.replace(CODE_DIR, TASK_ROOT) for f in traceback.format_list(frames)]


def main():
    global _request_id
    handler = _ChannelHandler()
    handler.setFormatter(_JsonFormatter() if LOG_FORMAT == "JSON" else _TextFormatter())
    handler.addFilter(_RequestIdFilter())
    logging.getLogger().addHandler(handler)

    started = time.monotonic()
    module_name, function_name = HANDLER.rsplit(".", 1)
    sys.path.insert(0, CODE_DIR)
    try:
        function = getattr(importlib.import_module(module_name), function_name)
    except ImportError as e:
        # What Lambda reports as Runtime.ImportModuleError, after the runtime's warning.
        logging.warning("LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
                        "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
                        "For functions using managed runtimes, runtime updates can be triggered by a function change, "
                        "or can be applied automatically. To determine if the runtime has been updated, check the runtime "
                        "version in the INIT_START log entry. If this error correlates with a change in the runtime version, "
                        "you may be able to mitigate this error by temporarily rolling back to the previous runtime version. "
                        "For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html\r")
        _report_error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}", [])
        _send("init", ok=False, errorType="Runtime.ImportModuleError", ms=(time.monotonic() - started) * 1000)
        return 1
    _send("init", ok=True, ms=(time.monotonic() - started) * 1000)

    for line in sys.stdin:
        request = json.loads(line)
        _request_id = request["requestId"]
        context = type("LambdaContext", (), {
            "aws_request_id": _request_id, "function_name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
            "memory_limit_in_mb": os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"),
            "get_remaining_time_in_millis": staticmethod(lambda: max(0, request["deadlineMs"] - int(time.time() * 1000))),
        })()
        try:
            function(request["event"], context)
            _send("done", ok=True)
        except Exception as e:  # the runtime reports any exception the handler raises
            _report_error(type(e).__name__, str(e), _frames(e.__traceback__))
            _send("done", ok=False, errorType=type(e).__name__, errorMessage=str(e))
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
