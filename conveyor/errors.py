"""Domain errors: what went wrong, in SQS's own vocabulary, with no knowledge of HTTP.

Each class is named after the error shape in Amazon's service model, and carries the
*legacy code* (the query protocol's ``<Code>``), because that code is also data: it is what
batch actions put in a failed entry's ``Code`` field, whichever protocol carries the response.
How an error travels on the wire (status, JSON ``__type``, XML envelope) is decided only in
:mod:`conveyor.protocol.errors`.
"""

from __future__ import annotations


class SqsError(Exception):
    """Base of every error a client may see. ``str(error)`` is the message sent to the client."""

    code: str = "InternalError"
    sender_fault: bool = True

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class InternalError(SqsError):
    code = "InternalError"
    sender_fault = False


class ServiceUnavailable(SqsError):
    code = "ServiceUnavailable"
    sender_fault = False


class QueueDoesNotExist(SqsError):
    code = "AWS.SimpleQueueService.NonExistentQueue"

    def __init__(self, message: str = "The specified queue does not exist.") -> None:
        super().__init__(message)


class QueueNameExists(SqsError):
    code = "QueueAlreadyExists"


class QueueDeletedRecently(SqsError):
    code = "AWS.SimpleQueueService.QueueDeletedRecently"


class PurgeQueueInProgress(SqsError):
    code = "AWS.SimpleQueueService.PurgeQueueInProgress"


class OverLimit(SqsError):
    code = "OverLimit"


class MessageNotInflight(SqsError):
    code = "AWS.SimpleQueueService.MessageNotInflight"

    def __init__(self, message: str = "The message referred to isn't in flight.") -> None:
        super().__init__(message)


class ReceiptHandleIsInvalid(SqsError):
    code = "ReceiptHandleIsInvalid"


class BatchEntryIdsNotDistinct(SqsError):
    code = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


class BatchRequestTooLong(SqsError):
    code = "AWS.SimpleQueueService.BatchRequestTooLong"


class EmptyBatchRequest(SqsError):
    code = "AWS.SimpleQueueService.EmptyBatchRequest"


class InvalidBatchEntryId(SqsError):
    code = "AWS.SimpleQueueService.InvalidBatchEntryId"


class TooManyEntriesInBatchRequest(SqsError):
    code = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"


class UnsupportedOperation(SqsError):
    code = "AWS.SimpleQueueService.UnsupportedOperation"


class ResourceNotFound(SqsError):
    code = "ResourceNotFoundException"


class InvalidParameterValue(SqsError):
    code = "InvalidParameterValue"


class MissingParameter(SqsError):
    code = "MissingParameter"


class InvalidIdFormat(SqsError):
    code = "InvalidIdFormat"


class InvalidAttributeName(SqsError):
    code = "InvalidAttributeName"


class InvalidAttributeValue(SqsError):
    code = "InvalidAttributeValue"


class InvalidMessageContents(SqsError):
    code = "InvalidMessageContents"


class InvalidAddress(SqsError):
    code = "InvalidAddress"


class InvalidSecurity(SqsError):
    code = "InvalidSecurity"


class RequestThrottled(SqsError):
    code = "RequestThrottled"


class InvalidAction(SqsError):
    """The request names no action, or one SQS does not have."""

    code = "InvalidAction"


class MalformedRequest(SqsError):
    """The body could not be decoded at all (bad JSON, wrong member types)."""

    code = "SerializationException"


class AccessDenied(SqsError):
    code = "AccessDenied"
