"""``@idempotent`` on both stores: once-only runs, stored results, expiry on a manual clock, failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from conveyor.clock import ManualClock
from conveyor.idempotency import (
    IdempotencyInProgressError,
    IdempotencyKeyError,
    MessageContext,
    Status,
    idempotent,
    message_context,
)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class Calls:
    """A counting function body; ``block`` holds it until set, ``fail`` makes it raise."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.block = threading.Event()
        self.block.set()
        self.fail = False

    def __call__(self, payload: Any) -> dict[str, Any]:
        with self.lock:
            self.count += 1
        self.block.wait(10)
        if self.fail:
            raise RuntimeError("boom")
        return {"run": self.count, "payload": payload}


def test_first_call_runs_and_duplicates_get_the_stored_result(store) -> None:
    calls = Calls()
    job = idempotent(store=store, key="order.id")(calls)
    first = job({"order": {"id": 7}, "n": 1})
    assert job({"order": {"id": 7}, "n": 2}) == first == {"run": 1, "payload": {"order": {"id": 7}, "n": 1}}
    assert job({"order": {"id": 8}})["run"] == 2  # another key runs
    assert calls.count == 2


@pytest.mark.parametrize("wait", [True, False])
def test_concurrent_duplicates_in_threads_run_once(store, wait: bool) -> None:
    calls = Calls()
    calls.block.clear()
    job = idempotent(store=store, key="id", wait=wait, poll_interval=0.01)(calls)
    results: list[Any] = []

    def call() -> None:
        try:
            results.append(job({"id": "same"}))
        except IdempotencyInProgressError as exc:
            results.append(exc)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    if not wait:  # the seven duplicates give up at once while the first still runs
        deadline = time.monotonic() + 10
        while len(results) < 7 and time.monotonic() < deadline:
            time.sleep(0.01)
    calls.block.set()
    for thread in threads:
        thread.join(10)
    assert calls.count == 1
    values = [r for r in results if not isinstance(r, Exception)]
    errors = [r for r in results if isinstance(r, IdempotencyInProgressError)]
    assert (len(values), len(errors)) == ((8, 0) if wait else (1, 7))
    assert all(value == {"run": 1, "payload": {"id": "same"}} for value in values)


def test_concurrent_duplicates_in_processes_run_once(store_spec, tmp_path: Path) -> None:
    kind, location = store_spec
    record = tmp_path / "runs.txt"
    command = [sys.executable, str(HERE / "idempotent_job.py"), kind, location, f"procs-{uuid.uuid4().hex}:",
               str(record), "job-42"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                 for _ in range(4)]
    outputs = [process.communicate(timeout=30) for process in processes]
    assert all(process.returncode == 0 for process in processes), [err.decode() for _, err in outputs]
    assert len(record.read_text().split()) == 1
    results = {out.decode().strip() for out, _ in outputs}
    assert len(results) == 1 and json.loads(results.pop())["job"] == "job-42"


def test_a_crashed_run_blocks_its_key_until_the_in_progress_record_expires(store) -> None:
    clock = ManualClock()
    calls = Calls()
    job = idempotent(store=store, key="id", in_progress_ttl=30, clock=clock, namespace="crash")(calls)
    # A process claimed the key and died: its record stays behind, in progress.
    assert store.claim("crash:1", "dead-process", clock.now(), clock.now() + 30_000) is None
    with pytest.raises(IdempotencyInProgressError):
        job({"id": 1})
    clock.advance(29)
    with pytest.raises(IdempotencyInProgressError):
        job({"id": 1})
    clock.advance(2)
    assert job({"id": 1})["run"] == 1
    assert store.release("crash:1", "dead-process") is False  # the dead claim cannot erase the new result


def test_completed_results_expire_after_their_ttl(store) -> None:
    clock = ManualClock()
    calls = Calls()
    job = idempotent(store=store, key="id", ttl=60, clock=clock)(calls)
    assert job({"id": 1})["run"] == 1
    clock.advance(59)
    assert job({"id": 1})["run"] == 1
    clock.advance(2)
    assert job({"id": 1})["run"] == 2


def test_a_failed_run_releases_its_key_for_a_retry(store) -> None:
    calls = Calls()
    calls.fail = True
    job = idempotent(store=store, key="id", namespace="flaky")(calls)
    with pytest.raises(RuntimeError):
        job({"id": 1})
    assert store.get("flaky:1", 0) is None  # no record at all, not even an expired one
    calls.fail = False
    assert job({"id": 1})["run"] == 2


def test_renew_and_lost_claims(store) -> None:
    clock = ManualClock()
    now = clock.now()
    assert store.claim("k", "mine", now, now + 1000) is None
    assert store.renew("k", "mine", now, now + 5000)
    assert not store.renew("k", "theirs", now, now + 9000)
    clock.advance(4)
    assert store.claim("k", "theirs", clock.now(), clock.now() + 1000).status is Status.IN_PROGRESS
    assert store.complete("k", "mine", '"done"', clock.now(), clock.now() + 1000)
    record = store.get("k", clock.now())
    assert (record.status, record.result) == (Status.COMPLETED, '"done"')


# -- keys -------------------------------------------------------------------------------------

MESSAGE = {"MessageId": "m-1", "ReceiptHandle": "r", "Body": json.dumps({"job": {"id": "j-9"}}),
           "Attributes": {"MessageDeduplicationId": "d-5"}}


@pytest.mark.parametrize(("key", "expected"), [("message_id", "m-1"), ("dedup_id", "d-5"), ("job.id", "j-9")])
def test_keys_from_a_raw_message(tmp_path: Path, key: str, expected: str) -> None:
    seen: list[str] = []
    store = tmp_path / "keys.sqlite3"

    @idempotent(store=store, key=key, namespace="n")
    def handler(message: dict) -> None:
        seen.append("ran")

    handler(MESSAGE)
    handler(MESSAGE)
    assert seen == ["ran"]
    from conveyor.idempotency import SQLiteStore

    assert SQLiteStore(store).get(f"n:{expected}", 0) is not None


def test_a_method_keyed_by_the_current_message_and_a_decoded_body(tmp_path: Path) -> None:
    class Handler:
        runs = 0

        @idempotent(store=tmp_path / "m.sqlite3", key="message_id")
        def handle(self, body: dict) -> int:
            Handler.runs += 1
            return body["job"]["id"]

    handler = Handler()
    with message_context(MessageContext(MESSAGE)):
        assert handler.handle(json.loads(MESSAGE["Body"])) == "j-9"
        assert handler.handle({"something": "else"}) == "j-9"  # same message id: the stored result
    assert Handler.runs == 1


def test_no_key_is_an_error_not_a_guess(tmp_path: Path) -> None:
    @idempotent(store=tmp_path / "e.sqlite3", key="job.id")
    def by_payload(payload: dict) -> None: ...

    @idempotent(store=tmp_path / "e.sqlite3", key="dedup_id")
    def by_dedup(payload: dict) -> None: ...

    with pytest.raises(IdempotencyKeyError):
        by_payload({"job": {}})
    with pytest.raises(IdempotencyKeyError):
        by_dedup({"job": {"id": 1}})
