#!/usr/bin/env python3
"""Crash test: a ledger writer is killed with SIGKILL at random points while committing.

After every kill the database is reopened (as a restarted server would) and we check that
every write the writer had acknowledged is present byte for byte, that the checkpoint signed
on restart is consistent with the last one the writer saw, and that `qtrace verify` passes.
Writers alternate between bulk groups and concurrent single submissions so kills land in
every step of the commit path (stage, commit, sign, persist, answer).

usage: test_crash_kill.py LEDGER_WRITER QTRACE [--kills N] [--seed S]
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time


def run(cmd, what):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAIL after {what}: {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("writer")
    ap.add_argument("qtrace")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    print(f"seed {a.seed}")
    with tempfile.TemporaryDirectory() as d:
        db, acks = os.path.join(d, "crash.db"), os.path.join(d, "acks")
        run([a.qtrace, "init", "--db", db, "--origin", "crash.example/log", "--catalog", "none"], "init")
        # 2000: groups large enough to be prepared and hashed on the helper thread beside
        # their staging (log.c's FEED_MIN)
        modes = [("1", None), ("10", None), ("500", None), ("2000", None), ("1", "4"), ("1", "16")]
        for k in range(a.kills):
            batch, threads = rng.choice(modes)
            cmd = [a.writer, "write", db, acks, "1000000000", batch] + ([threads] if threads else [])
            w = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(rng.uniform(0.01, 0.3))
            w.send_signal(signal.SIGKILL)
            _, err = w.communicate()
            if w.returncode != -signal.SIGKILL:
                sys.exit(f"FAIL: writer ended before the kill ({w.returncode}): {err.decode()}")
            out = run([a.writer, "check", db, acks], f"kill {k + 1} (batch {batch}, threads {threads})")
            run([a.qtrace, "verify", "--db", db], f"kill {k + 1}")
            if (k + 1) % 10 == 0 or k + 1 == a.kills:
                print(f"kill {k + 1}: {out.strip()}")
        final = run([a.qtrace, "verify", "--db", db], "the last kill")
        print(f"{a.kills} kills: every acknowledged write present, checkpoints consistent; {final.strip()}")


if __name__ == "__main__":
    main()
