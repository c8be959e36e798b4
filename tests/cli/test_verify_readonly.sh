#!/usr/bin/env bash
# test_verify_readonly.sh — a database is its owner's alone (mode 0600, as its key), and
# `qtrace verify` checks a copy its reader may not write to (read-only media, someone else's
# file): it verifies, or, when an unread write-ahead log would be missed, says so instead of
# reporting a good ledger as failed.
# Run by ctest as `bash test_verify_readonly.sh /path/to/qtrace`.
set -u

QT=$(realpath "${1:?usage: test_verify_readonly.sh /path/to/qtrace}")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# as_reader CMD...: CMD as a user who may not write the copies (root may write anything).
as_reader() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

cd "$tmp" || exit 1
chmod 755 "$tmp"
"$QT" init --db t.db >init.out 2>&1 || fail "init: $(cat init.out)"
key=$(tail -1 init.out)
mode=$(stat -c %a t.db)
[ "$mode" = 600 ] || fail "a new database has mode $mode, not 600"
"$QT" verify --db t.db --key "$key" >v.out 2>&1 || fail "verify of the original: $(cat v.out)"
want=$(cat v.out)

# a copy in a directory nobody may write to, itself read-only
mkdir ro
cp t.db ro/t.db
chmod 444 ro/t.db
chmod 555 ro
as_reader "$QT" verify --db ro/t.db --key "$key" >ro.out 2>&1
status=$?
[ "$status" -eq 0 ] || fail "verify of a read-only copy: exit $status: $(cat ro.out)"
[ "$(cat ro.out)" = "$want" ] || fail "verify of a read-only copy said '$(cat ro.out)', not '$want'"
[ ! -e ro/t.db-shm ] || fail "verify left ro/t.db-shm"

# a copy with records still in its write-ahead log: they cannot be read there, so it must
# not verify what it cannot see
mkdir wal
python3 - t.db wal <<'EOF' || fail "making a write-ahead log"
import shutil, sqlite3, sys
db, out = sys.argv[1], sys.argv[2]
shutil.copy(db, out + "/w.db")
con = sqlite3.connect(out + "/w.db")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE scratch(x)")
con.commit()
shutil.copy(out + "/w.db-wal", out + "/wal-copy")
con.close()
shutil.move(out + "/wal-copy", out + "/w.db-wal")
EOF
rm -f wal/w.db-shm
chmod 444 wal/w.db wal/w.db-wal
chmod 555 wal
as_reader "$QT" verify --db wal/w.db --key "$key" >wal.out 2>&1
status=$?
[ "$status" -ne 0 ] || fail "verify of a copy whose log it cannot read passed: $(cat wal.out)"
grep -q "write-ahead log (.*-wal) that can be read only with write access" wal.out ||
	fail "verify did not say why it cannot read the copy: $(cat wal.out)"

finish "ok: verify reads read-only copies; a new database is mode 600"
