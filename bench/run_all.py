"""Run every bench/ script and refresh the generated tables in docs/performance.md.

Each bench runs in its own process with its own flags (a full set, and a small `--quick`
set for smoke runs). Its JSON output becomes a Markdown table written between
`<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in the document; everything
outside the markers (the hand-written narrative) is kept. A bench without markers yet gets a
new section at the end.

    python bench/run_all.py                         # every bench, full size (slow)
    python bench/run_all.py --only phash,webhooks   # some of them
    python bench/run_all.py --quick --doc /tmp/performance.md   # smoke run, scratch copy

Quick runs measure too little to publish, so they leave docs/performance.md alone unless
`--doc` names a file.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"


def md_table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render_engines(values: list) -> str:
    rows = values[0]
    return md_table(
        ["engine", "device", "batch", "steps", "img/s", "latency per batch ms", "threads"],
        [
            [r.get("engine"), r.get("device"), r.get("batch"), r.get("steps")]
            + [r.get("img_per_s"), r.get("latency_ms"), r.get("threads")]
            for r in rows
        ],
    )


def render_jobs(values: list) -> str:
    return md_table(
        ["max batch", "jobs", "size", "steps", "img/s", "wall s", "latency p50 s", "p99 s"],
        [
            [r["max_batch"], r["jobs"], r["size"], r["steps"], r["images_per_s"], r["wall_s"]]
            + [r["latency_p50_s"], r["latency_p99_s"]]
            for r in values[0]["results"]
        ],
    )


def render_phash(values: list) -> str:
    rows = []
    for row in values:
        for key in sorted(k for k in row if re.fullmatch(r"d\d+", k)):
            m = row[key]
            rows.append(
                [f"{row['rows']:,}", row["vendor"], key[1:], m["p50_ms"], m["p99_ms"]]
                + [m["recall_near_copies"], row.get("scan_p50_ms", "")]
            )
    return md_table(
        ["rows", "database", "max distance", "p50 ms", "p99 ms", "recall", "full scan p50 ms"],
        rows,
    )


def render_web(values: list) -> str:
    report = values[0]
    rows = [
        [name, "open loop", r.get("achieved_rps"), r.get("p50_ms"), r.get("p99_ms")]
        + [r.get("errors"), r.get("cache_hit_ratio", "")]
        for name, r in report["endpoints"].items()
    ] + [
        [name, "wrk", r.get("achieved_rps"), r.get("p50_ms"), r.get("p99_ms"), r.get("errors"), ""]
        for name, r in report.get("capacity_wrk", {}).items()
    ]
    intro = (
        f"{report['database']}, {report['listings']:,} listings, {report['workers']} gunicorn "
        f"workers; {report['client']}.\n\n"
    )
    return intro + md_table(
        ["endpoint", "client", "rps", "p50 ms", "p99 ms", "errors", "cache hits"], rows
    )


def render_webhooks(values: list) -> str:
    r = values[0]
    rows = [[kind, v["sent"], v["http"]] for kind, v in r["by_kind"].items()]
    summary = (
        f"\n\nGrants for the genuine order: {r['grants_for_genuine_order']}; double grants: "
        f"{r['double_grants']}; forged grants: {r['forged_grants']}; "
        f"{r['deliveries_per_s']} deliveries/s."
    )
    return md_table(["kind", "sent", "HTTP status counts"], rows) + summary


def render_faults(values: list) -> str:
    rows = []
    for r in values[0]["results"]:
        if r["scenario"] == "webhooks":
            rows.append(
                ["hostile webhooks", r["deliveries"], "", "", "", r["double_grants"], ""]
                + [f"forged grants {r['forged_grants']}"]
            )
            continue
        faults = r.get("kills", r.get("restarts"))
        recovery = r.get("recovery_s_max", r.get("drain_after_restart_s_max"))
        label = "worker kill -9" if r["scenario"] == "kills" else "Redis SHUTDOWN NOSAVE"
        note = (
            f"re-queued by the sweeper {r['requeued_by_sweeper']}"
            if r["scenario"] == "kills"
            else f"messages lost {r['messages_lost_with_redis']}, /healthz down "
            f"{r['healthz_while_down']} → {r['healthz_after_restart']}"
        )
        rows.append(
            [label, faults, r["jobs"], r["succeeded"], r["failed"] + r["unfinished"]]
            + [r["pieces"] - r["expected_pieces"], recovery, note]
        )
    return md_table(
        ["fault", "count", "jobs", "succeeded", "lost/failed", "extra pieces", "max s", "notes"],
        rows,
    )


def render_queries(values: list) -> str:
    report = values[0]
    sizes = report["sizes"]
    return md_table(
        ["page", "status", *(f"queries with {n} of each" for n in sizes), "constant"],
        [
            [r["page"], r["status"], *(r[f"queries_at_{n}"] for n in sizes), r["constant"]]
            for r in report["results"]
        ],
    )


def render_worker(values: list) -> str:
    report = values[0]
    head = (
        f"ratio_simulated_gpu **{report['ratio_simulated_gpu']}**, ratio_embedded "
        f"**{report['ratio_embedded']}**, stamp_ms_per_image **{report['stamp_ms_per_image']}**"
        f" on {report['cores']} cores; stamping img/s by processes: {report['stamp_img_per_s']}"
    )
    table = md_table(
        ["engine", "device", "engine img/s", "worker img/s", "ratio", "peak RSS MiB"]
        + ["stampers MiB", "ms per image by stage"],
        [
            [m["engine"], m["device"], m["engine_img_per_s"], m["worker_img_per_s"], m["ratio"]]
            + [m["peak_rss_worker_mb"], m["peak_rss_stampers_mb"]]
            + [", ".join(f"{k} {v}" for k, v in m["ms_per_image"].items())]
            for m in report["modes"]
        ]
        + [
            [s["engine"], "", "", "", "", "", "", f"skipped: {s['reason']}"]
            for s in report["skipped"]
        ],
    )
    return head + "\n\n" + table


def render_stamp(values: list) -> str:
    r = values[0]
    stages = md_table(
        ["stage", "median ms per 512² image"],
        [[name, ms] for name, ms in r["stages_ms"].items()]
        + [["whole stamp (one process)", r["stamp_ms_per_image"]]]
        + [["whole stamp, CPU time", r["stamp_cpu_ms_per_image"]]],
    )
    pools = md_table(
        ["processes", "img/s", "img/s per process", "wall s"],
        [
            [t["processes"], t["img_per_s"], t["per_process_img_per_s"], t["wall_s"]]
            for t in r["throughput"]
        ],
    )
    notes = (
        f"{r['images']} embedded-engine pictures, {r['cpus']} CPUs; p90 whole stamp "
        f"{r['stamp_ms_p90']} ms; original PNG {r['original_kb']} kB, preview JPEG "
        f"{r['preview_kb']} kB on average. Projected for {r['projected_cores']} cores "
        f"(per-process rate of the largest pool × cores): {r['projected_img_per_s']} img/s."
    )
    return f"{stages}\n\n{pools}\n\n{notes}"


def render_watchers(values: list) -> str:
    report = values[0]
    rows = [
        [r["mode"], r["watchers"], r["requests_per_s"], r["responses"].get("200", 0)]
        + [r["responses"].get("patch", 0), r["responses"].get("304", 0), r["errors"]]
        + [r["server_cpu_cores"]]
        + [r["machine_cpu_cores"], r["p50_s"], r["p99_s"], r["missed"]]
        for r in report["results"]
    ]
    intro = (
        f"{report['server']} on {report['cpus']} CPUs with Redis; one progress change per job "
        f"every {report['change_every_s']:g} s; seconds from a change to each watcher seeing "
        "it. A patch is a 200 of the moved values only, from the cache. Baseline: the old poll "
        "every 1 s without an ETag.\n\n"
    )
    return intro + md_table(
        ["mode", "watchers", "req/s", "200", "patch", "304", "errors", "server cores"]
        + ["machine cores", "p50 s", "p99 s", "missed"],
        rows,
    )


def render_prompt_policy(values: list) -> str:
    r = values[0]
    rows = [
        [category, row["examples"], row["precision"], row["recall"]]
        for category, row in r["categories"].items()
        if category != "benign"
    ]
    benign = r["categories"]["benign"]
    ways = ", ".join(f"{how} {recall}" for how, recall in r["recall_by_way_of_writing"].items())
    notes = (
        f"\n\nBenign prompts: {benign['examples']}, refused {benign['false_refusals']} "
        f"({benign['false_refusal_rate']:.2%}). Recall by way of writing: {ways}. "
        f"{r['checks_per_s']} checks/s (one process)."
    )
    return md_table(["category", "examples", "precision", "recall"], rows) + notes


def render_verify(values: list) -> str:
    r = values[0]
    sizes = list(r["at"])
    names = list(r["at"][sizes[0]]["recall"])
    rows = [[name, *(r["at"][size]["recall"][name] for size in sizes)] for name in names]
    notes = "".join(
        f"\n\n{int(size):,} pieces indexed: overall recall {a['recall_overall']} (lowest "
        f"{a['recall_min']}), false matches {sum(a['false_matches'].values())} of "
        f"{a['unrelated']} unrelated pictures, lookup p50 {a['lookup_p50_ms']} ms / p99 "
        f"{a['lookup_p99_ms']} ms (one process, keypoint extraction included); the index of "
        f"{a.get('index_descriptors', 0):,} descriptors built in {a.get('index_build_s', '?')} s."
        for size, a in r["at"].items()
    )
    intro = f"{r['pieces']} rendered pieces re-posted through each transform.\n\n"
    headers = ["transform", *(f"recall at {int(size):,}" for size in sizes)]
    return intro + md_table(headers, rows) + notes


@dataclass(frozen=True)
class Bench:
    title: str
    full: list[str]
    quick: list[str]
    render: Callable[[list], str]
    env: dict = field(default_factory=dict)


BENCHES = {
    "engines": Bench(
        "Engines", [], ["--batch-sizes", "1,4", "--min-seconds", "0.2"], render_engines
    ),
    "jobs": Bench(
        "Jobs: batching on and off",
        [],
        ["--jobs", "4", "--batches", "1,4", "--size", "256x256"],
        render_jobs,
    ),
    "phash": Bench("pHash", [], ["--sizes", "2000", "--queries", "20"], render_phash),
    "web": Bench(
        "Web",
        [],
        ["--listings", "200", "--duration", "1", "--rate", "20", "--uncached-rate", "0"]
        + ["--wrk-connections", "0", "--threads", "4", "--workers", "1"],
        render_web,
    ),
    "webhooks": Bench(
        "Webhooks", ["--deliveries", "1000"], ["--deliveries", "40"], render_webhooks
    ),
    "queries": Bench("Queries per page", ["--sizes", "3,20"], ["--sizes", "2,6"], render_queries),
    "faults": Bench("Faults", [], ["--quick"], render_faults),
    "worker": Bench(
        "Worker: engine busy",
        [],
        ["--images", "32", "--stamp-images", "8", "--engines", "simulated"],
        render_worker,
    ),
    "stamp": Bench("Stamp", [], ["--images", "6", "--processes", "1,2"], render_stamp),
    "watchers": Bench("Watchers: live job pages", [], ["--quick"], render_watchers),
    "verify": Bench(
        "Verify: finding re-posted copies",
        [],
        ["--pieces", "6", "--pool", "12", "--unrelated", "40", "--sizes", "500"],
        render_verify,
    ),
    "prompt_policy": Bench(
        "Prompt policy: corpus precision and recall", [], ["--rounds", "1"], render_prompt_policy
    ),
}


def json_values(text: str) -> list:
    """Every JSON object or array that starts a line of the output, in order."""
    decoder, values, position = json.JSONDecoder(), [], 0
    for match in re.finditer(r"^[\[{]", text, flags=re.MULTILINE):
        if match.start() < position:
            continue
        try:
            value, end = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        values.append(value)
        position = end
    return values


def run(name: str, bench: Bench, quick: bool, extra: list[str]) -> dict:
    command = [sys.executable, str(ROOT / "bench" / f"{name}.py")]
    command += (bench.quick if quick else bench.full) + extra
    started = time.monotonic()
    result = subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **bench.env}
    )
    seconds = round(time.monotonic() - started, 1)
    if result.returncode != 0:
        return {"name": name, "ok": False, "seconds": seconds, "error": result.stderr[-2000:]}
    values = json_values(result.stdout)
    return {
        "name": name,
        "ok": True,
        "seconds": seconds,
        "command": " ".join(["python", f"bench/{name}.py", *command[2:]]),
        "table": bench.render(values),
    }


def block(name: str, result: dict) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    where = f"{platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    return (
        f"<!-- bench:{name}:start -->\n"
        f"Generated by `bench/run_all.py` on {stamp} ({where}): `{result['command']}`\n\n"
        f"{result['table']}\n"
        f"<!-- bench:{name}:end -->"
    )


def update_document(text: str, name: str, title: str, generated: str) -> str:
    """Replace the marked block, or add a section with one at the end."""
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)}:start -->.*?<!-- bench:{re.escape(name)}:end -->",
        flags=re.DOTALL,
    )
    if pattern.search(text):
        return pattern.sub(lambda _: generated, text, count=1)
    return text.rstrip("\n") + f"\n\n## {title}\n\n{generated}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="", help="comma list of " + ",".join(BENCHES))
    parser.add_argument("--quick", action="store_true", help="tiny runs: a smoke test")
    parser.add_argument("--doc", default=None, help=f"document to update (default {DOC})")
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(BENCHES)
    unknown = sorted(set(names) - set(BENCHES))
    if unknown:
        parser.error(f"unknown bench(es): {', '.join(unknown)}")
    doc = Path(args.doc) if args.doc else (None if args.quick else DOC)
    results = []
    for name in names:
        print(f"# {name} …", file=sys.stderr, flush=True)
        result = run(name, BENCHES[name], args.quick, [])
        results.append(result)
        status = "ok" if result["ok"] else "FAILED"
        print(f"# {name}: {status} in {result['seconds']} s", file=sys.stderr, flush=True)
    if doc is not None and not args.no_write:
        text = doc.read_text() if doc.exists() else "# Performance\n"
        for result in results:
            if result["ok"]:
                title = BENCHES[result["name"]].title
                text = update_document(text, result["name"], title, block(result["name"], result))
        doc.write_text(text)
    summary = [{k: v for k, v in r.items() if k != "table"} for r in results]
    print(json.dumps({"bench": "run_all", "results": summary}, indent=2))
    print()
    print(
        md_table(["bench", "ok", "seconds"], [[r["name"], r["ok"], r["seconds"]] for r in results])
    )
    for result in results:
        if result["ok"]:
            print(f"\n### {result['name']}\n\n{result['table']}")
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
