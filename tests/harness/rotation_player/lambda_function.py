"""The project's own rotation function: plays AWS's PostgreSQL single-user template for a database it cannot reach.

The demo's rotate-and-follow step needs a function for the harness (rotation_harness.py, which plays Secrets Manager and
Lambda) to run, and a clone may have no AWS templates beside it. This function takes the template's part for the demo's
case, saying what the template says there, in the same order and words (docs/reference/template-log-strings.md):
- every step: the version guard (rotation enabled; the version labelled AWSPENDING, or already AWSCURRENT);
- createSecret: reads AWSCURRENT and checks its JSON, then finds the AWSPENDING value an earlier attempt put, or puts
  one with a password from GetRandomPassword (the template's environment variables and defaults);
- setSecret: tries the pending, current and previous credentials in turn, each connect waiting up to 5 s, TLS first
  and then plain when the secret has no valid "ssl" key; when no database answers it logs and raises the template's
  "Unable to log into database" error (the template's checks that the pending user and host are the current ones,
  which only a hand-edited pending version fails, are not played).
Written for this project from those behaviours (docs/reference/rotation.md), not copied from the template. It never logs
in: when a database answers, it fails saying so instead of pretending (AWS's template, through RT_ROTATION_TEMPLATES,
plays that). Nor does it ever log or return a secret value. Secrets Manager stops at the first step that fails, so setSecret is the last it asks for.
"""
import json
import logging
import os
import socket

import boto3

# The template's logger is the root one at INFO, which is also what lets botocore's "Found credentials" line through.
logger = logging.getLogger()
logger.setLevel(logging.INFO)

ENGINES = ("postgres", "aurora-postgresql")
REQUIRED_KEYS = ("host", "username", "password")
CONNECT_TIMEOUT_SECONDS = 5
DEFAULT_PORT = 5432


class DatabaseAnswered(RuntimeError):
    pass


def lambda_handler(event, context):
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    secrets = boto3.client("secretsmanager", endpoint_url=os.environ["SECRETS_MANAGER_ENDPOINT"])
    if not _rotating(secrets, arn, token):
        return
    if step == "createSecret":
        create_secret(secrets, arn, token)
    elif step == "setSecret":
        set_secret(secrets, arn, token)
    else:
        # Secrets Manager stops at the first step that fails, and this setSecret always fails: no later step comes.
        raise ValueError(f"The rotation player plays createSecret and setSecret only, not {step}.")


def _rotating(secrets, arn, token):
    """The template's guard: False when the version is already current (nothing to do), raises when it is not pending."""
    described = secrets.describe_secret(SecretId=arn)
    refusal = None
    stages = described["VersionIdsToStages"]
    if described.get("RotationEnabled") is False:
        refusal = f"Secret {arn} is not enabled for rotation"
    elif token not in stages:
        refusal = f"Secret version {token} has no stage for rotation of secret {arn}."
    elif "AWSCURRENT" in stages[token]:
        logger.info(f"Secret version {token} already set as AWSCURRENT for secret {arn}.")
        return False
    elif "AWSPENDING" not in stages[token]:
        refusal = f"Secret version {token} not set as AWSPENDING for rotation of secret {arn}."
    if refusal:
        logger.error(refusal)
        raise ValueError(refusal)
    return True


def _credentials(secrets, arn, stage, token=None):
    """A version's JSON, checked as the template checks it (KeyError for a wrong engine or a missing key)."""
    version = {"VersionId": token} if token else {}
    value = json.loads(secrets.get_secret_value(SecretId=arn, VersionStage=stage, **version)["SecretString"])
    if value.get("engine") not in ENGINES:
        raise KeyError("Database engine must be set to 'postgres' in order to use this rotation lambda")
    missing = next((key for key in REQUIRED_KEYS if key not in value), None)
    if missing:
        raise KeyError(f"{missing} key is missing from secret JSON")
    return value


def create_secret(secrets, arn, token):
    current = _credentials(secrets, arn, "AWSCURRENT")
    try:
        _credentials(secrets, arn, "AWSPENDING", token)
        logger.info(f"createSecret: Successfully retrieved secret for {arn}.")
        return
    except secrets.exceptions.ResourceNotFoundException:
        pass
    pending = dict(current, password=_new_password(secrets))
    secrets.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(pending), VersionStages=["AWSPENDING"])
    logger.info(f"createSecret: Successfully put secret for ARN {arn} and version {token}.")


def _flag(name, default):
    return os.environ.get(name, str(default)).lower() in ("true", "1", "y", "yes")


def _new_password(secrets):
    return secrets.get_random_password(
        PasswordLength=int(os.environ.get("PASSWORD_LENGTH", 32)),
        ExcludeCharacters=os.environ.get("EXCLUDE_CHARACTERS", ":/@\"'\\"),
        ExcludeNumbers=_flag("EXCLUDE_NUMBERS", False), ExcludePunctuation=_flag("EXCLUDE_PUNCTUATION", False),
        ExcludeUppercase=_flag("EXCLUDE_UPPERCASE", False), ExcludeLowercase=_flag("EXCLUDE_LOWERCASE", False),
        RequireEachIncludedType=_flag("REQUIRE_EACH_INCLUDED_TYPE", True))["RandomPassword"]


def set_secret(secrets, arn, token):
    try:
        previous = _credentials(secrets, arn, "AWSPREVIOUS")
    except (secrets.exceptions.ResourceNotFoundException, KeyError):
        previous = None
    current = _credentials(secrets, arn, "AWSCURRENT")
    pending = _credentials(secrets, arn, "AWSPENDING", token)
    for credentials in (pending, current):
        _try_database(credentials)
    if previous:
        # The template tries the previous credentials with the current secret's TLS setting.
        previous = {k: v for k, v in previous.items() if k != "ssl"}
        if "ssl" in current:
            previous["ssl"] = current["ssl"]
        _try_database(previous)
    logger.error(f"setSecret: Unable to log into database with previous, current, or pending secret of secret arn {arn}")
    raise ValueError(f"Unable to log into database with previous, current, or pending secret of secret arn {arn}")


def _connects(credentials):
    """How many connects the template makes for one login: TLS, then plain unless the secret's "ssl" key decides."""
    ssl = credentials.get("ssl")
    decided = isinstance(ssl, bool) or (isinstance(ssl, str) and ssl.lower() in ("true", "false"))
    return 1 if decided else 2


def _try_database(credentials):
    """Makes the template's connects for these credentials; a database that cannot be reached is what the template
    meets as a failed connect, which it does not log. One that answers is beyond this player."""
    address = (credentials["host"], int(credentials.get("port", DEFAULT_PORT)))
    for _ in range(_connects(credentials)):
        try:
            socket.create_connection(address, timeout=CONNECT_TIMEOUT_SECONDS).close()
        except OSError:
            continue
        raise DatabaseAnswered(f"The database at {address[0]}:{address[1]} answers, and this rotation player cannot log into "
                               "PostgreSQL: it plays rotations whose database cannot be reached (the demo's). AWS's template "
                               "plays the rest: set RT_ROTATION_TEMPLATES (\"Tests\" in README.md).")
