"""A real query-protocol SQS client for tests.

botocore switched SQS to the JSON protocol in 1.31.81; 1.31.80 carries the last query-protocol
model, with the ``locationName`` traits that old SDKs used.  Its ``service-2.json`` is fetched
once (``pip download``) into ``<repo>/.cache/query-model`` and put first on a botocore session's
data path, so the client speaks the query protocol exactly as older SDKs did.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from typing import Any

QUERY_BOTOCORE_VERSION = "1.31.80"
_MODEL_MEMBER = "botocore/data/sqs/2012-11-05/service-2.json"
_REPO = pathlib.Path(__file__).resolve().parents[2]


def query_model_dir() -> pathlib.Path:
    """A data directory holding ``sqs/2012-11-05/service-2.json`` from the query era."""
    root = pathlib.Path(os.environ.get("CONVEYOR_QUERY_MODEL_DIR", _REPO / ".cache" / "query-model"))
    target = root / "sqs" / "2012-11-05" / "service-2.json"
    if not target.exists():
        _fetch(target)
    return root


def query_model_file() -> pathlib.Path:
    return query_model_dir() / "sqs" / "2012-11-05" / "service-2.json"


def _fetch(target: pathlib.Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", tmp,
             f"botocore=={QUERY_BOTOCORE_VERSION}"],
            check=True,
        )  # fmt: skip
        wheel = next(pathlib.Path(tmp).glob("botocore-*.whl"))
        with zipfile.ZipFile(wheel) as zf, zf.open(_MODEL_MEMBER) as src:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.part")
            with open(partial, "wb") as dst:
                shutil.copyfileobj(src, dst)
            partial.replace(target)  # atomic: concurrent test workers never see half a file


def query_session() -> Any:
    """A botocore session that loads the query-protocol SQS model first."""
    import botocore.session

    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, str(query_model_dir()))
    return session


def query_client(endpoint_url: str, region: str = "us-east-1") -> Any:
    """A boto3 SQS client speaking the query protocol to ``endpoint_url``."""
    import boto3

    session = boto3.Session(
        botocore_session=query_session(),
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name=region,
    )
    return session.client("sqs", endpoint_url=endpoint_url)
