"""The parts of a scale-out on one machine, from Debian's packages (tests/test_cluster.py, docs/deploy.md):
a PostgreSQL 15 primary with a streaming standby, Redis, gunicorn app servers, nginx with TLS."""

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.server import free_port, kill, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def run(*command, **options) -> subprocess.CompletedProcess:
    """Run a command (as the postgres user when it is a PostgreSQL server tool and we are root)."""
    command = [str(part) for part in command]
    if os.geteuid() == 0 and Path(command[0]).parent == PG_BIN:
        command = ["runuser", "-u", "postgres", "--", *command]
    return subprocess.run(command, check=True, capture_output=True, text=True, **options)


@contextmanager
def postgres(folder: Path):
    """Yield the ports of a primary and of its streaming standby (pg_basebackup -R)."""
    primary, standby = folder / "primary", folder / "standby"
    ports = free_port(), free_port()
    run(PG_BIN / "initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
    with open(primary / "postgresql.conf", "a") as conf:
        conf.write(
            f"listen_addresses = '127.0.0.1'\nport = {ports[0]}\nunix_socket_directories = '{folder}'\n"
            "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
        )
    run(PG_BIN / "pg_ctl", "-D", primary, "-l", folder / "primary.log", "-w", "start")
    try:
        run(
            PG_BIN / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            ports[0],
            "-U",
            "postgres",
            "-D",
            standby,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        run(
            PG_BIN / "pg_ctl",
            "-D",
            standby,
            "-l",
            folder / "standby.log",
            "-o",
            f"-p {ports[1]}",
            "-w",
            "start",
        )
        try:
            yield ports
        finally:
            run(PG_BIN / "pg_ctl", "-D", standby, "-m", "immediate", "stop")
    finally:
        run(PG_BIN / "pg_ctl", "-D", primary, "-m", "fast", "stop")


@contextmanager
def redis_url():
    """Yield a Redis URL: the one running at 127.0.0.1:6379, else an own redis-server on a free port."""
    import redis

    with suppress(redis.RedisError):
        if redis.Redis(host="127.0.0.1", port=6379, socket_timeout=1).ping():
            yield "redis://127.0.0.1:6379/0"
            return
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not redis.Redis(port=port).ping() if time.monotonic() < deadline else False:
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        kill(server)


@contextmanager
def app_server(folder: Path, name: str, entry: str, env: dict):
    """Run gunicorn with deploy/gunicorn.conf.py; yield (process, port, log path)."""
    port, log = free_port(), folder / f"{name}.log"
    environment = (
        {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        | env
        | {"HAILONG_BIND": f"127.0.0.1:{port}", "HAILONG_WORKERS": "2"}
    )
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", ROOT / "deploy" / "gunicorn.conf.py", entry],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
    try:
        wait_until_up(port, process, timeout=90)
        yield process, port, log
    finally:
        kill(process)


@contextmanager
def nginx(folder: Path, upstreams: list[int]):
    """Run nginx with deploy/nginx/hailong.conf (ports, paths and a self-signed certificate filled in)."""
    home = folder / "nginx"
    (home / "ssl").mkdir(parents=True)
    run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        home / "ssl" / "privkey.pem",
        "-out",
        home / "ssl" / "fullchain.pem",
    )
    http_port, https_port = free_port(), free_port()
    site = (ROOT / "deploy" / "nginx" / "hailong.conf").read_text()
    site = site.replace(
        "    server 127.0.0.1:8000 max_fails=1 fail_timeout=10s;\n",
        "".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;\n" for port in upstreams),
    )
    for old, new in (
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/ssl/hailong/", f"{home}/ssl/"),
        ("/opt/hailong/static/", f"{ROOT}/survey/static/"),
        ("/var/log/nginx/", f"{home}/"),
        ("/var/www/html", str(home)),
    ):
        assert old in site, old
        site = site.replace(old, new)
    (home / "hailong.conf").write_text(site)
    temp = "".join(
        f"{kind}_temp_path {home}/{kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (home / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "") + f"worker_processes 1;\npid {home}/nginx.pid;\n"
        f"error_log {home}/error.log warn;\nevents {{ worker_connections 512; }}\n"
        f"http {{\ninclude /etc/nginx/mime.types;\ndefault_type application/octet-stream;\n{temp}"
        f"include {home}/hailong.conf;\n}}\n"
    )
    command = [shutil.which("nginx") or "/usr/sbin/nginx", "-p", str(home), "-c", str(home / "nginx.conf")]
    run(*command, "-t")
    process = subprocess.Popen([*command, "-g", "daemon off;"], start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with suppress(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{http_port}/", allow_redirects=False, timeout=1)
                break
            time.sleep(0.1)
        yield http_port, https_port, str(home / "ssl" / "fullchain.pem")
    finally:
        kill(process)


def caught_up(primary: str, standby: str, timeout: float = 60) -> float:
    """Wait until the standby has replayed all the primary has written; return the seconds it took."""
    started = time.monotonic()
    engines = create_engine(primary), create_engine(standby)
    try:
        with engines[0].connect() as connection:
            target = connection.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        while time.monotonic() - started < timeout:
            with engines[1].connect() as connection:
                if connection.execute(
                    text("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), CAST(:target AS pg_lsn)) >= 0"),
                    {"target": target},
                ).scalar_one():
                    return time.monotonic() - started
            time.sleep(0.1)
        raise TimeoutError("the standby did not catch up")
    finally:
        for engine in engines:
            engine.dispose()


def forget_keys(url: str, prefix: str) -> None:
    """Delete this run's rate-limit counters from Redis."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


def survivor_metrics(port: int) -> dict:
    """Return the surviving app server's figures: folds after writes, submissions, the queue left."""
    body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    wanted = (
        "hailong_tally_folds_total",
        "hailong_tally_folded_responses_total",
        "hailong_submissions_total",
        "hailong_tally_queue_responses",
    )
    figures: dict = {}
    for line in body.splitlines():
        name = line.split("{")[0].split(" ")[0]
        if name in wanted:
            figures[name] = figures.get(name, 0) + float(line.rsplit(" ", 1)[1])
    assert figures["hailong_tally_queue_responses"] == 0  # `flask tally` folded the rest on the primary
    return figures


def record(figures: dict) -> None:
    """Print the figures and keep them in benchmarks/cluster/latest.json."""
    text_ = json.dumps(figures, indent=2, ensure_ascii=False)
    print(text_)
    folder = ROOT / "benchmarks" / "cluster"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(text_ + "\n", encoding="utf-8")
