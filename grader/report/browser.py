"""A page as a person sees it: headless Chromium, offline, gives a screenshot and the rendered DOM.

Used by the page tests and to make the README's screenshot. Chromium runs with
no network: every host resolves to nothing and every request goes to a proxy
that does not exist, and where the system allows it (root on Linux) it also
runs in a network namespace of its own with no interfaces up.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
OFFLINE_FLAGS = ("--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-pings")


class BrowserError(RuntimeError):
    """Chromium is missing or did not render the page; the message says which and why."""


@dataclass(frozen=True)
class Rendered:
    dom: str                # the DOM after rendering, serialised
    screenshot: Path        # PNG of the window


def find() -> str | None:
    """Path of a Chromium binary on PATH, or None."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@lru_cache(maxsize=1)
def _network_namespace() -> tuple[str, ...]:
    """`unshare --net` when it works here (a namespace without network), else nothing."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    try:
        ok = subprocess.run([unshare, "--net", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return (unshare, "--net") if ok else ()


def render(page: Path | str, screenshot: Path | str, width: int = 1280, height: int = 900,
           timeout: float = 60) -> Rendered:
    """Open `page` (a local HTML file) offline, save a width x height screenshot and return the DOM."""
    binary = find()
    if binary is None:
        raise BrowserError(f"Chromium not installed: none of {', '.join(NAMES)} is on PATH")
    page, screenshot = Path(page).resolve(), Path(screenshot).resolve()
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="grader-chromium-") as profile:
        command = [*_network_namespace(), binary, "--headless", "--no-sandbox", "--disable-gpu",
                   "--hide-scrollbars", f"--user-data-dir={profile}", *OFFLINE_FLAGS,
                   f"--window-size={width},{height}", f"--screenshot={screenshot}", "--dump-dom", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise BrowserError(f"{page}: Chromium did not finish within {timeout:g} s") from None
    if done.returncode != 0 or not screenshot.is_file():
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BrowserError(f"{page}: Chromium failed (exit {done.returncode}): {last}")
    return Rendered(done.stdout, screenshot)
