"""``python idempotent_job.py KIND LOCATION PREFIX RECORD JOB_ID``: one process's call of an idempotent job.

Appends its pid to RECORD when the job really runs and prints the (possibly stored) result as JSON.
"""

from __future__ import annotations

import json
import os
import sys
import time

from conveyor.idempotency import idempotent
from tests.worker.support import make_store

kind, location, prefix, record, job_id = sys.argv[1:6]


@idempotent(store=make_store(kind, location, prefix), key="job_id", wait=True, wait_timeout=20, namespace="jobs")
def work(payload: dict) -> dict:
    with open(record, "a") as file:
        file.write(f"{os.getpid()}\n")
    time.sleep(0.5)
    return {"ran_in": os.getpid(), "job": payload["job_id"]}


if __name__ == "__main__":
    print(json.dumps(work({"job_id": job_id})))
