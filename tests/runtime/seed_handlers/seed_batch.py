import json
import logging
from concurrent.futures import ThreadPoolExecutor, as_completed

logger = logging.getLogger()
logger.setLevel(logging.INFO)

def lambda_handler(event, context):
    """
    高效批次處理 SQS 訊息
    """
    records = event['Records']
    batch_size = len(records)

    logger.info(f"Processing batch of {batch_size} messages")

    # 使用執行緒池並行處理訊息
    results = []
    with ThreadPoolExecutor(max_workers=min(batch_size, 10)) as executor:
        future_to_record = {
            executor.submit(process_single_message, record): record
            for record in records
        }

        for future in as_completed(future_to_record):
            record = future_to_record[future]
            try:
                result = future.result()
                results.append({
                    'messageId': record['messageId'],
                    'status': 'success'
                })
            except Exception as e:
                logger.error(f"Error processing {record['messageId']}: {str(e)}")
                results.append({
                    'messageId': record['messageId'],
                    'status': 'failed',
                    'error': str(e)
                })

    return {
        'statusCode': 200,
        'body': json.dumps({
            'total': batch_size,
            'results': results
        })
    }

def process_single_message(record):
    """
    處理單一訊息
    """
    message_body = json.loads(record['body'])
    # 實作業務邏輯
    return True
