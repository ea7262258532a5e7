"""Shared parts of the capacity and baseline benchmarks (Python stdlib only).

What is measured and how:
- CPU of a process (or of a process tree: nginx and every ffmpeg it started)
  is utime + stime from /proc/<pid>/stat, per thread from
  /proc/<pid>/task/<tid>/stat, as a difference over a steady window divided
  by the window's wall time: cores in use.
- Memory is VmRSS and VmHWM from /proc/<pid>/status.
- livesnapd's counters and histograms come from its /metrics.
- Snapshot lateness is exact per snapshot: the catalog records when each
  snapshot's keyframe arrived (capture_ms), and the sequence object's ctime
  is when FileStore renamed it into place (the rename sets it).
"""

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- /proc ----

def _stat_fields(path):
    """Fields of a /proc stat file after the command name (field 3 onward)."""
    with open(path) as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()


def process_cpu_s(pid):
    """utime + stime of a process (all its threads), in seconds."""
    fields = _stat_fields(f"/proc/{pid}/stat")
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_cpu_s(pid):
    """{thread name: utime + stime summed over the threads of that name}."""
    result = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            fields = _stat_fields(f"/proc/{pid}/task/{tid}/stat")
        except (FileNotFoundError, ProcessLookupError):
            continue
        result[name] = result.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return result


def _parents():
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            parents[int(entry)] = int(_stat_fields(f"/proc/{entry}/stat")[1])
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
    return parents


def tree_pids(root):
    """root and every descendant alive now."""
    parents = _parents()
    children = {}
    for pid, parent in parents.items():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def tree_cpu_s(root):
    """{pid: cpu seconds} over the tree, including reaped children's time."""
    result = {}
    for pid in tree_pids(root):
        try:
            fields = _stat_fields(f"/proc/{pid}/stat")
        except (FileNotFoundError, ProcessLookupError):
            continue
        # utime stime cutime cstime: reaped children count where they ran.
        result[pid] = sum(int(x) for x in fields[11:15]) / CLK_TCK
    return result


def tree_cpu_delta_s(before, after):
    """CPU used between two tree_cpu_s samples by processes alive in both,
    plus what processes born in between used."""
    total = 0.0
    for pid, cpu in after.items():
        total += cpu - before.get(pid, 0.0)
    return total


def cores_after(process, warmup_s, window_s):
    """`process`'s CPU (user + system, cores) over `window_s` after `warmup_s`."""
    time.sleep(warmup_s)
    before, start = process_cpu_s(process.pid), time.monotonic()
    time.sleep(window_s)
    return (process_cpu_s(process.pid) - before) / (time.monotonic() - start)


def memory_kib(pid):
    """{'VmRSS': KiB, 'VmHWM': KiB} of a process."""
    result = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                result[key] = int(value.split()[0])
    return result


def tree_rss_kib(root):
    total = 0
    for pid in tree_pids(root):
        try:
            total += memory_kib(pid).get("VmRSS", 0)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def system_cpu():
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def loadavg():
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return {"nproc": os.cpu_count(), "cpu_model": model,
            "ram_gib": round(mem_kib / 1024 / 1024, 1), "kernel": os.uname().release}


class RssSampler:
    """Samples a value (e.g. RSS) every `period_s` on a thread; max and mean."""

    def __init__(self, sample, period_s=1.0):
        self._sample, self._period = sample, period_s
        self.values = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                self.values.append(self._sample())
            except (FileNotFoundError, ProcessLookupError):
                pass
            self._stop.wait(self._period)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self


# --------------------------------------------------------------- metrics ----

def scrape(port):
    """Prometheus text format -> {(name, ((label, value), ...)): float}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        labels = ()
        if "{" in name_labels:
            name, _, rest = name_labels.partition("{")
            pairs = []
            for item in rest.rstrip("}").split(","):
                if "=" in item:
                    key, _, val = item.partition("=")
                    # livesnapd labels every sample with its node_id; the
                    # benchmarks look samples up by their own labels.
                    if key.strip() != "node_id":
                        pairs.append((key.strip(), val.strip().strip('"')))
            labels = tuple(sorted(pairs))
        else:
            name = name_labels
        try:
            samples[(name, labels)] = float(value)
        except ValueError:
            continue
    return samples


def metric(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def metric_sum(samples, name):
    return sum(v for (n, _), v in samples.items() if n == name)


def histogram_delta(before, after, name):
    """[(upper bound, count)] of a histogram's increase between two scrapes."""
    buckets = []
    for (n, labels), value in after.items():
        if n != name + "_bucket":
            continue
        le = dict(labels)["le"]
        bound = float("inf") if le == "+Inf" else float(le)
        buckets.append((bound, value - before.get((n, labels), 0.0)))
    return sorted(buckets)


