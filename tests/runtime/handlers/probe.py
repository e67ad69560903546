"""Test handlers: each invocation is written to $PROBE_DIR/<request id>.json for the test to read."""

import json
import os
import time

STATE = {"invocations": 0, "pid": os.getpid()}


def _body(record):
    try:
        value = json.loads(record["body"])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _write(event, context, **extra):
    STATE["invocations"] += 1
    names = ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
             "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_REGION", "AWS_DEFAULT_REGION",
             "_HANDLER", "LAMBDA_TASK_ROOT")
    entry = {
        "pid": os.getpid(),
        "invocation": STATE["invocations"],
        "time": time.time(),
        "event": event,
        "context": {
            "function_name": context.function_name,
            "function_version": context.function_version,
            "invoked_function_arn": context.invoked_function_arn,
            "memory_limit_in_mb": context.memory_limit_in_mb,
            "aws_request_id": context.aws_request_id,
            "log_group_name": context.log_group_name,
            "log_stream_name": context.log_stream_name,
            "identity": context.identity,
            "client_context": context.client_context,
            "remaining": context.get_remaining_time_in_millis(),
        },
        "env": {name: os.environ.get(name) for name in names},
        **extra,
    }
    path = os.path.join(os.environ["PROBE_DIR"], f"{context.aws_request_id}.json")
    with open(path + ".tmp", "w") as handle:
        json.dump(entry, handle)
    os.replace(path + ".tmp", path)


def record(event, context):
    """Write the invocation; honour {"do": "sleep"|"crash"|"raise"} in any body."""
    for item in event["Records"]:
        action = _body(item).get("do")
        if action == "crash":
            os._exit(7)
        if action == "sleep":
            time.sleep(_body(item)["seconds"])
        if action == "raise":
            raise RuntimeError("asked to fail")
    _write(event, context)


def partial(event, context):
    """Report the records whose body says {"fail": true} (once only if "once": true)."""
    failures = []
    for item in event["Records"]:
        body = _body(item)
        marker = os.path.join(os.environ["PROBE_DIR"], f"failed-{item['messageId']}")
        if body.get("fail") and not (body.get("once") and os.path.exists(marker)):
            open(marker, "w").close()
            failures.append({"itemIdentifier": item["messageId"]})
    _write(event, context, failures=[f["itemIdentifier"] for f in failures])
    return {"batchItemFailures": failures}


def respond(event, context):
    """Return the first body's "respond" value, with "$FIRST" replaced by the first message id."""
    _write(event, context)
    text = json.dumps(_body(event["Records"][0])["respond"])
    return json.loads(text.replace("$FIRST", event["Records"][0]["messageId"]))


def unserializable(event, context):
    return {"when": object()}
