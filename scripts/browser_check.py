#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol (CDP) for scripts/test-browser.sh.

Python's standard library only (a minimal WebSocket client): nothing to install.

  browser_check.py static REPORT.html
      opens the static report; checks no console errors and that every <svg> has drawn marks;
      prints the open time (navigation start to the load event, from the page's own timing).
  browser_check.py dashboard URL --add 'COMMAND' [--timeout S]
      opens the dashboard; waits for its counts and its report; checks no console errors and
      that every plot in the report frame has drawn marks; runs COMMAND (which adds trials to the
      study) and waits until the page's stored-trial count changes.

Exit 0 when every check passes, 1 otherwise (each failure printed).
"""
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """A client WebSocket (RFC 6455) enough for CDP: text frames, client masking, ping/close."""

    def __init__(self, url, timeout=30):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        if not m:
            raise ValueError("not a ws:// URL: " + url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("handshake closed")
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        self.message = b""
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError("handshake refused: " + head.decode(errors="replace"))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("socket closed")
        self.buffer += chunk

    def _frame(self):
        """Parses one whole frame from the buffer, or returns None (consuming nothing) when it is
        not all there yet: a socket timeout between reads then never loses half a frame."""
        b = self.buffer
        if len(b) < 2:
            return None
        b0, b1 = b[0], b[1]
        n, at = b1 & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, at = struct.unpack(">H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, at = struct.unpack(">Q", b[2:10])[0], 10
        mask = None
        if b1 & 0x80:
            if len(b) < at + 4:
                return None
            mask, at = b[at:at + 4], at + 4
        if len(b) < at + n:
            return None
        data, self.buffer = b[at:at + n], b[at + n:]
        if mask:
            data = bytes(x ^ mask[i % 4] for i, x in enumerate(data))
        return b0, data

    def send(self, text):
        payload = text.encode()
        header = bytearray([0x81])
        n = len(payload)
        if n < 126:
            header.append(0x80 | n)
        elif n < 65536:
            header.append(0x80 | 126); header += struct.pack(">H", n)
        else:
            header.append(0x80 | 127); header += struct.pack(">Q", n)
        mask = os.urandom(4)
        self.sock.sendall(bytes(header) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        while True:
            frame = self._frame()
            if frame is None:
                self._fill()
                continue
            b0, data = frame
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("closed by the browser")
            if opcode == 0x9:  # ping → pong
                self.sock.sendall(bytes([0x8A, 0x80 | len(data)]) + b"\0\0\0\0" + data)
                continue
            self.message += data
            if b0 & 0x80:
                message, self.message = self.message, b""
                return message.decode()


# Seconds one DevTools call may take before the check fails (a loaded 2-core CI machine is slow).
CALL_TIMEOUT = float(os.environ.get("DUET_BROWSER_CALL_TIMEOUT", "120"))


class Browser:
    """Headless Chromium with one page; collects console errors and uncaught exceptions."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="duet-chromium-")
        args = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--remote-debugging-port=0", "--remote-allow-origins=*", f"--user-data-dir={self.profile}",
                "--window-size=1280,900", "about:blank"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        port = None
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        while time.time() < deadline and port is None:
            if self.proc.poll() is not None:
                raise RuntimeError("chromium exited: " + self.proc.stderr.read()[-2000:])
            if os.path.exists(port_file):
                lines = open(port_file).read().split()
                if lines:
                    port = int(lines[0])
            time.sleep(0.05)
        if port is None:
            raise RuntimeError("chromium did not open its DevTools port within 60 s")
        self.port = port
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t.get("type") == "page")
        self.ws = WebSocket(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.events = []
        self.errors = []
        for method in ("Runtime.enable", "Log.enable", "Page.enable"):
            self.call(method)

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        # settle()/wait_event() leave a short socket timeout behind; a reply may take long on a
        # loaded machine (laying out a report frame), so each call waits up to CALL_TIMEOUT.
        self.ws.sock.settimeout(CALL_TIMEOUT)
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._event(msg)

    def _event(self, msg):
        method, p = msg.get("method"), msg.get("params", {})
        self.events.append(method)
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.errors.append("console." + p["type"] + ": " + text)
        elif method == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.errors.append("uncaught: " + d.get("exception", {}).get("description", d.get("text", "")))
        elif method == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            self.errors.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}")

    def wait_event(self, name, timeout, since=0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if name in self.events[since:]:
                return True
            self.ws.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                self._event(json.loads(self.ws.recv()))
            except (socket.timeout, TimeoutError):
                break
        return name in self.events[since:]

    def navigate(self, url, timeout=30):
        since = len(self.events)
        self.call("Page.navigate", url=url)
        if not self.wait_event("Page.loadEventFired", timeout, since):
            raise RuntimeError(f"{url}: no load event within {timeout} s")

    def eval(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate: " + json.dumps(r["exceptionDetails"])[:500])
        return r["result"].get("value")

    def settle(self, seconds):
        """Processes events (console errors) for `seconds`."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            self.ws.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                self._event(json.loads(self.ws.recv()))
            except (socket.timeout, TimeoutError):
                break

    def close(self):
        try:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


# Marks: the shapes a plot draws for its data — circles, bars, lines through points, paths and
# polygons with a visible extent — not its white background, frame (fill none) or grid/budget lines.
MARKS_JS = r"""
(function (doc) {
  // Plots inside collapsed <details> are not laid out: open every one first.
  for (const d of doc.querySelectorAll('details')) d.open = true;
  const out = [];
  for (const svg of doc.querySelectorAll('svg')) {
    let marks = 0;
    for (const e of svg.querySelectorAll('circle, rect, polyline, polygon, path')) {
      const fill = (e.getAttribute('fill') || '').toLowerCase();
      if (e.tagName === 'rect' && (e.getAttribute('width') === '100%' || fill === 'none' || fill === 'white' || fill === '#fff' || fill === '#ffffff')) continue;
      let box; try { box = e.getBBox(); } catch (x) { continue; }
      if (box.width > 0 || box.height > 0) marks++;
    }
    const r = svg.getBoundingClientRect();
    const title = (svg.querySelector('text') || {}).textContent || svg.getAttribute('aria-label') || '(untitled)';
    out.push({title: title.slice(0, 80), marks: marks, width: r.width, height: r.height});
  }
  return out;
})
"""


def check_plots(plots, where, failures):
    if not plots:
        failures.append(f"{where}: no <svg> plots at all")
    for p in plots:
        ok = p["marks"] > 0 and p["width"] > 0 and p["height"] > 0
        print(f"  {'ok  ' if ok else 'FAIL'} {where}: plot '{p['title']}': {p['marks']} marks, {p['width']:.0f}x{p['height']:.0f} px")
        if not ok:
            failures.append(f"{where}: plot '{p['title']}' has no drawn marks")


def static(browser, path, failures):
    url = "file://" + os.path.abspath(path)
    wall = time.time()
    browser.navigate(url, timeout=60)
    wall = time.time() - wall
    timing = browser.eval("(() => { const n = performance.getEntriesByType('navigation')[0];"
                          " return {load: n.loadEventEnd || n.loadEventStart, dcl: n.domContentLoadedEventEnd, size: n.decodedBodySize}; })()")
    browser.settle(0.5)
    plots = browser.eval(MARKS_JS + "(document)")
    check_plots(plots, "report", failures)
    size = os.path.getsize(path)
    print(f"static report: {size / 1e6:.2f} MB, {len(plots)} plots; open time {timing['load'] / 1000:.3f} s "
          f"(navigation start to load event; DOMContentLoaded {timing['dcl'] / 1000:.3f} s; "
          f"wall incl. CDP round trips {wall:.3f} s)")
    if timing["load"] > 1000:
        failures.append(f"the static report took {timing['load'] / 1000:.2f} s to open (target ≤ 1 s)")


def dashboard(browser, url, add_command, timeout, failures):
    browser.navigate(url + "?poll=300", timeout=60)
    deadline = time.time() + timeout
    state = None
    while time.time() < deadline:
        state = browser.eval("""(() => {
            const f = document.getElementById('report');
            const d = f && f.contentDocument;
            return {total: Number(document.getElementById('count-total').textContent),
                    version: Number(document.body.dataset.version), rows: document.getElementById('trial-rows').children.length,
                    livePlots: document.querySelectorAll('#plot-convergence polyline, #plot-front circle').length,
                    reportLoaded: !!(d && d.readyState === 'complete' && f.src.includes('/report') && d.querySelector('svg'))};
        })()""")
        if state["total"] > 0 and state["rows"] > 0 and state["reportLoaded"] and state["livePlots"] > 0:
            break
        browser.settle(0.3)
    print(f"dashboard: {state}")
    if not (state and state["total"] > 0 and state["rows"] > 0):
        failures.append(f"dashboard: counts or trial rows never appeared ({state})")
        return
    check_plots(browser.eval(MARKS_JS + "(document)"), "dashboard", failures)
    if not state["reportLoaded"]:
        failures.append("dashboard: the report frame never showed a plot")
    else:
        plots = browser.eval(MARKS_JS + "(document.getElementById('report').contentDocument)")
        check_plots(plots, "dashboard report", failures)
    # A click on the first row shows its detail.
    browser.eval("document.querySelector('#trial-rows tr').click()")
    browser.settle(1.0)
    detail = browser.eval("(() => { const d = document.getElementById('detail'); const pre = d.querySelector('pre');"
                          " return {hidden: d.hidden, title: document.getElementById('detail-title').textContent,"
                          " design: pre ? pre.textContent.length : 0}; })()")
    if detail["hidden"] or detail["design"] == 0:
        failures.append(f"dashboard: clicking a trial showed no detail ({detail})")
    else:
        print(f"  ok   dashboard: trial detail shown on click ('{detail['title']}', design {detail['design']} characters)")
    before = state["total"]
    print(f"adding trials: {add_command}")
    subprocess.run(add_command, shell=True, check=True, stdout=subprocess.DEVNULL)
    t0 = time.time()
    after = before
    while time.time() - t0 < timeout:
        browser.settle(0.2)
        after = browser.eval("Number(document.getElementById('count-total').textContent)")
        if after != before:
            break
    if after == before:
        failures.append(f"dashboard: the stored-trial count stayed {before} after trials were added")
    else:
        print(f"  ok   dashboard: stored trials {before} → {after}, seen {time.time() - t0:.2f} s after the command ended")


def main(argv):
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("error: chromium not found (make deps-browser installs Debian's chromium)", file=sys.stderr)
        return 1
    failures = []
    browser = Browser(chromium)
    try:
        if argv[0] == "static":
            static(browser, argv[1], failures)
        elif argv[0] == "dashboard":
            add = argv[argv.index("--add") + 1]
            timeout = float(argv[argv.index("--timeout") + 1]) if "--timeout" in argv else 60
            dashboard(browser, argv[1], add, timeout, failures)
        else:
            print(__doc__, file=sys.stderr)
            return 2
        browser.settle(0.5)
    finally:
        browser.close()
    for e in browser.errors:
        failures.append("console error: " + e)
    for f in failures:
        print("FAIL " + f)
    if not failures:
        print(f"ok: {argv[0]}: no console errors, every check passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
