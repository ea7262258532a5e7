#!/usr/bin/env python3
"""Soak benchmark of livesnapd (not a CI test): N streams written as ffmpeg
writes them (one livesnap-loadgen process, ramped) for a long run, livesnapd
on an S3 store (s3rver) and a PostgreSQL catalog, with faults in the middle:

  - a store outage: s3rver stopped for --outage seconds, then started again
    on the same port and directory (uploads retry and spill to the spool);
  - a PostgreSQL restart: stopped (fast), down --pg-down seconds, started
    again on the same port;
  - reconnects: every minute a second loadgen publishes --reconnects streams
    for --reconnect-stream seconds each (50 publishes and 50 unpublishes a
    minute by default), from the end of the warm-up to the end.

Every --sample seconds it records livesnapd's RSS, CPU (cores over the
interval), open file descriptors, threads, RTMP connections, uploads queued,
spool bytes and /healthz status into soak.csv and soak.json, and plots them
with gnuplot.

Timeline, as fractions of --duration D (so a short trial compresses it):
  warm-up   [0, ramp + max(30 s, 0.1 D))
  reference [end of warm-up, 0.3 D)    steady, reconnects going, no fault
  outage    [0.3 D, 0.3 D + outage)
  pg        at 0.55 D, down --pg-down seconds
  settled   [end of pg + grace, 0.8 D) steady again after the faults
  final     [0.8 D, D)                 steady, reconnects going, no fault
The reference and final windows run the same load (all streams plus the
same reconnect cycle), so a difference between them is what the run left
behind. The benchmark fails (exit 1, each reason printed) when:
  - RSS, with T = max(--rss-tolerance-mib, --rss-tolerance-pct of
    median(reference)), by default 16 MiB or 10 %:
    median(final) - median(settled) > T: memory still growing under a steady
    load once the faults are over; or
    median(final) - median(reference) > T + --upload-memory-mib (64): the
    outage fills a store's in-memory upload queue (64 MB before it spills to
    the spool), and malloc keeps those freed pages in its arenas, so up to
    that much can stay resident without being a leak; anything beyond is.
    T is far below any per-snapshot or per-reconnect leak over an hour: 500
    streams store ~200 snapshots a second, so 100 bytes leaked each is
    70 MiB an hour; 3000 reconnects an hour leaking 8 KiB each are 23 MiB.
  - open files: descriptors not explained by RTMP connections (fds minus
    livesnap_rtmp_connections_active, sampled together), median(final) -
    median(reference) > --fd-tolerance (default 8: the S3 client's idle
    connection pool and catalog connections may be re-opened differently
    after the faults). One descriptor leaked per reconnect or per failed
    upload shows as hundreds.
  - threads: max(final) > max(reference) + --thread-tolerance (default 2).
  - a stream of the main loadgen failed (the faults touch the store and the
    catalog, never ingest), or a reconnect stream failed that was not
    started during a fault (its window plus --fault-grace seconds);
  - the faults were not seen (no upload retry during the outage), so the
    run did not test what it claims;
  - at the end, after --drain seconds at most, uploads are still queued, or
    any snapshot failed to be stored or recorded
    (livesnap_snapshots_total{result="store_failed"|"record_failed"},
    livesnap_uploads_total{result="failed"}), or livesnapd exited non-zero.

    bench/soak.py --livesnapd build/h-bench/src/server/livesnapd \\
        --loadgen build/h-bench/tools/loadgen/livesnap-loadgen \\
        --work-dir build/h-bench/soak --streams 500 --duration 3600 \\
        --plot docs/soak.png
"""

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--livesnapd")
    p.add_argument("--loadgen")
    p.add_argument("--work-dir", type=Path)
    p.add_argument("--replot", type=Path, metavar="SOAK_JSON",
                   help="only draw --plot again from an earlier run's JSON")
    p.add_argument("--streams", type=int, default=500)
    p.add_argument("--duration", type=float, default=3600, help="seconds")
    p.add_argument("--ramp", type=float, default=10, help="new streams per second")
    p.add_argument("--interval", type=int, default=5, help="snapshot interval, s")
    p.add_argument("--workers", type=int, default=2, help="livesnapd capture workers")
    p.add_argument("--sample", type=float, default=10, help="seconds between samples")
    p.add_argument("--outage", type=float, default=60, help="store outage, s")
    p.add_argument("--pg-down", type=float, default=10, help="PostgreSQL down, s")
    p.add_argument("--reconnects", type=int, default=50, help="reconnect streams a minute")
    p.add_argument("--reconnect-stream", type=float, default=20,
                   help="seconds each reconnect stream publishes")
    p.add_argument("--fault-grace", type=float, default=15)
    p.add_argument("--drain", type=float, default=180, help="max seconds to drain uploads")
    p.add_argument("--rss-tolerance-mib", type=float, default=16)
    p.add_argument("--rss-tolerance-pct", type=float, default=10)
    p.add_argument("--upload-memory-mib", type=float, default=64,
                   help="uploads a store queue holds in memory before spilling (README)")
    p.add_argument("--fd-tolerance", type=int, default=8)
    p.add_argument("--thread-tolerance", type=int, default=2)
    p.add_argument("--clip-size", default="1280x720")
    p.add_argument("--clip-bitrate", default="2M")
    p.add_argument("--json", type=Path, help="default: WORK_DIR/soak.json")
    p.add_argument("--csv", type=Path, help="default: WORK_DIR/soak.csv")
    p.add_argument("--plot", type=Path, help="PNG to draw with gnuplot")
    args = p.parse_args()
    if not args.replot and not (args.livesnapd and args.loadgen and args.work_dir):
        p.error("--livesnapd, --loadgen and --work-dir are required")
    return args


