import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    """
    處理來自 SQS 的訊息
    """
    processed_count = 0
    failed_count = 0

    for record in event['Records']:
        try:
            # 取得訊息內容
            message_body = json.loads(record['body'])
            message_id = record['messageId']
            receipt_handle = record['receiptHandle']

            logger.info(f"Processing message: {message_id}")
            logger.info(f"Message body: {message_body}")

            # 處理業務邏輯
            process_message(message_body)

            processed_count += 1

        except Exception as e:
            logger.error(f"Error processing message: {str(e)}")
            failed_count += 1
            raise  # 重新拋出例外以觸發重試

    return {
        'statusCode': 200,
        'body': json.dumps({
            'processed': processed_count,
            'failed': failed_count
        })
    }

def process_message(message):
    """
    實際的業務處理邏輯
    """
    # 在此實作您的業務邏輯
    order_id = message.get('order_id')
    action = message.get('action')

    logger.info(f"Processing order {order_id} with action {action}")
