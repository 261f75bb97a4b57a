"""Headless Chromium driven over the DevTools protocol on a pipe, with the standard library only.

``--remote-debugging-pipe`` makes Chromium read commands from its fd 3 and write replies and
events to its fd 4, each message JSON ended by a NUL byte: no port, no websocket, no driver
to download, and every console message arrives as a structured event rather than a log line.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What headless Chromium needs to start as root in a container (whose /dev/shm may be a few
# MB) and to stay off the network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    "--mute-audio",
)


def executable() -> str | None:
    """The Chromium binary on PATH (Debian's ``chromium``, or a ``google-chrome``), else None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


class ProtocolError(RuntimeError):
    """Chromium answered a command with an error, or did not answer in time."""


@dataclass
class Page:
    """One loaded page: what its console said while it loaded."""

    url: str
    messages: list[str] = field(default_factory=list)


class Browser:
    """A running headless Chromium and one tab, attached over the pipe."""

    def __init__(self, proc: subprocess.Popen[bytes], commands: int, events: int, timeout: float) -> None:
        self._proc = proc
        self._out = commands
        self._in = events
        self._timeout = timeout
        self._buffer = b""
        self._next_id = 0
        self._session: str | None = None
        self._pending: list[dict[str, Any]] = []  # events read while waiting for a reply

    # -- the wire ---------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise ProtocolError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise ProtocolError(f"Chromium closed the pipe (exit code {self._proc.poll()})")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False) -> dict[str, Any]:
        """Send a command to the tab (or to the browser) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if not browser and self._session:
            message["sessionId"] = self._session
        data = json.dumps(message).encode() + b"\0"
        while data:  # a pipe may take a long message in parts
            data = data[os.write(self._out, data) :]
        deadline = time.monotonic() + self._timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise ProtocolError(f"{method}: {reply['error'].get('message', reply['error'])}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self._pending.append(reply)

    def _events(self, deadline: float) -> Iterator[dict[str, Any]]:
        while True:
            while self._pending:
                yield self._pending.pop(0)
            yield self._read_message(deadline)

    # -- what a test does ---------------------------------------------------------------

    def attach(self) -> None:
        """Open a tab and attach to it; console, log and page events are on from here."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser=True)["targetId"]
        self._session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, browser=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")

    def load(self, path: Path) -> Page:
        """Navigate to a local file and wait for its load event; collect the console's errors and warnings."""
        page = Page(path.resolve().as_uri())
        self._pending.clear()
        reply = self.send("Page.navigate", {"url": page.url})
        if reply.get("errorText"):
            raise ProtocolError(f"cannot open {page.url}: {reply['errorText']}")
        for event in self._events(time.monotonic() + self._timeout):
            text = _console_text(event)
            if text:
                page.messages.append(text)
            if event.get("method") == "Page.loadEventFired":
                break
        # A round trip flushes what the page said between its load event and now.
        self.send("Runtime.evaluate", {"expression": "1"})
        page.messages += [t for t in map(_console_text, self._pending) if t]
        self._pending.clear()
        return page

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the tab."""
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in reply:
            raise ProtocolError(f"{expression}: {reply['exceptionDetails'].get('text')}")
        return reply["result"].get("value")

    def print_pdf(self) -> bytes:
        """The page printed as the browser's print dialog would, honouring the page's ``@page`` size.

        The fallback paper is US Letter (the protocol's default), so a page that forgets its
        ``@page { size: A4 }`` shows as Letter, not as A4 by accident.
        """
        reply = self.send("Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True})
        return base64.b64decode(reply["data"])

    def overflow(self, width_mm: float) -> Overflow:
        """Lay the page out for print at a paper width, and list what sticks out past its margins.

        Chromium prints a page wider than the paper shrunk to fit, so a table too wide for A4
        never runs off the PDF: it makes every figure smaller. This finds it where it starts,
        in the print layout, at the width the page's own ``@page`` margins leave.
        """
        left_mm, right_mm = self.page_margins_mm()
        width_px = round((width_mm - left_mm - right_mm) * 96 / 25.4)
        self.send("Emulation.setEmulatedMedia", {"media": "print"})
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width_px, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        )
        try:
            found = self.evaluate(_OVERFLOW_JS)
        finally:
            self.send("Emulation.clearDeviceMetricsOverride")
            self.send("Emulation.setEmulatedMedia", {"media": ""})
        return Overflow(width_px, found["scroll_width"], found["elements"])

    def page_margins_mm(self) -> tuple[float, float]:
        """The left and right margins of the page's ``@page`` rule, in mm (0 where it sets none)."""
        margins = self.evaluate(_PAGE_MARGINS_JS)
        return float(margins["left_mm"]), float(margins["right_mm"])

    def close(self) -> None:
        """Ask the browser to quit (it may be gone already)."""
        with suppress(ProtocolError, OSError):
            self.send("Browser.close", browser=True)


@dataclass(frozen=True)
class Overflow:
    """The print layout's content width, how wide the page really is, and what sticks out."""

    width_px: int
    scroll_width_px: int
    elements: list[str]


# The left and right margins of the page's last ``@page`` rule (inside @media rules too), in mm.
_PAGE_MARGINS_JS = """(() => {
  const pages = [];
  const walk = (rules) => { for (const r of rules) {
    if (r instanceof CSSPageRule) pages.push(r); else if (r.cssRules) walk(r.cssRules); } };
  for (const sheet of document.styleSheets) walk(sheet.cssRules);
  const mm = (value) => {
    if (!value) return 0;
    const probe = document.createElement("div");
    probe.style.cssText = "position:absolute;visibility:hidden;width:" + value;
    document.body.appendChild(probe);
    const px = probe.getBoundingClientRect().width;
    probe.remove();
    return px * 25.4 / 96;
  };
  const rule = pages.at(-1);
  return {left_mm: mm(rule && rule.style.marginLeft), right_mm: mm(rule && rule.style.marginRight)};
})()"""

# The outermost elements whose box ends past the layout's width (or starts before 0): the
# table that is too wide rather than each of its rows and cells. The first ten, named.
_OVERFLOW_JS = """(() => {
  const width = document.documentElement.clientWidth;
  const sticksOut = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  };
  const out = [];
  // An SVG is measured as a whole: boxes of its groups and glyph definitions mean nothing on paper.
  for (const el of document.querySelectorAll("body *:not(svg *)")) {
    if (!sticksOut(el) || (el.parentElement && el.parentElement !== document.body && sticksOut(el.parentElement))) {
      continue;
    }
    const box = el.getBoundingClientRect();
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
    out.push(el.tagName.toLowerCase() + (el.className ? "." + el.className : "") + " spans " +
             Math.round(box.left) + "-" + Math.round(box.right) + " px: " + text);
  }
  return {scroll_width: document.documentElement.scrollWidth, elements: out.slice(0, 10)};
})()"""


def _console_text(event: dict[str, Any]) -> str:
    """An error or warning the page's console would show, as one line; empty for anything else."""
    method, params = event.get("method"), event.get("params", {})
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
        args = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
        return f"console.{params['type']}: {args}"
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        return f"exception: {details.get('exception', {}).get('description') or details.get('text')}"
    if method == "Log.entryAdded":
        entry = params.get("entry", {})
        if entry.get("level") in ("error", "warning"):
            return f"{entry['level']} ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}".strip()
    return ""


def _high(fd: int) -> int:
    """``fd`` moved to a descriptor number of 10 or more, close-on-exec."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


@contextmanager
def browser(binary: str, timeout: float = 60.0) -> Iterator[Browser]:
    """A headless Chromium with a fresh profile, attached to one tab; closed and cleaned up on exit."""
    # We write commands that Chromium reads on its fd 3; it writes on its fd 4 what we read.
    # All four ends are moved above 9 first, so that placing them on 3 and 4 in the child
    # cannot overwrite one with the other.
    cmd_read, cmd_write, evt_read, evt_write = (_high(fd) for fd in (*os.pipe(), *os.pipe()))

    def pipes_as_3_and_4() -> None:
        os.dup2(cmd_read, 3)
        os.dup2(evt_write, 4)

    with tempfile.TemporaryDirectory(prefix="archstats-chromium-") as profile:
        proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # D-Bus and GPU chatter, not the page's console
            pass_fds=(3, 4),
            preexec_fn=pipes_as_3_and_4,
        )
        os.close(cmd_read)
        os.close(evt_write)
        chrome = Browser(proc, cmd_write, evt_read, timeout)
        try:
            chrome.attach()
            yield chrome
        finally:
            chrome.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            os.close(cmd_write)
            os.close(evt_read)