class Timeline:
    def __init__(self, args):
        d = args.duration
        ramp_s = (args.streams - 1) / args.ramp if args.ramp > 0 else 0
        self.warm_end = ramp_s + max(30.0, 0.1 * d)
        self.outage = (0.3 * d, 0.3 * d + args.outage)
        self.pg = (0.55 * d, 0.55 * d + args.pg_down)
        self.final = (0.8 * d, d)
        self.reference = (self.warm_end, self.outage[0])
        self.settled = (self.pg[1] + args.fault_grace, self.final[0])
        if not (self.warm_end < self.outage[0] and self.outage[1] < self.pg[0] and
                self.pg[1] < self.final[0]):
            raise SystemExit(f"--duration {d} is too short for the warm-up, the faults and "
                             "the windows")

    def phase(self, t):
        if t < self.warm_end:
            return "warmup"
        if t < self.outage[0]:
            return "reference"
        if t < self.outage[1]:
            return "store-outage"
        if self.pg[0] <= t < self.pg[1]:
            return "pg-restart"
        if t >= self.final[0]:
            return "final"
        if self.settled[0] <= t:
            return "settled"
        return "recovery"

    def in_fault(self, t, grace):
        return any(a - grace <= t < e + grace for a, e in (self.outage, self.pg))


class Sampler(threading.Thread):
    """Samples livesnapd every period into self.rows."""

    def __init__(self, server, started, timeline, period_s):
        super().__init__(daemon=True)
        self.server, self.started, self.timeline, self.period = server, started, timeline, period_s
        self.rows, self.stop_event = [], threading.Event()

    def sample(self, last):
        pid, now = self.server.pid, time.monotonic()
        cpu = b.process_cpu_s(pid)
        try:
            m = b.scrape(self.server.api_port)
        except OSError:
            m = {}
        t = now - self.started
        row = {
            "t_s": round(t, 1), "phase": self.timeline.phase(t),
            "rss_mib": round(b.memory_kib(pid)["VmRSS"] / 1024, 1),
            "cpu_cores": round((cpu - last[1]) / (now - last[0]), 3) if last else 0.0,
            "fds": b.open_fds(pid), "threads": b.thread_count(pid),
            "rtmp_connections": int(b.metric(m, "livesnap_rtmp_connections_active")),
            "uploads_queued": int(b.metric_sum(m, "livesnap_uploads_queued")),
            "spool_mib": round(b.metric_sum(m, "livesnap_upload_spool_bytes") / 2**20, 1),
            "healthz": b.healthz_status(self.server.api_port),
        }
        row["fds_not_rtmp"] = row["fds"] - row["rtmp_connections"]
        row["snapshots_stored"] = int(b.metric(m, "livesnap_snapshots_total", result="stored"))
        row["snapshots_lost"] = int(lost_snapshots(m)) if m else None
        self.rows.append(row)
        return now, cpu

    def run(self):
        last = None
        while not self.stop_event.is_set():
            try:
                last = self.sample(last)
            except (FileNotFoundError, ProcessLookupError):
                return
            self.stop_event.wait(self.period)


