# ruff: noqa: I001
# Seed 002 ("AWS Lambda 與 SQS 非同步處理"), section 發送訊息範例: the user's send functions, verbatim.
# The module-level client takes its endpoint, region and credentials from the environment.
import boto3
import json
import uuid

sqs = boto3.client('sqs')

# 標準佇列發送訊息
def send_to_standard_queue(queue_url, message):
    response = sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(message),
        MessageAttributes={
            'MessageType': {
                'DataType': 'String',
                'StringValue': 'OrderCreated'
            }
        }
    )
    return response['MessageId']

# FIFO 佇列發送訊息
def send_to_fifo_queue(queue_url, message, group_id):
    response = sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps(message),
        MessageGroupId=group_id,
        MessageDeduplicationId=str(uuid.uuid4()),
        MessageAttributes={
            'MessageType': {
                'DataType': 'String',
                'StringValue': 'OrderCreated'
            }
        }
    )
    return response['MessageId']
