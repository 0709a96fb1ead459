"""The watchers' HTTP client for bench/watchers.py: asyncio tabs that poll like watch.js.

Raw HTTP/1.1 over keep-alive connections (no dependency): a tab sends If-None-Match with the
ETag of its last 200, waits 1 s after a change and x1.5 longer after each unchanged answer up
to the fragment's data-watch-max, and reads a patch (X-Watch-Patch: JSON of the moved
values) as a change, as static/js/watch.js does; the baseline tab asks every
second on the clock without an ETag, as htmx's `every 1s` did.
"""

import asyncio
import json
import random
import re
import time

FIRST, GROWTH, LONGEST = 1.0, 1.5, 10.0  # as static/js/watch.js
STEP = re.compile(rb"Step (\d+) of")
LONGEST_IN_PAGE = re.compile(rb'data-watch-max="([0-9.]+)"')


async def read_response(reader) -> tuple[int, dict, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length and status != 304 else b""
    return status, headers, body


async def watcher(port: int, spec: dict, window: tuple, conditional: bool, stats: dict) -> None:
    """One browser tab: polls until the window ends, records (step, time seen) of each new
    step; statuses and response times count only for requests made inside the window."""
    await asyncio.sleep(random.random() * FIRST)  # tabs were not all opened at once
    reader = writer = None
    etag, body, delay, longest, seen = None, None, FIRST, LONGEST, spec["seen"]
    while time.time() < window[1]:
        started, counted = time.monotonic(), time.time() >= window[0]
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            request = (
                f"GET {spec['path']} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Cookie: sessionid={spec['session']}\r\nHX-Request: true\r\n"
            )
            if conditional and etag:
                request += f"If-None-Match: {etag}\r\n"
            writer.write((request + "\r\n").encode())
            status, headers, content = await asyncio.wait_for(read_response(reader), 15)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            stats["errors"] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            status, content = None, None
        else:
            if counted:  # a patch is a 200 of a few values, counted on its own
                answer = "patch" if "x-watch-patch" in headers else str(status)
                stats[answer] = stats.get(answer, 0) + 1
                stats["response_s"].append(time.monotonic() - started)
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader = writer = None
        patched = status == 200 and "x-watch-patch" in headers
        changed = patched or (status == 200 and content != body)
        if patched:  # just the moved values, as watch.js writes them into the fragment
            etag = headers.get("etag")
            seen.append((json.loads(content)["step"], time.time()))
        elif changed:
            body, etag = content, headers.get("etag")
            match = STEP.search(content)
            if match:
                seen.append((int(match.group(1)), time.time()))
            setting = LONGEST_IN_PAGE.search(content)
            longest = float(setting.group(1)) if setting else LONGEST
        elif status not in (200, 304):
            stats["errors"] += status is not None
        if conditional:  # watch.js waits its delay after each answer
            delay = FIRST if changed else min(delay * GROWTH, longest)
            await asyncio.sleep(delay)
        else:  # htmx's `every 1s` fires on the clock, whatever the answer took
            await asyncio.sleep(max(0.0, delay - (time.monotonic() - started)))
    if writer is not None:
        writer.close()


async def watch_all(port: int, specs: list[dict], window: tuple, conditional: bool, cpu):
    """All watchers from now to the window's end; `cpu()` (server CPU seconds by process)
    and the machine's CPU are read when the window opens."""
    stats = {"errors": 0, "response_s": []}

    async def measure() -> None:
        import psutil

        await asyncio.sleep(max(0.0, window[0] - time.time()))
        psutil.cpu_percent()
        stats["before"] = (cpu(), time.process_time(), time.time())

    await asyncio.gather(
        measure(), *(watcher(port, spec, window, conditional, stats) for spec in specs)
    )
    return stats
