"""JupyterLab driven by a real headless Chromium, for tests/test_lab_in_browser.py.

`lab_server` starts JupyterLab on a free loopback port with a token, serving a
folder, with Jupyter's config, settings and workspaces in a scratch folder (so
nothing of the user's set-up is read or written). `chromium` starts Debian's
chromium through its chromedriver with Selenium, both named by path so that
Selenium never looks for (or downloads) a driver of its own, with no network
but the loopback. `missing` says what is not installed.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from grader.report import browser

DRIVER = "chromedriver"
STARTUP_SECONDS = 120          # a loaded 2-core machine takes 5-20 s; waited on as a condition, never slept


def missing() -> str | None:
    """Why the Lab tests cannot run here, or None."""
    if browser.find() is None:
        return f"Chromium not installed: none of {', '.join(browser.NAMES)} is on PATH"
    if shutil.which(DRIVER) is None:
        return f"{DRIVER} not on PATH (Debian's chromium-driver)"
    for module in ("selenium", "jupyterlab"):
        if importlib.util.find_spec(module) is None:
            return f"{module} not installed (a test-only requirement in requirements.txt)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Lab:
    url: str                # http://127.0.0.1:<port>
    token: str

    def notebook_url(self, name: str) -> str:
        """The notebook `name` in a fresh workspace of its own (nothing else open)."""
        return f"{self.url}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={self.token}"


@contextlib.contextmanager
def lab_server(root: Path, scratch: Path):
    """A JupyterLab serving `root` on 127.0.0.1; its log is scratch/lab.log."""
    token, port = secrets.token_hex(16), free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(scratch / "config"), JUPYTER_RUNTIME_DIR=str(scratch / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(scratch / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"), JAX_PLATFORMS="cpu")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    quiet = scratch / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    quiet.parent.mkdir(parents=True, exist_ok=True)
    quiet.write_text('{"fetchNews": "false", "checkForUpdates": false}')      # no news toast over the cells
    log_path = scratch / "lab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(root))
    lab = Lab(f"http://127.0.0.1:{port}", token)
    try:
        _wait_until_up(lab, server, log_path)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(lab: Lab, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({server.returncode}):\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={lab.token}", timeout=5) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)         # polling interval while the server starts, not a wait for an outcome
    raise RuntimeError(f"JupyterLab did not answer within {STARTUP_SECONDS} s:\n{log_path.read_text()[-3000:]}")


@contextlib.contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 1000):
    """A Selenium driver of headless Chromium, offline except for the loopback."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser.find()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={profile}", f"--window-size={width},{height}",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 *(f for f in browser.OFFLINE_FLAGS if not f.startswith("--host-resolver-rules"))):
        options.add_argument(flag)
    service = Service(executable_path=shutil.which(DRIVER), log_output=str(profile.parent / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()