def histogram_quantile(buckets, q):
    """Prometheus-style linear interpolation inside the bucket; None if empty."""
    total = buckets[-1][1] if buckets else 0
    if total <= 0:
        return None
    rank, lower, below = q * total, 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1)
        lower, below = bound, count
    return lower


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[index]


# ----------------------------------------------------------------- media ----

def make_clip(path, width=1280, height=720, fps=30, seconds=10, bitrate="2M", gop_s=2):
    """testsrc2 + sine as H.264 (libx264 veryfast, CBR `bitrate`, a keyframe
    every gop_s seconds exactly) and AAC in FLV; kept if already made."""
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    gop = str(fps * gop_s)
    command = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={fps}",
        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
        "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
        "-b:v", bitrate, "-minrate", bitrate, "-maxrate", bitrate, "-bufsize", bitrate,
        "-x264-params", "nal-hrd=cbr:force-cfr=1",
        "-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
        "-c:a", "aac", "-b:a", "64k", "-f", "flv", str(path) + ".tmp"]
    subprocess.run(command, check=True)
    os.rename(str(path) + ".tmp", path)
    return path


def expected_snapshots(first_keyframe_ms, last_keyframe_ms, gop_ms, interval_ms):
    """Snapshots DESIGN.md's timing rules give a stream whose keyframes came
    every gop_ms from first to last: the first keyframe, then the first
    keyframe at or after each due time, due times within one GOP collapsing."""
    if last_keyframe_ms < first_keyframe_ms:
        return 0
    count, t0 = 1, first_keyframe_ms
    next_due = t0 + interval_ms
    keyframe = t0 + gop_ms
    while keyframe <= last_keyframe_ms:
        if keyframe >= next_due:
            count += 1
            next_due = t0 + ((keyframe - t0) // interval_ms + 1) * interval_ms
        keyframe += gop_ms
    return count


# ------------------------------------------------------------- processes ----

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out after {timeout_s} s waiting for {what}")


def stop_process(process, sig=signal.SIGTERM, timeout_s=30):
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def open_fds(pid):
    """Number of open file descriptors of a process (/proc/PID/fd)."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def thread_count(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def healthz_status(port):
    """HTTP status of GET /healthz (200 ok, 503 degraded), 0 if no answer."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


class Livesnapd:
    """livesnapd on free loopback ports with one template and one storage
    location "shots": the file store, or an S3 store at `s3_url` (path
    addressing, bucket `s3_bucket`); the catalog SQLite under data_dir, or
    the PostgreSQL at `catalog_url`. With `srt`, an SRT listener too
    (srt_port), whose stream ids default to the domain 127.0.0.1."""

    def __init__(self, binary, directory, interval_s=5, workers=2, log_level="info",
                 s3_url=None, s3_bucket="shots", catalog_url=None, rtmp_extra="", srt=False):
        self.dir = Path(directory).resolve()
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        self.rtmp_port, self.api_port = free_port(), free_port()
        self.srt_port = free_port() if srt else 0
        srt_section = (f'[srt]\nlisten = "127.0.0.1:{self.srt_port}"\n'
                       'default_domain = "127.0.0.1"\n'
                       "max_connections_per_ip = 5000\npublishes_per_second_per_ip = 1000\n"
                       if srt else "")
        self.shots = self.dir / "shots"
        self.config = self.dir / "livesnap.toml"
        catalog = f'[catalog]\nurl = "{catalog_url}"\n' if catalog_url else ""
        if s3_url:
            # s3rver accepts any signature; the keys only have to be present.
            store = (f'kind = "s3"\nurl = "{s3_url}"\nbucket = "{s3_bucket}"\n'
                     'access_key_id = "S3RVER"\nsecret_access_key = "S3RVER"\n'
                     "connect_timeout_ms = 1000\ntimeout_ms = 10000\n")
        else:
            store = f'kind = "file"\nroot = "{self.shots}"\n'
        self.config.write_text(f"""[server]
log_level = "{log_level}"
data_dir = "{self.dir / 'data'}"
{catalog}[rtmp]
listen = "127.0.0.1:{self.rtmp_port}"
# Every load-generated stream comes from 127.0.0.1, as from a relay.
max_connections_per_ip = 5000
publishes_per_second_per_ip = 1000
{rtmp_extra}
{srt_section}[api]
listen = "127.0.0.1:{self.api_port}"
auth = "off"
[snapshot]
workers = {workers}
[[storage]]
name = "shots"
region = "local"
endpoint = "file.local"
{store}[[domain]]
name = "127.0.0.1"
region = "local"
[[template]]
domain = "127.0.0.1"
app = "*"
interval = {interval_s}
bucket = "shots"
overwrite = "{{AppName}}/{{StreamName}}.jpg"
sequence = "{{AppName}}/{{StreamName}}/{{Sequence}}.jpg"
""")
        self.log_path = self.dir / "livesnapd.log"
        self.command = [str(binary), "-c", str(self.config)]
        self.process = None

    def start(self):
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT)
        wait_for(lambda: "livesnapd ready" in self.log() or self.process.poll() is not None,
                 60, "livesnapd ready")
        if self.process.poll() is not None:
            raise RuntimeError("livesnapd exited:\n" + self.log())

    def log(self):
        return self.log_path.read_text(errors="replace")

    @property
    def pid(self):
        return self.process.pid

    def stop(self):
        code = stop_process(self.process)
        self._log.close()
        return code

    def records(self):
        """(stream, overlay, object_key, capture_ms) of every snapshot record."""
        db = sqlite3.connect(f"file:{self.dir / 'data' / 'catalog.db'}?mode=ro", uri=True)
        try:
            return db.execute(
                "SELECT stream, overlay, object_key, capture_ms FROM snapshot_records").fetchall()
        finally:
            db.close()


