#!/usr/bin/env python3
"""Capacity of livesnapd: N concurrent 720p30 2 Mbit/s streams (GOP 2 s),
a 5 s snapshot template in both storage modes, the file store.

For each N, livesnap-loadgen (one process, one event-loop thread) ramps the
streams up; after a warm-up, a steady window is measured:
  - server CPU (user+sys per wall second), per thread group (capture
    workers "ls-capture", RTMP loop "ls-rtmp-io", the rest), and the load
    generator's CPU, next to the whole machine's;
  - server RSS: peak (VmHWM), in the window (mean), per stream (the window
    mean minus the idle server's, divided by N);
  - snapshots expected (DESIGN.md's timing rules applied to the keyframes
    the load generator sent) and stored (catalog records and files), over
    the whole run;
  - snapshot lateness, keyframe arrival to stored object, exact per
    snapshot (catalog capture_ms vs the object's ctime) for the snapshots
    captured in the window, and from the server's histogram;
  - skipped snapshots (livesnap_snapshots_skipped_total), failed stores,
    load generator stalls;
  - CPU per stored snapshot, as a ratio to the decode+encode floor
    measured on the same clip's keyframes (clip_capture_benchmark).

    bench/capacity.py --livesnapd build/h-bench/src/server/livesnapd \\
        --loadgen build/h-bench/tools/loadgen/livesnap-loadgen \\
        --clip-benchmark build/h-bench/bench/clip_capture_benchmark \\
        --streams 100,250,500,1000 --work-dir build/h-bench/bench-work
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402


def add_common_arguments(parser):
    parser.add_argument("--livesnapd", required=True)
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--work-dir", required=True, type=Path)
    parser.add_argument("--ramp", type=float, default=50, help="new streams per second")
    parser.add_argument("--warmup", type=float, default=10,
                        help="seconds after the ramp-up before the window")
    parser.add_argument("--window", type=float, default=60, help="measured seconds")
    parser.add_argument("--interval", type=int, default=5, help="snapshot interval, s")
    parser.add_argument("--workers", type=int, default=2, help="livesnapd capture workers")
    parser.add_argument("--tick-ms", type=int, default=20, help="load generator pacing tick")
    parser.add_argument("--profile", default="ffmpeg", choices=("ffmpeg", "obs", "batched"),
                        help="the load generator's write pattern (docs/BENCHMARKS.md)")
    parser.add_argument("--clip-size", default="1280x720")
    parser.add_argument("--clip-fps", type=int, default=30)
    parser.add_argument("--clip-bitrate", default="2M")
    parser.add_argument("--clip-gop", type=int, default=2, help="seconds between keyframes")
    parser.add_argument("--clip-seconds", type=int, default=10)
    parser.add_argument("--json", type=Path, help="write the results here")


def make_clip(args):
    width, height = (int(x) for x in args.clip_size.split("x"))
    name = (f"clip-{width}x{height}-{args.clip_fps}fps-{args.clip_bitrate}-gop{args.clip_gop}"
            f"-{args.clip_seconds}s.flv")
    return b.make_clip(args.work_dir / name, width, height, args.clip_fps, args.clip_seconds,
                       args.clip_bitrate, args.clip_gop)


def loadgen_options(args):
    return ["--tick-ms", str(args.tick_ms), "--profile", args.profile]


def run_livesnap(args, clip, n):
    """One capacity run of N streams; returns its figures."""
    b.log(f"livesnap: {n} streams ({args.profile} profile)")
    server = b.Livesnapd(args.livesnapd, args.work_dir / f"livesnap-n{n}", args.interval,
                         args.workers)
    server.start()
    idle_rss_kib = b.memory_kib(server.pid)["VmRSS"]
    ramp_s = (n - 1) / args.ramp if args.ramp > 0 else 0
    loadgen = b.Loadgen(args.loadgen, clip, server.rtmp_port, n, args.ramp,
                        args.warmup + args.window + 2, server.dir,
                        extra=loadgen_options(args))
    started = time.monotonic()
    loadgen.start()
    try:
        time.sleep(max(0.0, started + ramp_s + args.warmup - time.monotonic()))
        load_before = b.loadavg()
        m0 = b.scrape(server.api_port)
        cpu0, threads0 = b.process_cpu_s(server.pid), b.thread_cpu_s(server.pid)
        loadgen_cpu0, sys0 = b.process_cpu_s(loadgen.pid), b.system_cpu()
        w0, unix0 = time.monotonic(), time.time()
        rss = b.RssSampler(lambda: b.memory_kib(server.pid)["VmRSS"])
        time.sleep(args.window)
        m1 = b.scrape(server.api_port)
        cpu1, threads1 = b.process_cpu_s(server.pid), b.thread_cpu_s(server.pid)
        loadgen_cpu1, sys1 = b.process_cpu_s(loadgen.pid), b.system_cpu()
        w1, unix1 = time.monotonic(), time.time()
        rss.stop()
        load_after = b.loadavg()
        report = loadgen.wait(args.warmup + args.window + 120)
        # Captures already queued finish before the counts are taken.
        last = None
        for _ in range(60):
            m = b.scrape(server.api_port)
            done = (b.metric(m, "livesnap_capture_queue_depth") == 0,
                    b.metric_sum(m, "livesnap_snapshots_total"))
            if done[0] and done == last:
                break
            last = done
            time.sleep(1)
        m_end = b.scrape(server.api_port)
        hwm_kib = b.memory_kib(server.pid)["VmHWM"]
    finally:
        if loadgen.process.poll() is None:
            b.stop_process(loadgen.process)
        exit_code = server.stop()
    records = server.records()

    wall = w1 - w0
    window = {"seconds": round(wall, 2), "load_before": load_before, "load_after": load_after}
    cpu_server = (cpu1 - cpu0) / wall
    threads = {name: (threads1.get(name, 0) - threads0.get(name, 0)) / wall for name in threads1}
    capture_cores = threads.get("ls-capture", 0.0)
    rtmp_cores = threads.get("ls-rtmp-io", 0.0)
    machine_busy = (sys1[0] - sys0[0]) / (sys1[1] - sys0[1]) * os.cpu_count()
    loadgen_cores = (loadgen_cpu1 - loadgen_cpu0) / wall

    # Snapshots: expected from what was sent, stored from the catalog and disk.
    gop_ms = report["loop_duration_ms"] // max(1, report["loop_keyframes"])
    expected = sum(b.expected_snapshots(0, s["last_keyframe_ms"], gop_ms, args.interval * 1000)
                   for s in report["per_stream"] if s["keyframes"] > 0)
    sequence = [r for r in records if r[1] == 0]
    overwrite = [r for r in records if r[1] == 1]
    files = sum(1 for p in server.shots.rglob("*.jpg"))
    lateness_ms, in_window = [], 0
    for stream, _, key, capture_ms in sequence:
        if not unix0 * 1000 <= capture_ms < unix1 * 1000:
            continue
        in_window += 1
        stat = os.stat(server.shots / key)
        lateness_ms.append(max(stat.st_ctime_ns, stat.st_mtime_ns) / 1e6 - capture_ms)
    histogram = b.histogram_delta(m0, m1, "livesnap_snapshot_latency_seconds")
    captures_window = (b.metric(m1, "livesnap_captures_total", result="ok") -
                       b.metric(m0, "livesnap_captures_total", result="ok"))
    totals = report["totals"]

    def rounded(value, digits=1):
        return None if value is None else round(value, digits)

    result = {
        "streams": n,
        "profile": args.profile,
        "published": totals["published"],
        "loadgen_failed": totals["failed"],
        "loadgen_stalls": totals["stalls"],
        "loadgen_streams_with_stalls": totals["streams_with_stalls"],
        "loadgen_max_lag_ms": totals["max_lag_ms"],
        "loadgen_max_tick_late_ms": report["max_tick_late_ms"],
        "loadgen_send_mbit_s": round(totals["send_mbit_s"], 1),
        "window": window,
        "server_cores": round(cpu_server, 4),
        "server_cores_per_stream": round(cpu_server / n, 6),
        "capture_worker_cores": round(capture_cores, 4),
        "rtmp_loop_cores": round(rtmp_cores, 4),
        "other_server_cores": round(cpu_server - capture_cores - rtmp_cores, 4),
        "loadgen_cores": round(loadgen_cores, 4),
        "machine_busy_cores": round(machine_busy, 3),
        "other_processes_cores": round(machine_busy - cpu_server - loadgen_cores, 3),
        "rss_idle_mib": round(idle_rss_kib / 1024, 1),
        "rss_peak_mib": round(hwm_kib / 1024, 1),
        "rss_window_mean_mib": round(sum(rss.values) / max(1, len(rss.values)) / 1024, 1),
        "rss_per_stream_kib": round((sum(rss.values) / max(1, len(rss.values)) - idle_rss_kib) / n,
                                    1),
        "rss_peak_per_stream_kib": round(hwm_kib / n, 1),
        "snapshots_expected": expected,
        "snapshots_stored": len(sequence),
        "overwrite_records": len(overwrite),
        "objects_on_disk": files,
        "snapshots_in_window": in_window,
        "captures_in_window": int(captures_window),
        "lateness_ms": {"p50": rounded(b.percentile(lateness_ms, 0.5)),
                        "p99": rounded(b.percentile(lateness_ms, 0.99)),
                        "max": rounded(max(lateness_ms) if lateness_ms else None)},
        "lateness_histogram_s": {"p50": rounded(b.histogram_quantile(histogram, 0.5), 3),
                                 "p99": rounded(b.histogram_quantile(histogram, 0.99), 3)},
        "skipped": {dict(k[1]).get("kind", "?"): v for k, v in m_end.items()
                    if k[0] == "livesnap_snapshots_skipped_total"},
        "store_failed": b.metric(m_end, "livesnap_snapshots_total", result="store_failed"),
        "capture_failed": b.metric(m_end, "livesnap_captures_total", result="failed"),
        "server_cpu_ms_per_snapshot": rounded(cpu_server * wall * 1000 / captures_window
                                              if captures_window else None, 2),
        "capture_worker_cpu_ms_per_snapshot": rounded(capture_cores * wall * 1000 /
                                                      captures_window
                                                      if captures_window else None, 2),
        "server_exit_code": exit_code,
    }
    b.log(f"livesnap: {n} streams: {result['server_cores']} cores, "
          f"{result['snapshots_stored']}/{result['snapshots_expected']} snapshots, "
          f"p99 lateness {result['lateness_ms']['p99']} ms")
    return result


def measure_floor(args, clip):
    """ms of CPU per capture of the clip's keyframes (clip_capture_benchmark)."""
    if not args.clip_benchmark:
        return None
    output = subprocess.run(
        [args.clip_benchmark, f"--clip={clip}", "--benchmark_filter=BM_ClipCapture/",
         "--benchmark_format=json", f"--benchmark_min_time={args.floor_min_time}"],
        check=True, capture_output=True, text=True).stdout
    for run in json.loads(output)["benchmarks"]:
        if run["name"].startswith("BM_ClipCapture/"):
            return {"cpu_ms": round(run["cpu_time"], 3), "real_ms": round(run["real_time"], 3),
                    "keyframe_bytes": round(run.get("keyframe_bytes", 0)),
                    "jpeg_bytes": round(run.get("jpeg_bytes", 0))}
    return None


