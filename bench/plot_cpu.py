#!/usr/bin/env python3
"""Plots CPU (cores) versus concurrent streams for livesnap and the
nginx-rtmp + ffmpeg baselines with gnuplot, from the JSON that
bench/capacity.py and bench/baseline.py write.

    bench/plot_cpu.py --capacity capacity.json --baseline baseline.json \\
        --out docs/benchmarks-cpu.png
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def series(capacity, baseline):
    points = {"livesnap": {}, "decode": {}, "skip_frame": {}}
    for r in capacity.get("results", []) if capacity else []:
        points["livesnap"][r["streams"]] = r["server_cores"]
    for r in baseline.get("results", []) if baseline else []:
        if r.get("pushed_by") == "real ffmpeg":
            continue  # the cross-check at one N, not a point of the curves
        points[r["variant"]].setdefault(r["streams"], r["cores"])
    return points


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--capacity", type=Path)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    capacity = json.loads(args.capacity.read_text()) if args.capacity else None
    baseline = json.loads(args.baseline.read_text()) if args.baseline else None
    points = series(capacity, baseline)
    titles = {"livesnap": "livesnap (livesnapd)",
              "decode": "nginx-rtmp + ffmpeg per stream, -vf fps=1/5",
              "skip_frame": "nginx-rtmp + ffmpeg per stream, -skip_frame nokey"}
    with tempfile.TemporaryDirectory() as tmp:
        plots = []
        for index, (name, data) in enumerate(points.items()):
            if not data:
                continue
            path = Path(tmp) / f"{name}.dat"
            path.write_text("".join(f"{n} {cores}\n" for n, cores in sorted(data.items())))
            plots.append(f"'{path}' using 1:2 with linespoints ls {index + 1} "
                         f"title '{titles[name]}', "
                         f"'{path}' using 1:2:(sprintf('%.2f', $2)) with labels offset 0,1 "
                         f"font ',8' notitle")
        script = f"""
set terminal pngcairo noenhanced size 900,540 font 'DejaVu Sans,10'
set output '{args.out}'
set title 'CPU for live 5 s snapshots of N streams of 720p30 at 2 Mbit/s written as ffmpeg writes them (2 cores)'
set xlabel 'concurrent streams N'
set ylabel 'CPU (cores, user+sys)'
set logscale xy
set xrange [3:1500]
set yrange [0.01:4]
set grid xtics ytics mxtics mytics
set key bottom right opaque box
set arrow from 3,2 to 1500,2 nohead dashtype 2 lc rgb '#888888'
set label 'all of this machine' at 4,2.3 textcolor rgb '#666666' font ',8'
set style line 1 lc rgb '#1b7837' lw 2 pt 7
set style line 2 lc rgb '#b2182b' lw 2 pt 5
set style line 3 lc rgb '#ef8a62' lw 2 pt 9
plot {', '.join(plots)}
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
