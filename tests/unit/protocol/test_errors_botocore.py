"""Error responses as botocore reads them: legacy code, fault type, status, typed exceptions."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.parsers import create_parser

from conveyor import errors as e
from conveyor.protocol.errors import _TABLE, wire_error
from conveyor.protocol.json_codec import encode_json_error
from conveyor.protocol.query_codec import encode_query_error

EXPECTED_STATUS = {
    e.QueueDoesNotExist: 400,
    e.QueueNameExists: 400,
    e.QueueDeletedRecently: 400,
    e.PurgeQueueInProgress: 403,
    e.OverLimit: 403,
    e.MessageNotInflight: 400,
    e.BatchEntryIdsNotDistinct: 400,
    e.BatchRequestTooLong: 400,
    e.EmptyBatchRequest: 400,
    e.InvalidBatchEntryId: 400,
    e.TooManyEntriesInBatchRequest: 400,
    e.UnsupportedOperation: 400,
    e.ResourceNotFound: 404,
    e.InvalidParameterValue: 400,
    e.MissingParameter: 400,
    e.ReceiptHandleIsInvalid: 400,
    e.InvalidIdFormat: 400,
    e.InvalidAttributeName: 400,
    e.InvalidAttributeValue: 400,
    e.InvalidMessageContents: 400,
    e.InvalidAddress: 400,
    e.InvalidSecurity: 400,
    e.RequestThrottled: 400,
    e.AccessDenied: 403,
    e.InternalError: 500,
    e.ServiceUnavailable: 503,
    e.InvalidAction: 400,
    e.MalformedRequest: 400,
}


@pytest.fixture(scope="module")
def client() -> Any:
    return boto3.client(
        "sqs", region_name="us-east-1", endpoint_url="http://127.0.0.1:1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip


def _parse(protocol: str, status: int, headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
    response = {"status_code": status, "headers": {k.lower(): v for k, v in headers}, "body": body}
    return create_parser(protocol).parse(response, None)


def test_every_domain_error_is_in_the_table() -> None:
    domain = {c for c in vars(e).values() if isinstance(c, type) and issubclass(c, e.SqsError) and c is not e.SqsError}
    assert domain == set(_TABLE) == set(EXPECTED_STATUS)


@pytest.mark.parametrize("cls", list(EXPECTED_STATUS), ids=lambda c: c.__name__)
def test_json_error_as_botocore_sees_it(cls: type[e.SqsError], client: Any) -> None:
    response = encode_json_error(cls("went wrong"), "req-9")
    assert response.status == EXPECTED_STATUS[cls]
    headers = dict(response.headers)
    assert headers["x-amzn-RequestId"] == "req-9"
    fault = "Sender" if cls.sender_fault else "Receiver"
    assert headers["x-amzn-query-error"] == f"{cls.code};{fault}"
    parsed = _parse("json", response.status, response.headers, response.body)
    assert parsed["Error"]["Code"] == cls.code
    assert parsed["Error"]["Message"] == "went wrong"
    assert parsed["Error"]["Type"] == fault
    assert parsed["ResponseMetadata"]["RequestId"] == "req-9"
    # botocore picks the exception class from the __type's shape name (QueryErrorCode).
    modeled = {shape.name for shape in client.meta.service_model.error_shapes}
    shape = json.loads(response.body)["__type"].rsplit("#", 1)[1]
    exc_class = client.exceptions.from_code(parsed["Error"]["QueryErrorCode"])
    if shape in modeled:
        assert exc_class is getattr(client.exceptions, shape)
    else:
        assert exc_class is client.exceptions.ClientError


def test_json_typed_exception_examples(client: Any) -> None:
    for cls, name in [(e.QueueDoesNotExist, "QueueDoesNotExist"), (e.QueueNameExists, "QueueNameExists"),
                      (e.ResourceNotFound, "ResourceNotFoundException"), (e.OverLimit, "OverLimit")]:  # fmt: skip
        parsed = _parse("json", 400, encode_json_error(cls("x"), "r").headers, encode_json_error(cls("x"), "r").body)
        assert client.exceptions.from_code(parsed["Error"]["QueryErrorCode"]) is getattr(client.exceptions, name)


@pytest.mark.parametrize("cls", list(EXPECTED_STATUS), ids=lambda c: c.__name__)
def test_query_error_as_botocore_sees_it(cls: type[e.SqsError]) -> None:
    response = encode_query_error(cls("bad <input> & more"), "req-7")
    assert response.status == EXPECTED_STATUS[cls]
    assert dict(response.headers)["x-amzn-RequestId"] == "req-7"
    parsed = _parse("query", response.status, response.headers, response.body)
    assert parsed["Error"]["Code"] == cls.code
    assert parsed["Error"]["Message"] == "bad <input> & more"
    assert parsed["Error"]["Type"] == ("Sender" if cls.sender_fault else "Receiver")
    assert parsed["ResponseMetadata"]["RequestId"] == "req-7"


def test_legacy_codes_of_the_common_errors() -> None:
    assert wire_error(e.QueueDoesNotExist()).code == "AWS.SimpleQueueService.NonExistentQueue"
    assert wire_error(e.QueueNameExists("x")).code == "QueueAlreadyExists"
    assert wire_error(e.MissingParameter("x")).json_type.endswith("#MissingRequiredParameterException")
    assert wire_error(e.InvalidParameterValue("x")).json_type.endswith("#InvalidParameterValueException")


def test_unexpected_exception_is_an_internal_error() -> None:
    wire = wire_error(RuntimeError("secret detail"))
    assert (wire.status, wire.code, wire.sender_fault) == (500, "InternalError", False)
    assert "secret" not in wire.message


def test_unlisted_subclass_falls_back_to_its_parent_or_fault() -> None:
    class Special(e.QueueDoesNotExist):
        pass

    class Brand(e.SqsError):
        code = "Brand.New"
        sender_fault = False

    assert wire_error(Special()).status == 400
    assert wire_error(Special()).json_type.endswith("#QueueDoesNotExist")
    assert (wire_error(Brand("x")).status, wire_error(Brand("x")).code) == (500, "Brand.New")
