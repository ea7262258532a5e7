#!/usr/bin/env python3
"""How publishers write: real ffmpeg beside each livesnap-loadgen profile.

Each client pushes one stream of the same clip (720p30, 2 Mbit/s, GOP 2 s,
AAC) into livesnapd for --seconds under `strace -f`, which records every
write-family call it makes; the table gives send calls per second, mean
bytes per call and the share of calls under 16 bytes (lone chunk headers).
The loadgen profiles are checked against the clients they play: FFmpeg for
`ffmpeg`; OBS (librtmp) writes one call per chunk, which is what `obs`
reproduces (OBS itself needs a desktop session to stream; see
docs/BENCHMARKS.md).

  bench/write_patterns.py --livesnapd build/h-bench/src/server/livesnapd \\
      --loadgen build/h-bench/tools/loadgen/livesnap-loadgen --seconds 10
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib  # noqa: E402

# 1234 sendto(5, "\x03..."..., 4096, MSG_NOSIGNAL, NULL, 0) = 4096
CALL = re.compile(r"^(?:\d+\s+)?(write|writev|sendto|sendmsg)\((\d+),.*\)\s+=\s+(\d+)")


def count_writes(trace_path, min_fd=3):
    """Successful write-family calls on descriptors >= min_fd (not stdio)."""
    sizes = []
    for line in Path(trace_path).read_text(errors="replace").splitlines():
        match = CALL.match(line)
        if match and int(match.group(2)) >= min_fd and int(match.group(3)) > 0:
            sizes.append(int(match.group(3)))
    return sizes


def traced(command, trace_path):
    return ["strace", "-f", "-qq", "-e", "trace=write,writev,sendto,sendmsg",
            "-e", "signal=none", "-s", "0", "-o", str(trace_path), *command]


def run_client(name, command, trace_path, seconds):
    process = subprocess.Popen(traced(command, trace_path), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(seconds)
    # SIGINT to the client (and strace): ffmpeg and the loadgen end cleanly.
    os.killpg(process.pid, signal.SIGINT)
    benchlib.stop_process(process)
    sizes = count_writes(trace_path)
    total = sum(sizes)
    return {
        "client": name,
        "seconds": seconds,
        "calls": len(sizes),
        "calls_per_s": len(sizes) / seconds,
        "bytes_per_call": total / len(sizes) if sizes else 0,
        "small_share": sum(1 for s in sizes if s < 16) / len(sizes) if sizes else 0,
        "mbit_s": total * 8 / 1e6 / seconds,
        "command": benchlib.shell_line(command),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--livesnapd", required=True)
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--work-dir", default="build/bench-work/write-patterns")
    parser.add_argument("--json")
    args = parser.parse_args()

    work = Path(args.work_dir).resolve()
    clip = benchlib.make_clip(work / "clip-720p30-2M.flv", seconds=20)
    server = benchlib.Livesnapd(args.livesnapd, work / "livesnapd")
    server.start()
    rows = []
    try:
        url = f"rtmp://127.0.0.1:{server.rtmp_port}"
        ffmpeg = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                  "-stream_loop", "-1", "-i", str(clip), "-c", "copy", "-f", "flv",
                  f"{url}/live/real-ffmpeg"]
        rows.append(run_client("ffmpeg 5.1 (real)", ffmpeg, work / "ffmpeg.trace", args.seconds))
        for profile in ("ffmpeg", "obs", "batched"):
            loadgen = [args.loadgen, "--file", str(clip), "--url", url, "--app", "live",
                       "--stream-pattern", f"loadgen-{profile}", "-n", "1",
                       "--duration", "0", "--profile", profile, "-q"]
            rows.append(run_client(f"livesnap-loadgen --profile {profile}", loadgen,
                                   work / f"loadgen-{profile}.trace", args.seconds))
    finally:
        server.stop()

    print(f"One 720p30 2 Mbit/s stream for {args.seconds:.0f} s under strace -f "
          "(write, writev, sendto, sendmsg on sockets):\n")
    print("| client | send calls/s | bytes/call | calls < 16 bytes | Mbit/s |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['client']} | {row['calls_per_s']:.0f} | {row['bytes_per_call']:.0f} | "
              f"{row['small_share'] * 100:.0f}% | {row['mbit_s']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": benchlib.machine(), "rows": rows},
                                              indent=2))


if __name__ == "__main__":
    main()
