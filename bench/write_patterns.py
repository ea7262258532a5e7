#!/usr/bin/env python3
"""How publishers write: real ffmpeg beside each livesnap-loadgen profile.

Each client pushes one stream of the same clip (720p30, 2 Mbit/s, GOP 2 s,
AAC) into livesnapd for --seconds under `strace -f`, which records every
write-family call it makes; the table gives send calls per second, mean
bytes per call and the share of calls under 16 bytes (lone chunk headers).
The loadgen profiles are checked against the clients they play: FFmpeg for
`ffmpeg`, and with --obs, OBS Studio (Debian's obs-studio, streaming a media
source of the same clip under Xvfb, scripts/install-deps.sh bench) for `obs`.

  bench/write_patterns.py --livesnapd build/h-bench/src/server/livesnapd \\
      --loadgen build/h-bench/tools/loadgen/livesnap-loadgen --seconds 10 --obs
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


def calls(trace_path):
    """(descriptor, bytes) of each successful write-family call."""
    for line in Path(trace_path).read_text(errors="replace").splitlines():
        match = CALL.match(line)
        if match and int(match.group(3)) > 0:
            yield int(match.group(2)), int(match.group(3))


def count_writes(trace_path, min_fd=3):
    """Sizes of the successful write-family calls on descriptors >= min_fd."""
    return [size for fd, size in calls(trace_path) if fd >= min_fd]


def summary(name, sizes, seconds, command):
    if not sizes:
        raise RuntimeError(f"{name} sent nothing in {seconds} s: {command}")
    total = sum(sizes)
    return {
        "client": name,
        "seconds": seconds,
        "calls": len(sizes),
        "calls_per_s": len(sizes) / seconds,
        "bytes_per_call": total / len(sizes) if sizes else 0,
        "small_share": sum(1 for s in sizes if s < 16) / len(sizes) if sizes else 0,
        "mbit_s": total * 8 / 1e6 / seconds,
        "command": command,
    }


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
    return summary(name, count_writes(trace_path), seconds, benchlib.shell_line(command))


def obs_profile(home, clip, url):
    """An OBS profile and scene collection under `home` that stream a media
    source looping `clip` at 1280x720, 30 fps, x264 2 Mbit/s to `url`/obs."""
    config = Path(home) / ".config" / "obs-studio"
    (config / "basic" / "profiles" / "bench").mkdir(parents=True, exist_ok=True)
    (config / "basic" / "scenes").mkdir(parents=True, exist_ok=True)
    (config / "global.ini").write_text(
        "[General]\nFirstRun=false\nEnableAutoUpdates=false\n[Basic]\nProfile=bench\n"
        "ProfileDir=bench\nSceneCollection=bench\nSceneCollectionFile=bench\n")
    (config / "basic" / "profiles" / "bench" / "basic.ini").write_text(
        "[General]\nName=bench\n[Video]\nBaseCX=1280\nBaseCY=720\nOutputCX=1280\n"
        "OutputCY=720\nFPSType=0\nFPSCommon=30\n[Output]\nMode=Simple\n[SimpleOutput]\n"
        "VBitrate=2000\nABitrate=128\nStreamEncoder=x264\nPreset=veryfast\n")
    (config / "basic" / "profiles" / "bench" / "service.json").write_text(json.dumps(
        {"type": "rtmp_custom", "settings": {"server": f"{url}/live", "key": "obs"}}))
    item = {"name": "Media", "id": 1, "visible": True, "pos": {"x": 0, "y": 0},
            "scale": {"x": 1, "y": 1}, "rot": 0, "align": 5, "bounds_type": 0,
            "bounds": {"x": 0, "y": 0}, "bounds_align": 0}
    (config / "basic" / "scenes" / "bench.json").write_text(json.dumps({
        "name": "bench", "current_scene": "Scene", "current_program_scene": "Scene",
        "scene_order": [{"name": "Scene"}],
        "sources": [
            {"id": "scene", "versioned_id": "scene", "name": "Scene",
             "settings": {"id_counter": 1, "items": [item]}},
            {"id": "ffmpeg_source", "versioned_id": "ffmpeg_source", "name": "Media",
             "settings": {"local_file": str(clip), "looping": True, "is_local_file": True}}]}))


def run_obs(work, clip, url, port, seconds):
    """OBS Studio streaming under Xvfb; its socket's writes traced with strace -p
    once it publishes."""
    home = work / "obs-home"
    obs_profile(home, clip, url)
    env = dict(os.environ, HOME=str(home), LIBGL_ALWAYS_SOFTWARE="1")
    command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "obs", "--startstreaming",
               "--disable-shutdown-check", "--multi", "--collection", "bench", "--profile", "bench"]
    log = open(work / "obs.log", "w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        def socket_of_obs():
            out = subprocess.run(["ss", "-tnpH", f"dst 127.0.0.1:{port}"], capture_output=True,
                                 text=True).stdout
            match = re.search(r'"obs",pid=(\d+),fd=(\d+)', out)
            return (int(match.group(1)), int(match.group(2))) if match else None
        benchlib.wait_for(socket_of_obs, 60, "OBS streaming")
        pid, fd = socket_of_obs()
        time.sleep(3)  # past the connect and the first keyframe
        trace = work / "obs.trace"
        subprocess.run(["timeout", "-s", "INT", str(seconds), "strace", "-f", "-qq", "-p", str(pid),
                        "-e", "trace=write,writev,sendto,sendmsg", "-e", "signal=none", "-s", "0",
                        "-o", str(trace)], check=False)
        sizes = [size for call_fd, size in calls(trace) if call_fd == fd]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        benchlib.stop_process(process)
        log.close()
    return summary("OBS Studio 29 (real, x264 2 Mbit/s)", sizes, seconds,
                   benchlib.shell_line(command))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--livesnapd", required=True)
    parser.add_argument("--loadgen", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--work-dir", default="build/bench-work/write-patterns")
    parser.add_argument("--obs", action="store_true",
                        help="also trace OBS Studio (obs-studio and xvfb installed)")
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
        if args.obs:
            rows.append(run_obs(work, clip, url, server.rtmp_port, args.seconds))
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
