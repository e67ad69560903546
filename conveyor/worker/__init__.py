"""A production SQS consumer: subclass :class:`Worker`, implement ``handle(body)``, call ``run()``."""

from conveyor.worker.report import ShutdownReport, WorkerMetrics
from conveyor.worker.worker import Worker

__all__ = ["ShutdownReport", "Worker", "WorkerMetrics"]
