"""Powertools' batch utilities, used the documented way, unchanged."""

import json

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)

processor = BatchProcessor(event_type=EventType.SQS)
fifo_processor = SqsFifoPartialProcessor()


def record_handler(record):
    if json.loads(record.body).get("fail"):
        raise ValueError("bad record")


def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)


def fifo_handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=fifo_processor,
                                    context=context)
