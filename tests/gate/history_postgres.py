#!/usr/bin/env python3
"""The history store on a real PostgreSQL server (Debian's): initdb in a temporary directory, the server listening
on a Unix socket there only (no TCP port), stopped and removed at the end.

1. Concurrent record: W `skbench record --db postgresql://...` processes released together, R rounds (the first
   round creates the tables while the others wait): every run lands once, complete.
2. Kill: `skbench record` of a large run is SIGKILLed while its transaction is open on the server (seen in
   pg_stat_activity); the server rolls it back: the store holds only complete runs, none lost.
3. Readers: `skbench history` (machines, trends), `skbench report` (HTML and Markdown with the history charts) and
   `skbench gate --baseline URI` read the server's store.
4. Refusals: a database that does not exist, a wrong password (not printed back) and another program's database
   are refused with exit 2 and one line naming the store; the foreign table is left as it was.
Exit 0 on success, 1 on a failure, 77 (ctest: skipped) with the reason when no PostgreSQL server can start here."""
import argparse
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import Checklist  # noqa: E402
from history_kill import big_results  # noqa: E402
from history_store import results_file, run_together  # noqa: E402

SKIP = 77


class Unavailable(Exception):
    """PostgreSQL cannot run here: the test is skipped with this reason."""


class Server:
    """A throwaway PostgreSQL cluster. As root, the server runs as the `postgres` account (it refuses root)."""

    def __init__(self, tmp):
        self.bin = self.find_binaries()
        self.data, self.socket = os.path.join(tmp, "data"), os.path.join(tmp, "socket")
        os.makedirs(self.socket)
        self.as_user = []
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no `postgres` account to run the server as")
            os.chmod(tmp, 0o755)
            os.chown(self.socket, account.pw_uid, account.pw_gid)
            os.makedirs(self.data)
            os.chown(self.data, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.log = os.path.join(self.socket, "server.log")

    @staticmethod
    def find_binaries():
        for directory in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True) + [
                os.path.dirname(shutil.which("initdb") or "/nonexistent/initdb")]:
            if all(os.access(os.path.join(directory, b), os.X_OK) for b in ("initdb", "pg_ctl", "psql")):
                return directory
        raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl, psql): apt-get install postgresql")

    def run(self, tool, *args, check=True):
        p = subprocess.run(self.as_user + [os.path.join(self.bin, tool), *args], capture_output=True, text=True,
                           timeout=120)
        if check and p.returncode != 0:
            raise Unavailable(f"{tool} exit {p.returncode}: {(p.stderr or p.stdout).strip().splitlines()[-1:]}")
        return p

    def start(self):
        self.run("initdb", "-D", self.data, "-A", "trust", "-U", "skb", "-E", "UTF8", "--no-sync")
        self.run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-o",
                 f"-c listen_addresses='' -k {self.socket}", "start")

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)

    def uri(self, database, user="skb"):
        return f"postgresql://{user}@/{database}?host={self.socket}"

    def sql(self, database, statement):
        """Rows of a statement as lists of strings (psql, unaligned)."""
        p = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                            "-h", self.socket, "-U", "skb", "-d", database, "-c", statement],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"psql: {statement}: {p.stderr.strip()}")
        return [line.split("\t") for line in p.stdout.splitlines() if line]


def incomplete_runs(server, database):
    """Runs whose stored cases or timings differ from their declared case count."""
    return server.sql(database, "SELECT r.id, r.cases, "
                                "(SELECT count(*) FROM cases c WHERE c.run_id = r.id), "
                                "(SELECT count(*) FROM measurements m WHERE m.run_id = r.id AND m.metric = 'real_time_ms') "
                                "FROM runs r WHERE r.cases <> (SELECT count(*) FROM cases c WHERE c.run_id = r.id) "
                                "OR r.cases <> (SELECT count(*) FROM measurements m "
                                "WHERE m.run_id = r.id AND m.metric = 'real_time_ms')")


def check_concurrent(c, skbench, server, tmp, writers, rounds):
    uri = server.uri("history")
    inputs = []
    for w in range(writers):
        path = os.path.join(tmp, f"writer{w}.json")
        results_file(path, f"writer{w}", 500)
        inputs.append(path)
    failures = []
    for r in range(rounds):
        results = run_together([[skbench, "record", "--db", uri, path] for path in inputs], os.path.join(tmp, f"go{r}"))
        for w, (returncode, err) in enumerate(results):
            if returncode != 0:
                failures.append(f"round {r} writer {w}: exit {returncode}: {err.strip()}")
    c.check(not failures, f"{writers} writers x {rounds} rounds released together all exit 0 {failures[:2]}")
    per_writer = dict(server.sql("history", "SELECT git_sha, count(*) FROM runs GROUP BY git_sha"))
    c.check(per_writer == {f"writer{w}": str(rounds) for w in range(writers)},
            f"every run landed exactly once: runs per writer {per_writer}")
    c.check(not incomplete_runs(server, "history"), "every run is complete (cases and timings = declared count)")
    return inputs


