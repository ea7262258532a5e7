#!/usr/bin/env python3
"""livesnap next to the setup users build today, in one run, on the same
host and the same input: nginx with libnginx-mod-rtmp, whose exec_push
starts one ffmpeg per published stream writing a JPEG every 5 s

    ffmpeg -i rtmp://127.0.0.1/live/$name -vf fps=1/5 -update 1 $name.jpg

and the variant that decodes keyframes only (-skip_frame nokey before -i).
livesnap-loadgen (--profile, ffmpeg's write pattern by default) pushes the
same N streams of the same clip to each in turn; with --real-ffmpeg-streams,
N real `ffmpeg -re -stream_loop -1 -c copy` pushers do the same, as a
cross-check of the load generator. For each, the CPU of the whole process tree (nginx master, worker and
every ffmpeg it started; livesnapd alone for livesnap) over a steady window
is divided by N, and the ratio baseline / livesnap is taken at equal N.
The load generator's own CPU is reported apart, never counted.

    bench/baseline.py --livesnapd build/h-bench/src/server/livesnapd \\
        --loadgen build/h-bench/tools/loadgen/livesnap-loadgen \\
        --decode-streams 5,10,20 --skip-frame-streams 10,50,100 \\
        --real-ffmpeg-streams 20 --work-dir build/h-bench/bench-work
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402
import capacity  # noqa: E402

VARIANTS = {
    "decode": [],                              # decodes every frame, keeps 1 in 5 s
    "skip_frame": ["-skip_frame", "nokey"],    # decodes keyframes only
}


def run_nginx(args, clip, variant, n):
    b.log(f"nginx-rtmp + ffmpeg ({variant}): {n} streams")
    nginx = b.Nginx(args.work_dir / f"nginx-{variant}-n{n}", VARIANTS[variant], args.interval)
    nginx.start()
    ramp_s = (n - 1) / args.ramp if args.ramp > 0 else 0
    loadgen = b.Loadgen(args.loadgen, clip, nginx.rtmp_port, n, args.ramp,
                        args.baseline_warmup + args.window + 2, nginx.dir,
                        extra=capacity.loadgen_options(args))
    started = time.monotonic()
    loadgen.start()
    try:
        time.sleep(max(0.0, started + ramp_s + args.baseline_warmup - time.monotonic()))
        ffmpegs = nginx.ffmpeg_count()
        load_before = b.loadavg()
        tree0, loadgen0, sys0 = b.tree_cpu_s(nginx.pid), b.process_cpu_s(loadgen.pid), \
            b.system_cpu()
        w0 = time.monotonic()
        rss = b.RssSampler(lambda: b.tree_rss_kib(nginx.pid))
        time.sleep(args.window)
        tree1, loadgen1, sys1 = b.tree_cpu_s(nginx.pid), b.process_cpu_s(loadgen.pid), \
            b.system_cpu()
        w1 = time.monotonic()
        rss.stop()
        load_after = b.loadavg()
        images = nginx.images()
        report = loadgen.wait(args.baseline_warmup + args.window + 120)
    finally:
        if loadgen.process.poll() is None:
            b.stop_process(loadgen.process)
        nginx.stop()
    wall = w1 - w0
    cores = b.tree_cpu_delta_s(tree0, tree1) / wall
    loadgen_cores = (loadgen1 - loadgen0) / wall
    machine_busy = (sys1[0] - sys0[0]) / (sys1[1] - sys0[1]) * os.cpu_count()
    result = {
        "system": f"nginx-rtmp + ffmpeg ({variant})",
        "pushed_by": f"loadgen --profile {args.profile}",
        "variant": variant,
        "streams": n,
        "published": report["totals"]["published"],
        "ffmpeg_processes": ffmpegs,
        "streams_with_image": len(images),
        "cores": round(cores, 4),
        "cores_per_stream": round(cores / n, 6),
        "rss_mean_mib": round(sum(rss.values) / max(1, len(rss.values)) / 1024, 1),
        "loadgen_cores": round(loadgen_cores, 4),
        "loadgen_stalls": report["totals"]["stalls"],
        "machine_busy_cores": round(machine_busy, 3),
        "other_processes_cores": round(machine_busy - cores - loadgen_cores, 3),
        "window": {"seconds": round(wall, 2), "load_before": load_before,
                   "load_after": load_after},
        "ffmpeg_command": nginx.ffmpeg,
    }
    b.log(f"nginx ({variant}): {n} streams: {result['cores']} cores, "
          f"{ffmpegs} ffmpeg, {len(images)} images")
    return result


def livesnap_row(args, clip, n):
    r = capacity.run_livesnap(args, clip, n)
    return {"system": "livesnap", "pushed_by": f"loadgen --profile {args.profile}",
            "variant": "livesnap", "streams": n,
            "published": r["published"], "cores": r["server_cores"],
            "cores_per_stream": r["server_cores_per_stream"],
            "rss_mean_mib": r["rss_window_mean_mib"], "loadgen_cores": r["loadgen_cores"],
            "loadgen_stalls": r["loadgen_stalls"], "machine_busy_cores": r["machine_busy_cores"],
            "other_processes_cores": r["other_processes_cores"],
            "snapshots_stored": r["snapshots_stored"],
            "snapshots_expected": r["snapshots_expected"], "window": r["window"]}


def run_real_pushers(args, clip, variant, n):
    """N real ffmpeg pushers into livesnapd (variant "livesnap") or nginx-rtmp
    + ffmpeg per stream; CPU of the server's process tree over the window."""
    b.log(f"{variant}: {n} real ffmpeg pushers")
    directory = args.work_dir / f"real-{variant}-n{n}"
    if variant == "livesnap":
        server = b.Livesnapd(args.livesnapd, directory, args.interval, args.workers)
        warmup = args.warmup
    else:
        server = b.Nginx(directory, VARIANTS[variant], args.interval)
        warmup = args.baseline_warmup
    server.start()
    pushers = b.FfmpegPushers(clip, f"rtmp://127.0.0.1:{server.rtmp_port}", n, 10, server.dir)
    try:
        pushers.start()
        time.sleep(warmup)
        load_before = b.loadavg()
        tree0, push0, sys0 = b.tree_cpu_s(server.pid), pushers.cpu_s(), b.system_cpu()
        w0 = time.monotonic()
        rss = b.RssSampler(lambda: b.tree_rss_kib(server.pid))
        time.sleep(args.window)
        tree1, push1, sys1 = b.tree_cpu_s(server.pid), pushers.cpu_s(), b.system_cpu()
        w1 = time.monotonic()
        rss.stop()
        load_after = b.loadavg()
        running = pushers.running()
        images = len(server.images()) if variant != "livesnap" else None
    finally:
        pushers.stop()
        server.stop()
    wall = w1 - w0
    cores = b.tree_cpu_delta_s(tree0, tree1) / wall
    pusher_cores = (push1 - push0) / wall
    machine_busy = (sys1[0] - sys0[0]) / (sys1[1] - sys0[1]) * os.cpu_count()
    if variant == "livesnap":
        published = server.log().count("publish started")
        stored = sum(1 for record in server.records() if record[1] == 0)
    else:
        published, stored = running, images
    result = {
        "system": "livesnap" if variant == "livesnap" else f"nginx-rtmp + ffmpeg ({variant})",
        "pushed_by": "real ffmpeg", "variant": variant, "streams": n,
        "published": published, "pushers_running": running,
        "cores": round(cores, 4), "cores_per_stream": round(cores / n, 6),
        "rss_mean_mib": round(sum(rss.values) / max(1, len(rss.values)) / 1024, 1),
        "loadgen_cores": round(pusher_cores, 4),
        "machine_busy_cores": round(machine_busy, 3),
        "other_processes_cores": round(machine_busy - cores - pusher_cores, 3),
        "window": {"seconds": round(wall, 2), "load_before": load_before,
                   "load_after": load_after},
    }
    if variant == "livesnap":
        result["snapshots_stored"] = stored
    else:
        result["streams_with_image"] = images
    b.log(f"{variant}: {n} real ffmpeg pushers: {result['cores']} cores")
    return result