def lost_snapshots(m):
    """Snapshots not stored or not recorded, and uploads given up, so far."""
    return (b.metric(m, "livesnap_snapshots_total", result="store_failed") +
            b.metric(m, "livesnap_snapshots_total", result="record_failed") +
            sum(v for (n, labels), v in m.items()
                if n == "livesnap_uploads_total" and ("result", "failed") in labels))


def losses_by_window(rows, timeline, grace_s, end_lost):
    """Snapshot losses split into those in a sample interval touching the store
    outage or the PostgreSQL restart (plus grace) and the rest."""
    split = {"store-outage": 0, "pg-restart": 0, "outside": 0}
    last_t, last = 0.0, 0
    for row in rows + [{"t_s": float("inf"), "snapshots_lost": end_lost}]:
        if row["snapshots_lost"] is None:
            continue
        delta, t = row["snapshots_lost"] - last, row["t_s"]
        if delta:
            for name, (a, e) in (("store-outage", timeline.outage), ("pg-restart", timeline.pg)):
                if last_t < e + grace_s and t > a - grace_s:
                    split[name] += delta
                    break
            else:
                split["outside"] += delta
        last_t, last = t, row["snapshots_lost"]
    return split


def wait_until(started, t):
    time.sleep(max(0.0, started + t - time.monotonic()))


def run_reconnects(args, clip, server, started, timeline, stop):
    """A loadgen of args.reconnects short streams every minute; returns
    [(start t, report)]."""
    batches, index = [], 0
    next_t = timeline.warm_end
    while not stop.is_set() and next_t + args.reconnect_stream < args.duration:
        wait_until(started, next_t)
        directory = args.work_dir / "reconnects" / f"batch{index:03d}"
        directory.mkdir(parents=True, exist_ok=True)
        loadgen = b.Loadgen(args.loadgen, clip, server.rtmp_port, args.reconnects, 0,
                            args.reconnect_stream, directory,
                            extra=["--profile", "ffmpeg", "--stream-pattern", "r{i}"])
        t = time.monotonic() - started
        loadgen.start()
        batches.append((t, loadgen.wait(args.reconnect_stream + 120)))
        index += 1
        next_t += 60
    return batches


def median(rows, key):
    values = [r[key] for r in rows]
    return statistics.median(values) if values else None


