"""How each domain error travels on the wire: its JSON ``__type`` and its HTTP status.

This is the one place that knows it.  The legacy (query) code and the sender/receiver fault
come from the error class itself (:mod:`conveyor.errors`); both protocols use them.
"""

from __future__ import annotations

from dataclasses import dataclass

from conveyor import errors as e

SQS_NS = "com.amazonaws.sqs#"
CORAL_NS = "com.amazon.coral.service#"


@dataclass(frozen=True, slots=True)
class WireError:
    """Everything either codec needs to render one error."""

    json_type: str  # full "__type", namespace included
    status: int
    code: str  # legacy/query code
    sender_fault: bool
    message: str


# Domain error class -> (JSON shape, HTTP status).  Modeled SQS shapes use the SQS namespace, so
# botocore's JSON parser maps them to the typed exception (client.exceptions.QueueDoesNotExist...).
_TABLE: dict[type[e.SqsError], tuple[str, int]] = {
    e.QueueDoesNotExist: (SQS_NS + "QueueDoesNotExist", 400),
    e.QueueNameExists: (SQS_NS + "QueueNameExists", 400),
    e.QueueDeletedRecently: (SQS_NS + "QueueDeletedRecently", 400),
    e.PurgeQueueInProgress: (SQS_NS + "PurgeQueueInProgress", 403),
    e.OverLimit: (SQS_NS + "OverLimit", 403),
    e.MessageNotInflight: (SQS_NS + "MessageNotInflight", 400),
    e.ReceiptHandleIsInvalid: (SQS_NS + "ReceiptHandleIsInvalid", 400),
    e.BatchEntryIdsNotDistinct: (SQS_NS + "BatchEntryIdsNotDistinct", 400),
    e.BatchRequestTooLong: (SQS_NS + "BatchRequestTooLong", 400),
    e.EmptyBatchRequest: (SQS_NS + "EmptyBatchRequest", 400),
    e.InvalidBatchEntryId: (SQS_NS + "InvalidBatchEntryId", 400),
    e.TooManyEntriesInBatchRequest: (SQS_NS + "TooManyEntriesInBatchRequest", 400),
    e.UnsupportedOperation: (SQS_NS + "UnsupportedOperation", 400),
    e.ResourceNotFound: (SQS_NS + "ResourceNotFoundException", 404),
    e.InvalidParameterValue: (SQS_NS + "InvalidParameterValueException", 400),
    e.MissingParameter: (SQS_NS + "MissingRequiredParameterException", 400),
    e.InvalidIdFormat: (SQS_NS + "InvalidIdFormat", 400),
    e.InvalidAttributeName: (SQS_NS + "InvalidAttributeName", 400),
    e.InvalidAttributeValue: (SQS_NS + "InvalidAttributeValue", 400),
    e.InvalidMessageContents: (SQS_NS + "InvalidMessageContents", 400),
    e.InvalidAddress: (SQS_NS + "InvalidAddress", 400),
    e.InvalidSecurity: (SQS_NS + "InvalidSecurity", 400),
    e.RequestThrottled: (SQS_NS + "RequestThrottled", 400),
    e.AccessDenied: (SQS_NS + "AccessDeniedException", 403),
    # Framework-level failures are reported by AWS's service framework, not by the SQS model.
    e.InvalidAction: (CORAL_NS + "UnknownOperationException", 400),
    e.MalformedRequest: (CORAL_NS + "SerializationException", 400),
    e.InternalError: (CORAL_NS + "InternalFailure", 500),
    e.ServiceUnavailable: (CORAL_NS + "ServiceUnavailableException", 503),
}


def _lookup(cls: type[e.SqsError]) -> tuple[str, int] | None:
    for klass in cls.__mro__:
        found = _TABLE.get(klass)  # type: ignore[arg-type]
        if found is not None:
            return found
    return None


def wire_error(error: BaseException) -> WireError:
    """Describe ``error`` for the wire; anything that is not an SqsError is an InternalError."""
    if not isinstance(error, e.SqsError):
        error = e.InternalError("We encountered an internal error. Please try again.")
    found = _lookup(type(error))
    if found is None:  # a domain error added later and not yet in the table
        status = 400 if error.sender_fault else 500
        found = (SQS_NS + type(error).__name__, status)
    json_type, status = found
    return WireError(json_type, status, error.code, error.sender_fault, error.message)