class S3rver:
    """s3rver (tests/s3) as a store that can go down and come back on the same
    port and directory: start() once, then stop() and start() again."""

    def __init__(self, directory, bucket="shots"):
        self.repo = Path(__file__).resolve().parent.parent
        self.dir = Path(directory).resolve()
        self.bucket, self.port, self.process = bucket, 0, None
        fixture = self.repo / "tests" / "s3" / "s3rver_fixture.sh"
        subprocess.run([str(fixture), "install", str(self.dir)], check=True)
        shutil.rmtree(self.dir / "data", ignore_errors=True)

    def start(self):
        ready = self.dir / "port"
        ready.unlink(missing_ok=True)
        self._log = open(self.dir / "s3rver.log", "a")
        self.process = subprocess.Popen(
            ["node", "--openssl-legacy-provider", str(self.repo / "tests" / "s3" / "s3rver_main.js"),
             "--modules", str(self.dir / "npm" / "node_modules"), "--directory",
             str(self.dir / "data"), "--port", str(self.port), "--bucket", self.bucket,
             "--ready-file", str(ready)],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        wait_for(lambda: ready.exists() or self.process.poll() is not None, 60, "s3rver ready")
        if self.process.poll() is not None:
            raise RuntimeError("s3rver exited: " + (self.dir / "s3rver.log").read_text())
        self.port = int(ready.read_text().strip())

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def objects(self):
        """Files s3rver keeps for the bucket's objects (one per object)."""
        return sum(1 for p in (self.dir / "data" / self.bucket).rglob("*")
                   if p.is_file() and not p.name.startswith("."))

    def stop(self):
        code = stop_process(self.process)
        self._log.close()
        return code


class PostgreSQL:
    """A PostgreSQL cluster from tests/postgres/pg_fixture.sh."""

    def __init__(self, directory):
        repo = Path(__file__).resolve().parent.parent
        self.fixture = str(repo / "tests" / "postgres" / "pg_fixture.sh")
        self.dir = Path(directory).resolve()

    def start(self):
        subprocess.run([self.fixture, "start", str(self.dir)], check=True, stdout=subprocess.DEVNULL)
        self.url = (self.dir / "url").read_text().strip()

    def restart(self, seconds_down):
        subprocess.run([self.fixture, "restart", str(self.dir), str(seconds_down)], check=True,
                       stdout=subprocess.DEVNULL)

    def stop(self):
        subprocess.run([self.fixture, "stop", str(self.dir)], check=False, stdout=subprocess.DEVNULL)


class Nginx:
    """nginx with libnginx-mod-rtmp, exec_push running ffmpeg per stream."""

    MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

    def __init__(self, directory, ffmpeg_input_args=(), interval_s=5):
        self.dir = Path(directory).resolve()
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "shots").mkdir(parents=True)
        (self.dir / "logs").mkdir()
        self.rtmp_port = free_port()
        input_args = " ".join(ffmpeg_input_args)
        self.ffmpeg = (f"{shutil.which('ffmpeg')} -hide_banner -loglevel error {input_args} "
                       f"-i rtmp://127.0.0.1:{self.rtmp_port}/live/$name "
                       f"-vf fps=1/{interval_s} -update 1 -y {self.dir / 'shots'}/$name.jpg")
        self.config = self.dir / "nginx.conf"
        self.config.write_text(f"""load_module {self.MODULE};
user root;
daemon off;
master_process on;
worker_processes 1;
pid {self.dir / 'nginx.pid'};
error_log {self.dir / 'logs' / 'error.log'} warn;
events {{ worker_connections 8192; }}
rtmp {{
  server {{
    listen 127.0.0.1:{self.rtmp_port};
    chunk_size 4096;
    application live {{
      live on;
      record off;
      exec_push {self.ffmpeg};
    }}
  }}
}}
""")
        self.command = ["nginx", "-p", str(self.dir), "-e", str(self.dir / "logs" / "error.log"),
                        "-c", str(self.config)]
        self.process = None

    def start(self):
        self._log = open(self.dir / "logs" / "stdout.log", "w")
        self.process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT)

        def listening():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.rtmp_port)) == 0
        wait_for(lambda: listening() or self.process.poll() is not None, 30, "nginx listening")
        if self.process.poll() is not None:
            raise RuntimeError("nginx exited: " + (self.dir / "logs" / "error.log").read_text())

    @property
    def pid(self):
        return self.process.pid

    def ffmpeg_count(self):
        count = 0
        for pid in tree_pids(self.pid):
            try:
                with open(f"/proc/{pid}/comm") as f:
                    count += f.read().strip() == "ffmpeg"
            except FileNotFoundError:
                continue
        return count

    def images(self):
        return sorted(p.name for p in (self.dir / "shots").glob("*.jpg"))

    def stop(self):
        code = stop_process(self.process, signal.SIGQUIT)
        self._log.close()
        return code


