"""Run ``python -m conveyor serve`` as a real subprocess, for end-to-end tests.

``ServerProcess`` picks a free loopback port, starts the server, and waits until ``GET /health``
answers; if the server dies on the way it fails at once with the server's stderr. It can be
killed (SIGKILL), terminated (SIGTERM, graceful) and restarted on the same port and data dir.
Use it as a context manager (or through a pytest fixture) so no server outlives its test; an
``atexit`` hook kills any that a crashed test run still left behind.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

_LIVE: weakref.WeakSet[ServerProcess] = weakref.WeakSet()


def _parent_death_signal() -> Callable[[], None] | None:
    """On Linux, a ``preexec_fn`` that has the kernel SIGKILL the child when the test run dies,
    so even a killed pytest leaves no server behind (``atexit`` and fixtures cover the rest).
    The kernel ties this to the *thread* that started the child: start servers from the main thread."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved now, not in the forked child
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def set_death_signal() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return set_death_signal


die_with_parent = _parent_death_signal()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServerError(RuntimeError):
    """The server did not come up (it died, or never answered ``/health``)."""


class ServerProcess:
    """One ``conveyor serve`` subprocess on ``127.0.0.1``.

    ``data_dir`` is passed as ``--data-dir`` unless it is ``None`` (e.g. with ``--store memory``
    or a ``--config`` file that names one); ``args`` are further command-line flags.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        args: list[str] | tuple[str, ...] = (),
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
        startup_timeout: float = 20.0,
        account_id: str = "000000000000",
    ) -> None:
        self.data_dir = None if data_dir is None else str(data_dir)
        self.args = list(args)
        self.port = port or free_port()
        self.env = env
        self.startup_timeout = startup_timeout
        self.account_id = account_id
        self._workdir = Path(tempfile.mkdtemp(prefix="conveyor-e2e-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr_path: Path | None = None
        self._starts = 0

    # -- facts ------------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def queue_url(self, name: str) -> str:
        return f"{self.endpoint_url}/{self.account_id}/{name}"

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise ServerError("server is not running")
        return self._proc.pid

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def command(self) -> list[str]:
        command = [sys.executable, "-m", "conveyor", "serve", "--port", str(self.port)]
        if self.data_dir is not None:
            command += ["--data-dir", self.data_dir]
        return command + self.args

    def stderr_text(self) -> str:
        """Everything the current (or last) server process wrote to stderr."""
        if self._stderr_path is None or not self._stderr_path.exists():
            return ""
        return self._stderr_path.read_text("utf-8", errors="replace")

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> ServerProcess:
        if self.is_running():
            raise ServerError("server is already running")
        # Right after a kill the port may still be briefly taken; retry a bind failure a few times.
        for attempt in range(5):
            try:
                self._spawn_and_wait()
                return self
            except ServerError as exc:
                if "address already in use" not in str(exc).lower() or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def _spawn_and_wait(self) -> None:
        self._starts += 1
        self._stderr_path = self._workdir / f"stderr-{self._starts}.log"
        env = {**os.environ, **(self.env or {})}
        with open(self._workdir / f"stdout-{self._starts}.log", "wb") as out, open(self._stderr_path, "wb") as err:
            self._proc = subprocess.Popen(self.command(), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                          cwd=self._workdir, env=env, preexec_fn=die_with_parent)
        _LIVE.add(self)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                raise ServerError(f"conveyor serve exited with {code} before answering /health:\n"
                                  f"{self.stderr_text()}")
            if self._healthy():
                return
            if time.monotonic() > deadline:
                self.kill()
                raise ServerError(f"conveyor serve did not answer /health within {self.startup_timeout}s:\n"
                                  f"{self.stderr_text()}")
            time.sleep(0.05)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint_url}/health", timeout=1) as response:
                return response.status == 200 and response.read() == b"ok"
        except (OSError, urllib.error.URLError):
            return False

    def kill(self) -> int | None:
        """SIGKILL, as a crash would; waits for the process to be gone."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGKILL)
        return self._proc.wait(10)

    def terminate(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait for a graceful exit (SIGKILL and fail if it hangs); returns the exit code."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                return self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise ServerError(f"server did not exit within {timeout}s of SIGTERM (killed):\n"
                                  f"{self.stderr_text()}") from None
        return self._proc.returncode

    def restart(self, *, graceful: bool = True) -> ServerProcess:
        """Stop the server if it still runs (SIGTERM, or SIGKILL if not ``graceful``); start it again
        on the same port and data dir."""
        if self.is_running():
            self.terminate() if graceful else self.kill()
        return self.start()

    def close(self) -> None:
        """Make sure no process is left: SIGTERM, then SIGKILL if it will not go."""
        try:
            if self.is_running():
                with contextlib.suppress(ServerError):
                    self.terminate(timeout=5)
        finally:
            if self.is_running():
                self.kill()
            _LIVE.discard(self)
            shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> ServerProcess:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc_info: object) -> None:
        self.close()


CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"}


def client_env(endpoint_url: str | None = None) -> dict[str, str]:
    """The environment for a child process that talks to a server: dummy credentials, no user AWS config,
    and, given ``endpoint_url``, ``AWS_ENDPOINT_URL_SQS`` so an unmodified boto3 program finds the server."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(CREDENTIALS)
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    if endpoint_url is not None:
        env["AWS_ENDPOINT_URL_SQS"] = endpoint_url
    return env


def sqs_client(endpoint_url: str, **config: Any) -> Any:
    """A boto3 SQS client for the server, with dummy credentials and no retries (tests see every failure)."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs", endpoint_url=endpoint_url, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, **config),
    )


@atexit.register
def _kill_leftovers() -> None:
    for server in list(_LIVE):
        if server.is_running():
            server.kill()
