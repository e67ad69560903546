"""Run Lambda-style Python functions against SQS queues (Lambda's SQS event source mapping).

The runtime is an SQS *client*: it speaks only the SQS API (through boto3), so it works against
Conveyor or Amazon SQS alike. It never imports Conveyor's server layers.
"""
