"""`vtoc up --web`: one command, the whole stack behind one URL, stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from vtoc.web.stack import free_port

pytestmark = pytest.mark.e2e


def test_up_web_serves_api_and_spa_at_one_url(dist: Path, tmp_path: Path) -> None:
    api_port, web_port = free_port(), free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VTOC_")},
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "VTOC_WEB_DIST": str(dist),
    }
    cmd = [str(Path(sys.executable).parent / "vtoc"), "up", "--port", str(api_port)]
    cmd += ["--no-tui", "--web", "--web-port", str(web_port)]
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{web_port}"
    try:
        deadline = time.monotonic() + 60
        while f"vTOC in the browser: {url}" not in log.read_text():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        token = next(
            line.split(": ", 1)[1].strip()
            for line in log.read_text().splitlines()
            if line.startswith("admin token")
        )
        who = httpx.get(f"{url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"})
        assert who.status_code == 200 and who.json()["role"] == "admin"
        # The demo scenario is there, through the proxy.
        ops = httpx.get(f"{url}/api/v1/operations", headers={"Authorization": f"Bearer {token}"})
        assert ops.json()["items"]
        assert '<div id="root">' in httpx.get(f"{url}/operations/1").text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    # Traefik and the static server went with it.
    with pytest.raises(httpx.TransportError):
        httpx.get(url, timeout=2)
