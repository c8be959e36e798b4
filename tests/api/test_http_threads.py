"""API tests: the server's epoll threads share the work of keep-alive clients that connect
in a burst. libmicrohttpd's threads each accepted from the listening socket on their own,
and such a burst could land wholly on one of them, leaving the other cores idle for those
connections' lives. The server now accepts them itself and gives each to the thread holding
the fewest.
Run: /usr/bin/python3 test_http_threads.py QTRACE"""
import http.client
import os
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"
TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu(pid):
    """{tid: (name, CPU seconds)} of every thread of process pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
        except FileNotFoundError:
            continue  # ended meanwhile
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(tid)] = (name, (int(fields[11]) + int(fields[12])) / TICK)
    return out


class Threads(unittest.TestCase):
    def test_burst_of_clients_uses_every_thread(self):
        with qtapi.Server(QTRACE, serve_args=("--threads", "2")) as srv:
            tok, _ = qtapi.register_units(srv, [("甲", "440305", "A0000001", ("producer",))])
            product = qtapi.cable_product(srv, tok["甲"])
            _, codes = qtapi.item_batch(srv, tok["甲"], product, 50)
            paths = ["/api/v1/codes/" + urllib.parse.quote(c, safe="") for c in codes]
            # four keep-alive clients connect at once, then take turns
            conns = [http.client.HTTPConnection("127.0.0.1", srv.port) for _ in range(4)]
            for c in conns:
                c.connect()
            before = thread_cpu(srv.proc.pid)
            for i in range(6000):
                c = conns[i % len(conns)]
                c.request("GET", paths[i % len(paths)])
                r = c.getresponse()
                r.read()
                self.assertEqual(r.status, 200)
            after = thread_cpu(srv.proc.pid)
            for c in conns:
                c.close()
            used = sorted((cpu - before.get(tid, (name, 0.0))[1]
                           for tid, (name, cpu) in after.items()
                           if name.startswith("MHD-")), reverse=True)
            self.assertGreaterEqual(len(used), 2, after)
            busiest, next_busiest = used[0], used[1]
            self.assertGreater(busiest, 0.2, "the lookups took too little CPU to compare")
            # each thread holds two of the four clients
            self.assertGreater(next_busiest, 0.5 * busiest,
                               f"one epoll thread did the work: {used}")


    def test_threads_checked(self):
        with tempfile.TemporaryDirectory() as d:
            db = os.path.join(d, "t.db")
            for bad in ("0", "65", "-1", "2x", ""):
                p = subprocess.run([QTRACE, "serve", "--db", db, "--threads", bad],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(p.returncode, 2, (bad, p.stderr))
                self.assertIn("--threads wants 1 to 64", p.stderr, bad)
            self.assertFalse(os.path.exists(db), "a refused serve made a database")


if __name__ == "__main__":
    unittest.main()