def judge(args, timeline, rows, main_report, batches, end_metrics, outage_retries, exit_code):
    failures = []
    reference = [r for r in rows if r["phase"] == "reference" and r["t_s"] > timeline.warm_end]
    final = [r for r in rows if r["phase"] == "final"]
    figures = {"reference_samples": len(reference), "final_samples": len(final)}
    if len(reference) < 3 or len(final) < 3:
        failures.append(f"too few samples to compare (reference {len(reference)}, "
                        f"final {len(final)})")
    else:
        rss0, rss1 = median(reference, "rss_mib"), median(final, "rss_mib")
        allowed = max(args.rss_tolerance_mib, args.rss_tolerance_pct / 100 * rss0)
        figures.update(rss_reference_mib=rss0, rss_final_mib=rss1, rss_allowed_mib=round(allowed, 1))
        if rss1 - rss0 > allowed + args.upload_memory_mib:
            failures.append(f"RSS leak: median {rss0:.1f} MiB in the reference window, "
                            f"{rss1:.1f} MiB in the final one (+{rss1 - rss0:.1f} > {allowed:.1f} + "
                            f"{args.upload_memory_mib:.0f} MiB of upload queue allowed)")
        settled = [r for r in rows if timeline.settled[0] <= r["t_s"] < timeline.settled[1]]
        if len(settled) >= 2:
            rss_settled = median(settled, "rss_mib")
            figures["rss_settled_mib"] = rss_settled
            if rss1 - rss_settled > allowed:
                failures.append(f"RSS leak: median {rss_settled:.1f} MiB once the faults were over, "
                                f"{rss1:.1f} MiB in the final window (+{rss1 - rss_settled:.1f} > "
                                f"{allowed:.1f} MiB allowed)")
        else:
            failures.append(f"too few samples ({len(settled)}) between the faults and the final window")
        fd0, fd1 = median(reference, "fds_not_rtmp"), median(final, "fds_not_rtmp")
        figures.update(fds_not_rtmp_reference=fd0, fds_not_rtmp_final=fd1)
        if fd1 - fd0 > args.fd_tolerance:
            failures.append(f"file descriptor leak: {fd0} descriptors besides RTMP connections "
                            f"in the reference window, {fd1} in the final one "
                            f"(> {args.fd_tolerance} more)")
        th0, th1 = max(r["threads"] for r in reference), max(r["threads"] for r in final)
        figures.update(threads_reference_max=th0, threads_final_max=th1)
        if th1 > th0 + args.thread_tolerance:
            failures.append(f"thread leak: at most {th0} threads in the reference window, "
                            f"{th1} in the final one")
    main_failed = [s for s in main_report["per_stream"] if s["error"]]
    for s in main_failed[:10]:
        failures.append(f"stream {s['name']} failed: {s['error']}")
    reconnect_streams = reconnect_failed = faulted = 0
    for t, report in batches:
        for s in report["per_stream"]:
            reconnect_streams += 1
            if not s["error"]:
                continue
            if timeline.in_fault(t, args.fault_grace):
                faulted += 1
            else:
                reconnect_failed += 1
                if reconnect_failed <= 10:
                    failures.append(f"reconnect stream {s['name']} started at {t:.0f} s "
                                    f"failed: {s['error']}")
    figures.update(main_streams_failed=len(main_failed), reconnect_batches=len(batches),
                   reconnect_streams=reconnect_streams,
                   reconnect_failed_outside_faults=reconnect_failed,
                   reconnect_failed_during_faults=faulted, outage_upload_retries=outage_retries)
    if outage_retries <= 0:
        failures.append("the store outage was not seen: no upload retried during it")
    m = end_metrics
    queued = b.metric_sum(m, "livesnap_uploads_queued")
    store_failed = b.metric(m, "livesnap_snapshots_total", result="store_failed")
    record_failed = b.metric(m, "livesnap_snapshots_total", result="record_failed")
    upload_failed = sum(v for (n, labels), v in m.items()
                        if n == "livesnap_uploads_total" and ("result", "failed") in labels)
    stored = b.metric(m, "livesnap_snapshots_total", result="stored")
    figures.update(snapshots_stored=stored, snapshots_store_failed=store_failed,
                   snapshots_record_failed=record_failed, uploads_failed=upload_failed,
                   uploads_queued_at_end=queued,
                   upload_retries=b.metric_sum(m, "livesnap_upload_retries_total"),
                   uploads_spilled=b.metric_sum(m, "livesnap_uploads_spilled_total"))
    if queued:
        failures.append(f"{queued:.0f} uploads still queued {args.drain:.0f} s after the end")
    losses = losses_by_window(rows, timeline, args.fault_grace, lost_snapshots(m))
    figures["snapshots_lost_by_window"] = losses
    if store_failed or record_failed or upload_failed:
        failures.append(f"snapshots lost: {store_failed:.0f} not stored, {record_failed:.0f} "
                        f"not recorded, {upload_failed:.0f} uploads failed; by when: {losses}")
    if stored <= 0:
        failures.append("no snapshot stored")
    if exit_code != 0:
        failures.append(f"livesnapd exited {exit_code}")
    return figures, failures