class Loadgen:
    """livesnap-loadgen in the background, its JSON report at the end."""

    def __init__(self, binary, clip, port, streams, ramp, duration_s, directory, app="live",
                 extra=(), protocol="rtmp"):
        """protocol "srt": `clip` is MPEG-TS and `port` the SRT listener's."""
        self.json_path = Path(directory) / "loadgen.json"
        self.log_path = Path(directory) / "loadgen.log"
        self.command = [str(binary), "--protocol", protocol, "--file", str(clip),
                        "--url", f"{protocol}://127.0.0.1:{port}",
                        "--app", app, "-n", str(streams), "--ramp", str(ramp),
                        "--duration", str(duration_s), "--json", str(self.json_path),
                        "--progress", "5", "-q", *extra]
        self.process = None

    def start(self):
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(self.command, stdout=self._log, stderr=subprocess.STDOUT)

    @property
    def pid(self):
        return self.process.pid

    def wait(self, timeout_s):
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            stop_process(self.process, signal.SIGINT)
        self._log.close()
        return json.loads(self.json_path.read_text())


class FfmpegPushers:
    """N real `ffmpeg -re -stream_loop -1 -c copy -f flv` processes pushing one
    clip to URL/app/s{i}, started `ramp` a second: what users' encoders send,
    write for write."""

    def __init__(self, clip, url, streams, ramp, directory, app="live"):
        self.clip, self.url, self.streams, self.ramp = clip, url, streams, ramp
        self.dir, self.app = Path(directory), app
        self.processes = []

    def start(self):
        for i in range(self.streams):
            with open(self.dir / f"ffmpeg-push-{i}.log", "w") as log:
                self.processes.append(subprocess.Popen(
                    ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                     "-stream_loop", "-1", "-i", str(self.clip), "-c", "copy", "-f", "flv",
                     f"{self.url}/{self.app}/s{i}"], stdout=log, stderr=subprocess.STDOUT))
            if self.ramp > 0:
                time.sleep(1 / self.ramp)

    def cpu_s(self):
        total = 0.0
        for process in self.processes:
            try:
                total += process_cpu_s(process.pid)
            except (FileNotFoundError, ProcessLookupError):
                continue
        return total

    def running(self):
        return sum(process.poll() is None for process in self.processes)

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            stop_process(process, signal.SIGINT)


def shell_line(argv):
    return " ".join(a if a and all(c.isalnum() or c in "-_./=:,@%+" for c in a)
                    else "'" + a.replace("'", "'\\''") + "'" for a in map(str, argv))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
