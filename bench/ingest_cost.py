#!/usr/bin/env python3
"""What ingest costs livesnapd per stream, by how the clients write.

N streams of the same clip (720p30, 2 Mbit/s, GOP 2 s, AAC, a 5 s snapshot
template in both modes on the file store), pushed by livesnap-loadgen with
each write profile and, with --real-ffmpeg, by N real `ffmpeg -re
-stream_loop -1 -c copy` processes; each against livesnapd with read
batching on (the default, [rtmp] read_batch_bytes = 16384) and off (0).
After a warm-up, livesnapd's CPU (user + system, all threads) is measured
over a steady window; the idle server is measured the same way first.
Everything runs side by side in one invocation on the same binaries.

  bench/ingest_cost.py --livesnapd build/h-bench/src/server/livesnapd \\
      --loadgen build/h-bench/tools/loadgen/livesnap-loadgen --streams 20 --real-ffmpeg
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib as b  # noqa: E402


def run(args, clip, client, batch_bytes):
    work = args.work_dir / f"{client}-batch{batch_bytes}"
    server = b.Livesnapd(args.livesnapd, work / "livesnapd",
                         rtmp_extra=f"read_batch_bytes = {batch_bytes}")
    server.start()
    pushers = []
    try:
        url = f"rtmp://127.0.0.1:{server.rtmp_port}"
        if client == "real-ffmpeg":
            ffmpegs = b.FfmpegPushers(clip, url, args.streams, 50, work)
            ffmpegs.start()
            pushers.extend(ffmpegs.processes)
        else:
            loadgen = b.Loadgen(args.loadgen, clip, server.rtmp_port, args.streams, 50,
                                args.warmup + args.window + 5, work,
                                extra=["--profile", client.removeprefix("loadgen-")])
            loadgen.start()
            pushers.append(loadgen.process)
        cores = b.cores_after(server, args.warmup, args.window)
        live = server.log().count("publish started")
    finally:
        for process in pushers:
            b.stop_process(process, sig=2)
        server.stop()
    return {"client": client, "read_batch_bytes": batch_bytes, "streams": args.streams,
            "published": live, "cores": cores, "cores_per_stream": cores / args.streams}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--livesnapd", required=True)
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--streams", type=int, default=20)
    parser.add_argument("--warmup", type=float, default=8)
    parser.add_argument("--window", type=float, default=25)
    parser.add_argument("--real-ffmpeg", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=Path("build/bench-work/ingest-cost"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.work_dir = args.work_dir.resolve()

    clip = b.make_clip(args.work_dir / "clip-720p30-2M.flv", seconds=10)
    idle = b.Livesnapd(args.livesnapd, args.work_dir / "idle" / "livesnapd")
    idle.start()
    try:
        idle_cores = b.cores_after(idle, 2, args.window)
    finally:
        idle.stop()
    clients = ["loadgen-batched", "loadgen-ffmpeg", "loadgen-obs"]
    if args.real_ffmpeg:
        clients.append("real-ffmpeg")
    rows = [run(args, clip, client, batch) for client in clients for batch in (16384, 0)]

    print(f"livesnapd cores, {args.streams} streams of 720p30 2 Mbit/s, "
          f"{args.window:.0f} s window after {args.warmup:.0f} s; idle server {idle_cores:.4f}\n")
    print("| pushed by | read batching | published | livesnapd cores | per stream |")
    print("|---|---|---|---|---|")
    for row in rows:
        batching = "on (16 KiB)" if row["read_batch_bytes"] else "off"
        print(f"| {row['client']} | {batching} | {row['published']} | {row['cores']:.3f} | "
              f"{row['cores_per_stream']:.4f} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": b.machine(), "idle_cores": idle_cores,
                                         "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
