#!/usr/bin/env python3
"""What an SRT stream costs livesnapd against an RTMP stream of the same clip.

N streams of one clip (720p30, 2 Mbit/s, GOP 2 s, AAC; a 5 s snapshot
template in both modes on the file store) pushed by livesnap-loadgen over
RTMP (the FLV, the ffmpeg write profile) and over SRT (the same clip
remuxed once to MPEG-TS by `ffmpeg -c copy`, sent in 1316-byte messages
paced by its PCR, from one thread). Each protocol gets a fresh livesnapd
with both listeners; after a warm-up, livesnapd's CPU (user + system, all
threads, libsrt's included) is measured over a steady window. The idle
server is measured first; with --rounds > 1 the protocols alternate, so a
neighbour's load on a shared machine falls on both. Everything runs side by
side in one invocation on the same binaries. Target: SRT <= 1.3x RTMP per
stream.

  bench/srt_vs_rtmp.py --livesnapd build/bench/src/server/livesnapd \\
      --loadgen build/bench/tools/loadgen/livesnap-loadgen --streams 200
"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402


def make_ts(flv, ts):
    if not ts.exists() or ts.stat().st_size == 0:
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(flv),
                        "-c", "copy", "-f", "mpegts", str(ts) + ".tmp"], check=True)
        Path(str(ts) + ".tmp").rename(ts)
    return ts


def run(args, protocol, clip, round_index):
    work = args.work_dir / f"{protocol}-{round_index}"
    server = b.Livesnapd(args.livesnapd, work / "livesnapd", srt=True)
    server.start()
    loadgen = None
    try:
        port = server.srt_port if protocol == "srt" else server.rtmp_port
        loadgen = b.Loadgen(args.loadgen, clip, port, args.streams, args.ramp,
                            args.warmup + args.window + 5, work, protocol=protocol)
        b.log(f"{protocol} round {round_index}: " + b.shell_line(loadgen.command))
        loadgen.start()
        ramp_s = args.streams / args.ramp if args.ramp > 0 else 0
        cores = b.cores_after(server, ramp_s + args.warmup, args.window)
        live = server.log().count("publish started")
        report = loadgen.wait(args.warmup + args.window + ramp_s + 30)
    finally:
        if loadgen is not None and loadgen.process.poll() is None:
            b.stop_process(loadgen.process, sig=2)
        server.stop()
    images = sum(1 for _ in (server.shots / "live").glob("*/*.jpg")) \
        if (server.shots / "live").exists() else 0
    return {"protocol": protocol, "round": round_index, "streams": args.streams,
            "published": live, "failed": report["totals"]["failed"],
            "stalls": report["totals"]["stalls"], "sequence_images": images,
            "cores": cores, "cores_per_stream": cores / args.streams,
            "loadgen_cpu_s": report["cpu_user_s"] + report["cpu_system_s"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--livesnapd", required=True)
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--ramp", type=float, default=50, help="new streams a second")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--window", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, default=Path("build/bench-work/srt-vs-rtmp"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.work_dir = args.work_dir.resolve()

    flv = b.make_clip(args.work_dir / "clip-720p30-2M.flv", seconds=10)
    ts = make_ts(flv, args.work_dir / "clip-720p30-2M.ts")
    idle = b.Livesnapd(args.livesnapd, args.work_dir / "idle" / "livesnapd", srt=True)
    idle.start()
    try:
        idle_cores = b.cores_after(idle, 2, args.window)
    finally:
        idle.stop()
    rows = []
    for round_index in range(args.rounds):
        order = ("rtmp", "srt") if round_index % 2 == 0 else ("srt", "rtmp")
        for protocol in order:
            rows.append(run(args, protocol, ts if protocol == "srt" else flv, round_index))

    per_stream = {p: statistics.median(r["cores_per_stream"] for r in rows if r["protocol"] == p)
                  for p in ("rtmp", "srt")}
    net = {p: statistics.median((r["cores"] - idle_cores) / r["streams"]
                                for r in rows if r["protocol"] == p) for p in ("rtmp", "srt")}
    print(f"livesnapd cores, {args.streams} streams of 720p30 2 Mbit/s per protocol, "
          f"{args.window:.0f} s window after the ramp and {args.warmup:.0f} s; "
          f"idle server {idle_cores:.4f}\n")
    print("| protocol | round | published | failed | stalls | livesnapd cores | per stream "
          "| loadgen CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['protocol']} | {r['round']} | {r['published']} | {r['failed']} | "
              f"{r['stalls']} | {r['cores']:.3f} | {r['cores_per_stream']:.5f} | "
              f"{r['loadgen_cpu_s']:.1f} |")
    ratio = per_stream["srt"] / per_stream["rtmp"] if per_stream["rtmp"] > 0 else float("nan")
    net_ratio = net["srt"] / net["rtmp"] if net["rtmp"] > 0 else float("nan")
    print(f"\nSRT / RTMP per stream: {ratio:.2f}x ({net_ratio:.2f}x without the idle server); "
          f"target <= 1.3x")
    if args.json:
        args.json.write_text(json.dumps({"machine": b.machine(), "idle_cores": idle_cores,
                                         "rows": rows, "srt_over_rtmp": ratio,
                                         "srt_over_rtmp_net": net_ratio}, indent=2))


if __name__ == "__main__":
    main()
