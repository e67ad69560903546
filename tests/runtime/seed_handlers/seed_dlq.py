import json
import logging
import boto3
from datetime import datetime

logger = logging.getLogger()
logger.setLevel(logging.INFO)

sqs = boto3.client('sqs')
sns = boto3.client('sns')

ALERT_TOPIC_ARN = 'arn:aws:sns:ap-northeast-1:123456789012:dlq-alerts'

def lambda_handler(event, context):
    """
    處理死信佇列中的訊息
    """
    for record in event['Records']:
        try:
            message_id = record['messageId']
            message_body = json.loads(record['body'])

            # 取得原始訊息的屬性
            attributes = record.get('messageAttributes', {})
            approximate_receive_count = record.get('attributes', {}).get(
                'ApproximateReceiveCount', 'unknown'
            )

            logger.warning(f"DLQ Message: {message_id}")
            logger.warning(f"Receive count: {approximate_receive_count}")
            logger.warning(f"Body: {json.dumps(message_body, indent=2)}")

            # 分析失敗原因並記錄
            failure_analysis = analyze_failure(message_body, attributes)

            # 發送警報通知
            send_alert(message_id, message_body, failure_analysis)

            # 根據訊息類型決定處理方式
            handle_dead_letter(message_id, message_body, failure_analysis)

        except Exception as e:
            logger.error(f"Error processing DLQ message: {str(e)}")
            # DLQ 的訊息處理失敗時,需要人工介入
            raise

def analyze_failure(message_body, attributes):
    """
    分析訊息處理失敗的原因
    """
    analysis = {
        'timestamp': datetime.utcnow().isoformat(),
        'possible_causes': []
    }

    # 檢查常見問題
    if 'order_id' in message_body and not message_body.get('order_id'):
        analysis['possible_causes'].append('Missing order_id')

    if 'amount' in message_body:
        try:
            float(message_body['amount'])
        except (ValueError, TypeError):
            analysis['possible_causes'].append('Invalid amount format')

    return analysis

def send_alert(message_id, message_body, analysis):
    """
    發送警報通知
    """
    alert_message = {
        'alert_type': 'DLQ_MESSAGE',
        'message_id': message_id,
        'message_body': message_body,
        'analysis': analysis
    }

    sns.publish(
        TopicArn=ALERT_TOPIC_ARN,
        Message=json.dumps(alert_message, indent=2),
        Subject='[ALERT] Dead Letter Queue Message Detected'
    )

def handle_dead_letter(message_id, message_body, analysis):
    """
    處理死信訊息
    """
    # 根據訊息類型或錯誤原因決定處理方式
    message_type = message_body.get('type', 'unknown')

    if message_type == 'order':
        # 訂單相關訊息:標記為需要人工處理
        logger.info(f"Order message {message_id} requires manual intervention")
    elif message_type == 'notification':
        # 通知類訊息:可以安全丟棄
        logger.info(f"Notification message {message_id} can be discarded")
    else:
        # 未知類型:保留並通知
        logger.warning(f"Unknown message type: {message_type}")
