"""A worker program built on seed 000's InferenceWorker, as its author would deploy one.

``python worker_main.py QUEUE_URL RECORD_FILE VISIBILITY_TIMEOUT NAME``: the endpoint, region and
credentials come from the environment (``AWS_ENDPOINT_URL_SQS``, ...), as they would in a pod.
Each job ``{"job_id": ..., "seconds": N}`` appends ``NAME start JOB`` and, ``N`` seconds later,
``NAME done JOB`` to RECORD_FILE; a job with ``"fail": true`` raises after its start line.
"""

from __future__ import annotations

import logging
import sys
import time

from seed_inference_worker import InferenceWorker


class RecordingWorker(InferenceWorker):
    def __init__(self, queue_url: str, record: str, visibility_timeout: int, name: str) -> None:
        super().__init__(queue_url, visibility_timeout=visibility_timeout)
        self.record = record
        self.name = name

    def _write(self, event: str, job_id: str) -> None:
        with open(self.record, "a", encoding="utf-8") as file:
            file.write(f"{self.name} {event} {job_id}\n")

    def handle(self, body: dict) -> None:
        self._write("start", body["job_id"])
        if body.get("fail"):
            raise RuntimeError(f"model crashed on {body['job_id']}")
        time.sleep(float(body.get("seconds", 0)))
        self._write("done", body["job_id"])


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("seed_inference_worker").setLevel(logging.DEBUG)  # show the heartbeats
    queue_url, record, visibility_timeout, name = sys.argv[1:5]
    RecordingWorker(queue_url, record, int(visibility_timeout), name).run()