def with_ratio(row, livesnap_row):
    per_stream = livesnap_row["cores_per_stream"]
    row["ratio_to_livesnap"] = (round(row["cores_per_stream"] / per_stream, 1)
                                if per_stream > 0 else None)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    capacity.add_common_arguments(parser)
    parser.add_argument("--decode-streams", default="5,10,20")
    parser.add_argument("--skip-frame-streams", default="10,50,100")
    parser.add_argument("--real-ffmpeg-streams", default="",
                        help="N for which real ffmpeg pushers feed livesnap and both "
                             "baselines (e.g. 20)")
    parser.add_argument("--baseline-warmup", type=float, default=15,
                        help="seconds after the ramp-up before the baseline's window "
                             "(a -skip_frame nokey reader probes for 5-6 s)")
    parser.set_defaults(window=30)
    args = parser.parse_args()
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    command = b.shell_line([sys.executable, *sys.argv])
    print(f"command: {command}")
    clip = capacity.make_clip(args)

    plan = {"decode": [int(n) for n in args.decode_streams.split(",") if n],
            "skip_frame": [int(n) for n in args.skip_frame_streams.split(",") if n]}
    rows = []
    for n in sorted(set(plan["decode"]) | set(plan["skip_frame"])):
        livesnap = livesnap_row(args, clip, n)
        rows.append(livesnap)
        rows.extend(with_ratio(run_nginx(args, clip, variant, n), livesnap)
                    for variant in VARIANTS if n in plan[variant])
    for n in (int(n) for n in args.real_ffmpeg_streams.split(",") if n):
        livesnap = run_real_pushers(args, clip, "livesnap", n)
        rows.append(livesnap)
        rows.extend(with_ratio(run_real_pushers(args, clip, variant, n), livesnap)
                    for variant in VARIANTS)

    print(f"machine: {b.machine()}")
    header = ("system", "pushed by", "N", "published", "cores", "cores/stream", "x livesnap", "RSS MiB",
              "pusher cores", "other load cores")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(str(x) for x in (
            r["system"], r["pushed_by"], r["streams"], r["published"], r["cores"], r["cores_per_stream"],
            r.get("ratio_to_livesnap", "1"), r["rss_mean_mib"], r["loadgen_cores"],
            r["other_processes_cores"])) + " |")
    if args.json:
        args.json.write_text(json.dumps({"command": command, "machine": b.machine(),
                                         "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                                         "clip": str(clip), "results": rows}, indent=2))
    broken = [r for r in rows if r["published"] != r["streams"] or
              (r["variant"] != "livesnap" and r["streams_with_image"] != r["streams"])]
    for r in broken:
        print(f"incomplete: {r['system']} N={r['streams']}: published {r['published']}, "
              f"images {r.get('streams_with_image')}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