def plot(rows, timeline, args, out):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "soak.dat"
        data.write_text("".join(
            f"{r['t_s'] / 60:.3f} {r['rss_mib']} {r['cpu_cores']} {r['fds']} {r['fds_not_rtmp']} "
            f"{r['threads']} {r['rtmp_connections']} {r['spool_mib']}\n" for r in rows))
        shades = ""
        for (a, e), color in ((timeline.outage, "#fdd0a2"), (timeline.pg, "#c6dbef"),
                              (timeline.settled, "#f0f0f0"),
                              (timeline.reference, "#e5f5e0"), (timeline.final, "#e5f5e0")):
            shades += (f"set object rect from {a / 60},graph 0 to {e / 60},graph 1 back "
                       f"fc rgb '{color}' fs solid 0.8 noborder\n")
        title = (f"livesnapd soak: {args.streams} streams + {args.reconnects} reconnects/min, "
                 f"{args.duration / 60:.0f} min. Green: reference and final windows; grey: settled; "
                 f"orange: store outage; blue: PostgreSQL restart")
        script = f"""
set terminal pngcairo noenhanced size 1000,900 font 'DejaVu Sans,9'
set output '{out}'
set multiplot layout 4,1 title '{title}'
set grid
set key opaque box
set xrange [0:{args.duration / 60}]
set lmargin 10
{shades}
set ylabel 'RSS (MiB)'
plot '{data}' using 1:2 with lines lw 2 lc rgb '#1b7837' title 'RSS', '{data}' using 1:8 with lines lc rgb '#b2182b' title 'upload spool (MiB)'
set ylabel 'CPU (cores)'
plot '{data}' using 1:3 with lines lw 2 lc rgb '#2166ac' title 'user+sys'
set ylabel 'descriptors'
set key bottom right
plot '{data}' using 1:4 with lines lw 2 lc rgb '#762a83' title 'open files', '{data}' using 1:7 with lines lc rgb '#999999' title 'RTMP connections', '{data}' using 1:5 with lines lc rgb '#e08214' title 'open files - RTMP connections'
set ylabel 'threads'
set yrange [0:{max(r['threads'] for r in rows) + 4}]
set xlabel 'minutes'
plot '{data}' using 1:6 with lines lw 2 lc rgb '#4d4d4d' title 'threads'
unset multiplot
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    b.log(f"wrote {out}")


def replot(args):
    result = json.loads(args.replot.read_text())
    run = argparse.Namespace(**{k: float(result["args"][k]) for k in
                                ("streams", "reconnects", "duration", "pg_down", "outage",
                                 "fault_grace")})
    run.streams, run.reconnects = int(run.streams), int(run.reconnects)
    run.ramp = float(result["args"]["ramp"])
    plot(result["samples"], Timeline(run), run, args.plot)
    return 0


def main():
    args = parse_args()
    if args.replot:
        return replot(args)
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    timeline = Timeline(args)
    width, height = (int(x) for x in args.clip_size.split("x"))
    clip = b.make_clip(args.work_dir / f"clip-{args.clip_size}-{args.clip_bitrate}.flv", width,
                       height, 30, 10, args.clip_bitrate, 2)
    s3 = b.S3rver(args.work_dir / "s3rver")
    pg = b.PostgreSQL(args.work_dir / "postgres")
    s3.start()
    pg.start()
    server = b.Livesnapd(args.livesnapd, args.work_dir / "livesnapd", args.interval, args.workers,
                         s3_url=s3.url, catalog_url=pg.url)
    server.start()
    b.log(f"livesnapd pid {server.pid}, s3rver {s3.url}, {pg.url}; timeline {vars(timeline)}")
    main_loadgen = b.Loadgen(args.loadgen, clip, server.rtmp_port, args.streams, args.ramp,
                             args.duration, args.work_dir, extra=["--profile", "ffmpeg"])
    started = time.monotonic()
    main_loadgen.start()
    sampler = Sampler(server, started, timeline, args.sample)
    sampler.start()
    stop = threading.Event()
    batches = []
    reconnects = threading.Thread(
        target=lambda: batches.extend(run_reconnects(args, clip, server, started, timeline, stop)),
        daemon=True)
    reconnects.start()
    events, outage_retries, exit_code = [], 0, None
    try:
        wait_until(started, timeline.outage[0])
        retries0 = b.metric_sum(b.scrape(server.api_port), "livesnap_upload_retries_total")
        b.log("store outage: stopping s3rver")
        s3.stop()
        events.append(("store down", time.monotonic() - started))
        wait_until(started, timeline.outage[1])
        outage_retries = b.metric_sum(b.scrape(server.api_port),
                                      "livesnap_upload_retries_total") - retries0
        s3.start()
        events.append(("store up", time.monotonic() - started))
        b.log(f"store back on {s3.url} after {outage_retries:.0f} upload retries")
        wait_until(started, timeline.pg[0])
        b.log("PostgreSQL restart")
        events.append(("pg down", time.monotonic() - started))
        pg.restart(args.pg_down)
        events.append(("pg up", time.monotonic() - started))
        main_report = main_loadgen.wait(args.duration + 120)
        stop.set()
        reconnects.join(args.reconnect_stream + 180)
        b.log("load over; draining uploads")
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            m = b.scrape(server.api_port)
            if (b.metric_sum(m, "livesnap_uploads_queued") == 0 and
                    b.metric(m, "livesnap_capture_queue_depth") == 0):
                break
            time.sleep(2)
        end_metrics = b.scrape(server.api_port)
        sampler.stop_event.set()
        sampler.join()
    finally:
        stop.set()
        if main_loadgen.process.poll() is None:
            b.stop_process(main_loadgen.process)
        exit_code = server.stop()
        s3.stop()
        pg.stop()
    figures, failures = judge(args, timeline, sampler.rows, main_report, batches, end_metrics,
                              outage_retries, exit_code)
    figures.update(s3_objects=s3.objects(), peak_rss_mib=max(r["rss_mib"] for r in sampler.rows),
                   mean_cpu_cores=round(statistics.mean(
                       r["cpu_cores"] for r in sampler.rows if r["phase"] != "warmup"), 3),
                   main_loadgen_totals=main_report["totals"])
    result = {"command": b.shell_line(sys.argv), "machine": b.machine(), "args": {
        k: str(v) for k, v in vars(args).items()}, "timeline": vars(timeline),
        "events_s": events, "figures": figures, "failures": failures, "samples": sampler.rows}
    json_path = args.json or args.work_dir / "soak.json"
    json_path.write_text(json.dumps(result, indent=1))
    csv_path = args.csv or args.work_dir / "soak.csv"
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(sampler.rows[0]))
        writer.writeheader()
        writer.writerows(sampler.rows)
    if args.plot:
        plot(sampler.rows, timeline, args, args.plot)
    print(json.dumps(figures, indent=1))
    for failure in failures:
        print(f"soak: FAIL: {failure}", file=sys.stderr)
    if not failures:
        print("soak: passed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
