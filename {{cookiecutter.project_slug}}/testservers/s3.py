"""An S3-compatible server on 127.0.0.1: moto's standalone server, with one bucket.

The attachments' bucket storage is tested against this real HTTP server (presigned URLs,
uploads, deletes), not against a mock of boto3. Everything is held in the process's memory,
so stopping it forgets every object.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

from testservers import processes
from testservers.processes import MissingService, Server

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"


class S3Server(Server):
    def __init__(self, workdir: Path, *, bucket: str = "chat-attachments"):
        if importlib.util.find_spec("moto") is None:
            raise MissingService("moto not installed; install the test group (moto[server])")
        self.workdir = Path(workdir)
        self.bucket = bucket
        self.port = processes.free_port()
        self.log_path = self.workdir / f"s3-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def env(self) -> dict[str, str]:
        """The settings that point the project's attachment storage at this server."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_ADDRESSING_STYLE": "path",
            "ATTACHMENT_ORIGIN": self.url,
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def object_keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def _launch(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + processes.START_TIMEOUT
        while True:
            if not self.running:
                raise RuntimeError("moto server exited:\n" + processes.log_tail(self.log_path))
            try:
                self.client().create_bucket(Bucket=self.bucket)
                return
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(processes.STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
