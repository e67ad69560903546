import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    """
    支援部分批次失敗回報的 Lambda 函數
    """
    batch_item_failures = []

    for record in event['Records']:
        try:
            message_id = record['messageId']
            message_body = json.loads(record['body'])

            # 處理訊息
            process_message(message_body)

            logger.info(f"Successfully processed message: {message_id}")

        except Exception as e:
            logger.error(f"Failed to process message {record['messageId']}: {str(e)}")
            # 記錄失敗的訊息 ID
            batch_item_failures.append({
                'itemIdentifier': record['messageId']
            })

    # 回報失敗的訊息
    return {
        'batchItemFailures': batch_item_failures
    }

def process_message(message):
    """
    訊息處理邏輯,可能會拋出例外
    """
    if not message.get('valid', True):
        raise ValueError("Invalid message format")

    # 實際處理邏輯
    pass
