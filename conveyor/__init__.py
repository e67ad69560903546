"""Conveyor: a self-hosted message-queue server that speaks Amazon SQS's wire protocols."""

__version__ = "0.1.0"