def print_table(results, floor):
    header = ("N", "pub", "srv cores", "/stream", "capture", "loadgen", "machine", "RSS peak MiB",
              "KiB/stream", "expected", "stored", "late p50", "p99", "max ms", "skipped",
              "stalls", "ms/snap", "x floor")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in results:
        skipped = int(sum(r["skipped"].values()))
        ms_per = r["server_cpu_ms_per_snapshot"]
        worker_ms = r["capture_worker_cpu_ms_per_snapshot"]
        ratio = (f"{ms_per / floor['cpu_ms']:.2f} ({worker_ms / floor['cpu_ms']:.2f} workers)"
                 if floor and ms_per and worker_ms else "-")
        row = (r["streams"], r["published"], r["server_cores"], r["server_cores_per_stream"],
               r["capture_worker_cores"], r["loadgen_cores"], r["machine_busy_cores"],
               r["rss_peak_mib"], r["rss_per_stream_kib"], r["snapshots_expected"],
               r["snapshots_stored"], r["lateness_ms"]["p50"], r["lateness_ms"]["p99"],
               r["lateness_ms"]["max"], skipped, r["loadgen_stalls"],
               f"{ms_per} ({worker_ms} workers)", ratio)
        print("| " + " | ".join(str(x) for x in row) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_arguments(parser)
    parser.add_argument("--streams", default="100,250,500,1000")
    parser.add_argument("--clip-benchmark", help="clip_capture_benchmark binary (the floor)")
    parser.add_argument("--floor-min-time", default="2")
    args = parser.parse_args()
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    command = b.shell_line([sys.executable, *sys.argv])
    print(f"command: {command}")
    clip = make_clip(args)
    floor = measure_floor(args, clip)
    results = [run_livesnap(args, clip, int(n)) for n in args.streams.split(",")]
    print(f"machine: {b.machine()}; load generator profile: {args.profile}")
    if floor:
        print(f"floor (clip_capture_benchmark, same clip's keyframes): {floor}")
    print_table(results, floor)
    if args.json:
        args.json.write_text(json.dumps({"command": command, "machine": b.machine(),
                                         "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                                         "profile": args.profile,
                                         "clip": str(clip), "floor": floor,
                                         "results": results}, indent=2))
    failed = [r for r in results if r["published"] != r["streams"] or r["server_exit_code"] != 0]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
