# ruff: noqa: I001
# Seed 000 ("SQS 深度指南:Polling、可靠性保證與 RabbitMQ 比較"), section 完整的 InferenceWorker 實作:
# the user's InferenceWorker, copied verbatim; only the indentation the blog lost is restored.
# The post's usage example (MyInferenceWorker with run_model/save_result) is left out: the tests
# subclass InferenceWorker themselves. test_seeds.py checks this file still matches the seed.
import boto3
import json
import logging
import signal
import threading
import time
from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)


class InferenceWorker:
    """
    生產等級的 SQS Inference Worker。

    特性:
    - Long polling:減少 API call 費用
    - Visibility timeout heartbeat:避免長任務被重新投遞
    - 優雅關閉(graceful shutdown):SIGTERM 後等當前任務完成
    - DLQ awareness:記錄 ApproximateReceiveCount 方便除錯
    """

    def __init__(
        self,
        queue_url: str,
        visibility_timeout: int = 600, # 10 分鐘,inference 任務要夠長
        max_messages: int = 1, # inference 通常一次處理一筆
        region: str = "us-east-1",
    ):
        self.sqs = boto3.client("sqs", region_name=region)
        self.queue_url = queue_url
        self.visibility_timeout = visibility_timeout
        self.max_messages = max_messages
        self._running = True

        # 設定 SIGTERM handler(K8s 停止 Pod 時發送)
        signal.signal(signal.SIGTERM, self._handle_shutdown)
        signal.signal(signal.SIGINT, self._handle_shutdown)

    def _handle_shutdown(self, signum, frame):
        logger.info("收到停止訊號,等待當前任務完成後退出...")
        self._running = False

    def run(self):
        """主迴圈:持續拉取並處理訊息"""
        logger.info(f"InferenceWorker 啟動,監聽:{self.queue_url}")

        while self._running:
            try:
                response = self.sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=self.max_messages,
                    WaitTimeSeconds=20, # long polling
                    VisibilityTimeout=self.visibility_timeout,
                    AttributeNames=["ApproximateReceiveCount"], # DLQ 除錯用
                )

                for msg in response.get("Messages", []):
                    self._process_message(msg)

            except Exception as e:
                logger.error(f"Polling 發生錯誤:{e}")
                time.sleep(5) # 短暫等待後重試,避免錯誤循環

        logger.info("InferenceWorker 已優雅關閉")

    def _process_message(self, msg: dict):
        """處理單筆訊息,包含 heartbeat 和 error handling"""
        receipt_handle = msg["ReceiptHandle"]
        receive_count = int(msg.get("Attributes", {}).get("ApproximateReceiveCount", 1))

        # 如果訊息已經重試多次,記錄警告(可能即將進入 DLQ)
        if receive_count > 2:
            logger.warning(
                f"訊息重試次數偏高({receive_count} 次),"
                f"MessageId={msg['MessageId']},可能即將移入 DLQ"
            )

        # 啟動 heartbeat:每 60 秒延長 visibility timeout
        stop_heartbeat = threading.Event()
        heartbeat_thread = threading.Thread(
            target=self._heartbeat,
            args=(receipt_handle, stop_heartbeat),
            daemon=True,
        )
        heartbeat_thread.start()

        try:
            body = json.loads(msg["Body"])
            logger.info(f"開始處理 job_id={body.get('job_id')}")

            self.handle(body) # 子類別覆寫這個方法

            # 成功才刪除訊息
            self.sqs.delete_message(
                QueueUrl=self.queue_url,
                ReceiptHandle=receipt_handle,
            )
            logger.info(f"成功處理並刪除訊息,job_id={body.get('job_id')}")

        except Exception as e:
            logger.error(
                f"處理訊息失敗(receive_count={receive_count}):{e}",
                exc_info=True,
            )
            # 不刪除訊息 → visibility timeout 後重回 queue → 重試
            # 超過 maxReceiveCount 後自動移入 DLQ

        finally:
            stop_heartbeat.set() # 停止 heartbeat

    def _heartbeat(self, receipt_handle: str, stop_event: threading.Event):
        """定期延長 visibility timeout,避免長任務被重新投遞"""
        heartbeat_interval = self.visibility_timeout // 2 # 一半時間就延長

        while not stop_event.wait(heartbeat_interval):
            try:
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=receipt_handle,
                    VisibilityTimeout=self.visibility_timeout,
                )
                logger.debug("Visibility timeout 已延長")
            except ClientError as e:
                # 如果訊息已被刪除或過期,這裡會報錯,直接停止
                logger.warning(f"Heartbeat 失敗(訊息可能已被刪除):{e}")
                break

    def handle(self, body: dict):
        """覆寫這個方法實作你的 inference 邏輯"""
        raise NotImplementedError
