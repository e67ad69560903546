"""Rerunnable throughput/latency benchmark of the Conveyor SQS server (see README.md)."""
