"""API tests: the access log. One JSON line per request reaches the file within a couple of
seconds even when the server is otherwise idle (it is written out once a second, not per
request), and every line is there after SIGTERM. Run: /usr/bin/python3 test_access_log.py QTRACE"""
import json
import os
import sys
import tempfile
import time
import unittest

import qtapi

QTRACE = sys.argv.pop(1) if len(sys.argv) > 1 else "build/qtrace"


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f.read().splitlines()]


class AccessLog(unittest.TestCase):
    def test_lines_reach_the_file(self):
        keep = tempfile.TemporaryDirectory()  # outlives the server's own
        path = os.path.join(keep.name, "access.log")
        srv = qtapi.Server(QTRACE, serve_args=("--access-log", path))
        try:
            st, _, _ = srv.request("GET", "/api/v1/codes/01%2F06901234567892%2F21%2FA1",
                                   check=False)
            self.assertEqual(st, 404)
            # a handful of lines is far from filling stdio's buffer: only the periodic
            # write makes them appear while the server idles
            seen = []
            for _ in range(50):
                seen = [l for l in lines(path) if l["path"].startswith("/api/v1/codes/")]
                if seen:
                    break
                time.sleep(0.1)
            self.assertEqual(len(seen), 1, "the lookup's line did not reach the access log")
            self.assertEqual(seen[0]["status"], 404)
            self.assertEqual(seen[0]["route"], "code_view")
            for i in range(20):
                srv.request("GET", "/healthz", check=False)
        finally:
            srv.stop()
        # SIGTERM: every request is in the log
        self.assertEqual(len([l for l in lines(path) if l["path"] == "/healthz"]), 20 + 1)
        keep.cleanup()


if __name__ == "__main__":
    unittest.main()
