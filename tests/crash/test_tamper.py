#!/usr/bin/env python3
"""Tamper test: change one byte of a stored record, leaf hash, Merkle node, checkpoint body or
signature, index row or sealed value directly in the SQLite file, as an insider with the file
but not the signing key could; `qtrace verify` must fail and name what was changed. Also an
insider's appended record (no key to sign for it) and verification with the wrong key.

usage: test_tamper.py LEDGER_WRITER QTRACE
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

failures = []


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def page_owners(path):
    """page number -> table/index name, from SQLite's own dbstat table."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    owners = {pg: name for name, pg in con.execute("SELECT name, pageno FROM dbstat")}
    psize = con.execute("PRAGMA page_size").fetchone()[0]
    con.close()
    return owners, psize


def flip_in_table(src, dst, needle, table, nth_byte=None, first=False):
    """Copy src to dst (unless they are one file) and flip one byte of the occurrence of
    `needle` stored in `table`: the only one, or with first=True the first of several."""
    if src != dst:
        shutil.copy(src, dst)
    owners, psize = page_owners(dst)
    data = bytearray(open(dst, "rb").read())
    hits = []
    start = 0
    while True:
        i = data.find(needle, start)
        if i < 0:
            break
        if owners.get(i // psize + 1) == table:
            hits.append(i)
        start = i + 1
    if not hits or (len(hits) != 1 and not first):
        raise SystemExit(f"test setup: {len(hits)} copies of {needle[:40]!r} in {table}")
    at = hits[0] + (len(needle) // 2 if nth_byte is None else nth_byte)
    data[at] ^= 0x01
    open(dst, "wb").write(bytes(data))


def altered(src, dst, *statements):
    """Copy src to dst and change it with SQL, as an insider with the file could."""
    shutil.copy(src, dst)
    con = sqlite3.connect(dst)
    for sql in statements:
        con.execute(sql)
    con.commit()
    con.close()


def make_log(d, name, records, group):
    """A fresh log of `records` test records written in groups; its path and verifier key."""
    db = os.path.join(d, name)
    p = run([QTRACE, "init", "--db", db, "--origin", "tamper.example/log", "--catalog", "none"])
    assert p.returncode == 0, p.stderr
    vkey = p.stdout.strip()
    p = run([WRITER, "write", db, os.path.join(d, name + ".acks"), str(records), str(group)])
    assert p.returncode == 0, p.stderr
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db, vkey


def expect(ok, name, p):
    if ok:
        print(f"ok  {name}")
    else:
        failures.append(f"{name}: exit {p.returncode}, stdout {p.stdout.strip()!r}, stderr {p.stderr.strip()!r}")


def expect_fail(name, db, fragment, key=None, checkpoint=None):
    cmd = [QTRACE, "verify", "--db", db] + (["--key", key] if key else [])
    cmd += ["--checkpoint", checkpoint] if checkpoint else []
    p = run(cmd)
    if p.returncode != 1 or fragment not in p.stderr:
        failures.append(f"{name}: exit {p.returncode}, stderr {p.stderr.strip()!r}, wanted {fragment!r}")
    else:
        print(f"ok  {name}: {p.stderr.strip()}")


WRITER, QTRACE = sys.argv[1], sys.argv[2]
with tempfile.TemporaryDirectory() as d:
    db, vkey = make_log(d, "ledger.db", 300, 50)
    p = run([QTRACE, "verify", "--db", db, "--key", vkey])
    assert p.returncode == 0 and p.stdout.startswith("verified 300 records, tree size 300"), p
    print("ok  untouched:", p.stdout.strip())

    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    leaf123 = ro.execute("SELECT leaf FROM records WHERE idx = 123").fetchone()[0]
    hash77 = ro.execute("SELECT hash FROM records WHERE idx = 77").fetchone()[0]
    node45 = ro.execute("SELECT hash FROM nodes WHERE level = 4 AND idx = 5").fetchone()[0]
    cp100 = ro.execute("SELECT note FROM checkpoints WHERE size = 100").fetchone()[0]
    ro.close()
    t = os.path.join(d, "t.db")

    # a record's bytes: a digit of its body ("n":123)
    flip_in_table(db, t, leaf123, "records", leaf123.find(b'"n":123') + 5)
    expect_fail("record byte", t, "record 123")
    # a record's stored leaf hash
    flip_in_table(db, t, hash77, "records")
    expect_fail("leaf hash", t, "record 77: stored leaf hash does not match the record")
    # an inner Merkle node
    flip_in_table(db, t, node45, "nodes")
    expect_fail("Merkle node", t, "Merkle node level 4 index 5 does not match the tree")
    # a checkpoint's body (the root line) and its signature
    body_end = cp100.find(b"\n\n")
    flip_in_table(db, t, cp100, "checkpoints", body_end - 3)
    expect_fail("checkpoint body", t, "checkpoint at size 100")
    flip_in_table(db, t, cp100, "checkpoints", len(cp100) - 10)
    expect_fail("checkpoint signature", t, "checkpoint at size 100")
    # a read-index row: the key of record 42 as stored in the index table
    flip_in_table(db, t, b"01/06901234567892/21/S42", "idx", 23)
    expect_fail("index row", t, "of record 42")
    # a sealed (non-public) value as stored beside its salt
    # (the same value is stored for every record; change the first copy in the records table)
    flip_in_table(db, t, "张三".encode(), "records", 1, first=True)
    expect_fail("sealed value", t, "sealed field 'buyer'")

    # a record rewritten with its leaf hash to match, a sealed field's name now written with
    # a JSON escape: decoded (bu"yer), it names no stored value
    shutil.copy(db, t)
    con = sqlite3.connect(t)
    leaf5 = con.execute("SELECT leaf FROM records WHERE idx = 5").fetchone()[0]
    leaf5 = leaf5.replace(b'"sealed":{"buyer":', b'"sealed":{"bu\\"yer":')
    con.execute("DROP TRIGGER records_ro")
    con.execute("UPDATE records SET leaf = ?, hash = ? WHERE idx = 5",
                (leaf5, hashlib.sha256(b"\x00" + leaf5).digest()))
    con.commit()
    con.close()
    expect_fail("sealed field name with an escape", t,
                "record 5: sealed field 'bu\"yer' has no stored value")

    # the index table's pages made unreadable, and a record changed: the index table is read
    # alongside the records, but the first bad thing named is still the record
    def break_index_pages(path):
        owners, psize = page_owners(path)
        data = bytearray(open(path, "rb").read())
        for pg in (pg for pg, name in owners.items() if name == "idx"):
            data[(pg - 1) * psize] = 0x00  # no B-tree page has this type
        open(path, "wb").write(bytes(data))

    flip_in_table(db, t, leaf123, "records", leaf123.find(b'"n":123') + 5)
    break_index_pages(t)
    expect_fail("record byte and unreadable index table", t, "record 123")
    shutil.copy(db, t)
    break_index_pages(t)
    expect_fail("unreadable index table", t, "malformed")

    # an index row added, and one taken away (the insider drops the insert-only trigger)
    altered(db, t, "INSERT INTO idx(name, key, rec) VALUES ('key', '01/06901234567892/21/FAKE', 7)")
    expect_fail("extra index row", t,
                "index row (key, '01/06901234567892/21/FAKE') of record 7 does not match")
    altered(db, t, "DROP TRIGGER idx_rd", "DELETE FROM idx WHERE rec = 250")
    expect_fail("missing index row", t, "of record 250 is missing")

    # a document no record made, in a log of a record type qtrace does not know (this
    # writer's test.record): the replay names the document and the first such record
    altered(db, t, "INSERT INTO docs VALUES ('code', 'x', '', CAST('{}' AS BLOB), 5)")
    expect_fail("document among unknown records", t,
                "document code x is in the store, but no record made it (record 0 is of type "
                "test.record, which this qtrace does not know)")

    # an insider appends a record without the key: no checkpoint covers it
    shutil.copy(db, t)
    con = sqlite3.connect(t)
    forged = b'{"body":{"n":999},"ts":"2026-01-01T00:00:00Z","type":"test.record"}'
    con.execute("INSERT INTO records(idx, leaf, hash) VALUES (300, ?, ?)",
                (forged, hashlib.sha256(b"\x00" + forged).digest()))
    con.commit()
    con.close()
    expect_fail("forged append", t, "not covered by a signed checkpoint")
    # an impostor key
    p = run([QTRACE, "init", "--db", os.path.join(d, "other.db"), "--origin", "tamper.example/log", "--catalog", "none"])
    expect_fail("wrong key", db, "no valid signature", key=p.stdout.strip())

    # A log cut back to an earlier checkpoint, or cut back and written again by someone with
    # the signing key (the operator), verifies on its own: only a checkpoint kept outside the
    # database can show it. The writer kept the last one it was answered with, at size 300.
    witness = os.path.join(d, "ledger.db.acks.checkpoint")
    p = run([QTRACE, "verify", "--db", db, "--checkpoint", witness])
    expect(p.returncode == 0 and "tree of %s (tree size 300)" % witness in p.stdout,
           "kept checkpoint on the untouched log", p)
    cut = ["DROP TRIGGER records_rd", "DROP TRIGGER idx_rd", "DROP TRIGGER nodes_rd",
           "DROP TRIGGER checkpoints_rd", "DELETE FROM records WHERE idx >= 200",
           "DELETE FROM idx WHERE rec >= 200", "DELETE FROM checkpoints WHERE size > 200",
           "DELETE FROM nodes WHERE (idx + 1) << level > 200"]
    altered(db, t, *cut)
    p = run([QTRACE, "verify", "--db", t])
    expect(p.returncode == 0 and p.stdout.startswith("verified 200 records"),
           "a log cut back to a checkpoint verifies without a kept one", p)
    expect_fail("log cut back", t, "signed at tree size 300, but the log holds 200 records",
                checkpoint=witness)
    # ... and written again to size 300 with the log's own key: every checkpoint in it is
    # signed and consistent, but the tree is not the one the client saw
    shutil.copy(db + ".key", t + ".key")
    p = run([WRITER, "write", t, os.path.join(d, "again.acks"), "100", "50"])
    assert p.returncode == 0, p.stderr
    p = run([QTRACE, "verify", "--db", t])
    expect(p.returncode == 0 and p.stdout.startswith("verified 300 records"),
           "a rewritten log verifies without a kept checkpoint", p)
    expect_fail("log rewritten", t, "(tree size 300) is not consistent with the log",
                checkpoint=witness)
    # the kept checkpoint itself: forged, from another log, or not a checkpoint at all
    bad = os.path.join(d, "bad.checkpoint")
    text = open(witness, "rb").read()
    open(bad, "wb").write(text.replace(b"\n300\n", b"\n299\n"))
    expect_fail("kept checkpoint altered", db, "the checkpoint given: ", checkpoint=bad)
    third = os.path.join(d, "third.db")
    p = run([QTRACE, "init", "--db", third, "--origin", "other.example/log", "--catalog", "none"])
    ro = sqlite3.connect(f"file:{third}?mode=ro", uri=True)
    open(bad, "wb").write(ro.execute("SELECT note FROM checkpoints").fetchone()[0])
    ro.close()
    expect_fail("kept checkpoint of another log", db, "the checkpoint given: ", checkpoint=bad)
    open(bad, "wb").write(b"x" * 5000)
    p = run([QTRACE, "verify", "--db", db, "--checkpoint", bad])
    expect(p.returncode == 2 and "is not a checkpoint" in p.stderr, "oversized checkpoint file", p)
    p = run([QTRACE, "verify", "--db", db, "--checkpoint", os.path.join(d, "absent")])
    expect(p.returncode == 2 and "cannot read the checkpoint" in p.stderr, "missing checkpoint file", p)

# A longer log, so verify's checks run in several batches on two threads: the first bad
# record must still be the one named, whichever thread checked it.
with tempfile.TemporaryDirectory() as d:
    db, _ = make_log(d, "long.db", 3000, 500)
    t = os.path.join(d, "t.db")
    ro = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    hashes = {i: ro.execute("SELECT hash FROM records WHERE idx = ?", (i,)).fetchone()[0]
              for i in (1700, 2900)}
    ro.close()
    flip_in_table(db, t, hashes[2900], "records")
    flip_in_table(t, t, hashes[1700], "records", 7)
    expect_fail("two bad records, batches apart", t,
                "record 1700: stored leaf hash does not match the record")
    altered(db, t, "DROP TRIGGER records_rd", "DELETE FROM records WHERE idx = 2222")
    expect_fail("a record taken out late in the log", t, "record 2222 is missing")

if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print("tamper tests: all changes detected")