def check_kill(c, skbench, server, tmp, kills):
    uri = server.uri("killed")
    results = os.path.join(tmp, "big.json")
    big_results(results, 4000)
    start = time.monotonic()
    subprocess.run([skbench, "record", results, "--db", uri], check=True, stdout=subprocess.DEVNULL, timeout=300)
    full = time.monotonic() - start
    expected, killed_open = 1, 0
    for _ in range(kills):
        proc = subprocess.Popen([skbench, "record", results, "--db", uri], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10 * full + 10
        while proc.poll() is None and time.monotonic() < deadline:
            # An open transaction that has written: the server gave it a transaction id.
            if server.sql("killed", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'skbench' "
                                    "AND backend_xid IS NOT NULL")[0][0] != "0":
                break
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_open += 1
        proc.wait()
        # The server notices the dropped connection and rolls back; wait until that backend is gone.
        gone_by = time.monotonic() + 30
        while server.sql("killed", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'skbench'")[0][0] != "0":
            if time.monotonic() > gone_by:
                raise AssertionError("the killed writer's backend is still there after 30 s")
            time.sleep(0.05)
        runs = int(server.sql("killed", "SELECT count(*) FROM runs")[0][0])
        committed = runs - expected
        ok = committed in (0, 1) and not (proc.returncode == 0 and committed != 1)
        c.check(ok and not incomplete_runs(server, "killed"),
                f"record killed (exit {proc.returncode}): {runs} complete runs, expected {expected} or {expected + 1}")
        expected = runs
    c.check(killed_open >= kills // 2,
            f"{killed_open} of {kills} writers were killed with their transaction open (a full record: {full:.2f} s)")


def check_readers(c, skbench, server, tmp, some_results):
    uri = server.uri("history")

    def run(*args):
        return subprocess.run([skbench, *args], capture_output=True, text=True, timeout=300)

    p = run("history", "--db", uri)
    c.check(p.returncode == 0 and "runs from 1 machines" in p.stdout, f"skbench history lists the machines: {p.stdout[:120]!r}")
    p = run("history", "--db", uri, "--case", "gaussian/opt/8x8/", "--last", "4")
    c.check(p.returncode == 0 and "gaussian/opt/8x8/" in p.stdout, "skbench history --case shows the trend")
    html, md = os.path.join(tmp, "report.html"), os.path.join(tmp, "report.md")
    p = run("report", uri, "--html", html, "--md", md, "--max-history-runs", "6")
    c.check(p.returncode == 0 and "6 history run(s)" in p.stdout, f"skbench report reads the store: {p.stdout.strip()}")
    c.check(os.path.exists(html) and 'id="history"' in open(html).read(), "the HTML report has the history charts")
    p = run("gate", "--baseline", uri, "--current", some_results)
    c.check(p.returncode == 0, f"skbench gate against the store's newest run of this machine passes (exit {p.returncode})")


def check_refusals(c, skbench, server, tmp, some_results):
    server.sql("postgres", "CREATE DATABASE other")
    server.sql("other", "CREATE TABLE accounts(id SERIAL PRIMARY KEY, owner TEXT); INSERT INTO accounts(owner) VALUES ('someone')")
    missing = server.uri("does_not_exist")
    secret = f"postgresql://skb:s3cret-pw@/does_not_exist?host={server.socket}"
    cases = [("a database that does not exist", missing, "does_not_exist"),
             ("a URI with a password", secret, "skb:***@"),
             ("another program's database", server.uri("other"), "accounts")]
    for what, uri, named in cases:
        for cmd in (["record", "--db", uri, some_results], ["history", "--db", uri]):
            p = subprocess.run([skbench, *cmd], capture_output=True, text=True, timeout=120)
            err = p.stderr.strip()
            c.check(p.returncode == 2 and len(err.splitlines()) == 1 and named in err and "s3cret" not in err,
                    f"{what}: skbench {cmd[0]} exit {p.returncode}, one line naming it: {err}")
    tables = server.sql("other", "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
    c.check(tables == [["accounts"]], f"the foreign database's tables are as they were: {tables}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skbench", required=True)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kills", type=int, default=6)
    args = parser.parse_args()
    c = Checklist("history_postgres")
    tmp = tempfile.mkdtemp(prefix="skb-pg-")
    server = None
    try:
        try:
            server = Server(tmp)
            server.start()
            server.sql("postgres", "CREATE DATABASE history")
            server.sql("postgres", "CREATE DATABASE killed")
        except (Unavailable, AssertionError, OSError, subprocess.SubprocessError) as e:
            print(f"history_postgres: SKIPPED: PostgreSQL cannot start here: {e}")
            return SKIP
        inputs = check_concurrent(c, args.skbench, server, tmp, args.writers, args.rounds)
        check_kill(c, args.skbench, server, tmp, args.kills)
        check_readers(c, args.skbench, server, tmp, inputs[0])
        check_refusals(c, args.skbench, server, tmp, inputs[0])
    except AssertionError as e:
        c.check(False, str(e))
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
