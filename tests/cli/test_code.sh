#!/usr/bin/env bash
# CLI contract of `qtrace code parse` and `qtrace code gen`: field names, exit statuses,
# stdin handling, and that generated codes are unique and parse back to what was asked.
set -euo pipefail
qtrace=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# expect_status WANT CMD...: run and check the exit status
expect_status() {
  local want=$1; shift
  set +e; "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?; set -e
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat "$tmp/err")"
}

# check PY: run a python assertion over the JSON lines in $tmp/out (list `rows`)
check() {
  python3 - "$tmp/out" "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
exec(sys.argv[2])
PY
}

# one code in every GS1 form, and as an Ecode V0, gives one canonical key
expect_status 0 "$qtrace" code parse \
  '(01)06901234567892(10)L1(21)A1B2(17)261231(11)250100' \
  $']d20106901234567892\x1d10L1\x1d21A1B2' \
  $']Q3010690123456789217261231\x1d21A1B2' \
  'https://id.example.com/01/6901234567892/10/L1/21/A1B2?17=261231' \
  '00001(01)06901234567892(21)A1B2'
check '
assert len(rows) == 5, rows
assert {r["canonical"] for r in rows} == {"01/06901234567892/21/A1B2"}, rows
r = rows[0]
assert r["valid"] is True and r["scheme"] == "gs1" and r["kind"] == "item"
assert r["gtin"] == "06901234567892" and r["lot"] == "L1" and r["serial"] == "A1B2"
assert r["expiry"] == "2026-12-31" and r["production_date"] == "2025-01", r
assert r["ai"]["17"] == "261231"
assert rows[4]["scheme"] == "ecode" and rows[4]["ecode_version"] == 0 and rows[4]["nsi"] == "0001"
assert "error" not in r and rows[0]["input"].startswith("(01)")
'

# mixed: exit 1, the invalid one says why, the valid one is still reported
expect_status 1 "$qtrace" code parse '(01)06901234567893' '069012340000000016'
check '
assert rows[0]["valid"] is False and "check digit: expected 2, got 3" in rows[0]["error"], rows
assert "canonical" not in rows[0]
assert rows[1]["valid"] is True and rows[1]["sscc"] == "069012340000000016"
assert rows[1]["canonical"] == "00/069012340000000016" and rows[1]["kind"] == "logistic"
'

# stdin: CRLF, blank lines, an over-long line and bytes that are not UTF-8
{
  printf '6901234567892\r\n\r\n\n'
  head -c 3000 /dev/zero | tr '\0' 'A'; printf '\n'
  printf '(01)06901234567892(21)\xff\xfe\n'
  printf 'https://qtrace.example/t/notanid\n'
} >"$tmp/in"
expect_status 1 "$qtrace" code parse - <"$tmp/in"
check '
assert len(rows) == 4, [r.get("error") for r in rows]
assert rows[0]["valid"] and rows[0]["canonical"] == "01/06901234567892"
assert not rows[1]["valid"] and "longer than 1024" in rows[1]["error"], rows[1]["error"]
assert not rows[2]["valid"] and "\ufffd" in rows[2]["input"] and "AI 21" in rows[2]["error"]
assert not rows[3]["valid"] and "digital identity" in rows[3]["error"], rows[3]
'

# usage errors
expect_status 2 "$qtrace" code parse
expect_status 2 "$qtrace" code
expect_status 2 "$qtrace" code frobnicate
expect_status 2 "$qtrace" nosuchcommand

# gen gs1: unique, valid, and each one keyed by GTIN + serial
expect_status 0 "$qtrace" code gen --scheme gs1 --gtin 6901234567892 --lot 'L/7' --count 2000 --host id.example.com
[ "$(wc -l <"$tmp/out")" = 2000 ] || fail "gen gs1 gave $(wc -l <"$tmp/out") lines"
[ "$(sort -u "$tmp/out" | wc -l)" = 2000 ] || fail "gen gs1 produced duplicates"
grep -q '^https://id.example.com/01/06901234567892/10/L%2F7/21/' "$tmp/out" || fail "gen gs1 URI form: $(head -1 "$tmp/out")"
cp "$tmp/out" "$tmp/gen"
expect_status 0 "$qtrace" code parse - <"$tmp/gen"
check '
assert len(rows) == 2000
assert all(r["valid"] and r["kind"] == "item" and r["lot"] == "L/7" for r in rows)
assert len({r["canonical"] for r in rows}) == 2000
assert all(r["canonical"] == "01/06901234567892/21/" + r["serial"] for r in rows)
'

# gen ecode: V0 Ecodes whose keys are the GS1 item keys
expect_status 0 "$qtrace" code gen --scheme ecode --gtin 06901234567892 --count 300
cp "$tmp/out" "$tmp/gen"
expect_status 0 "$qtrace" code parse - <"$tmp/gen"
check '
assert len(rows) == 300 and all(r["scheme"] == "ecode" and r["ecode_version"] == 0 for r in rows)
assert len({r["canonical"] for r in rows}) == 300
assert all(r["canonical"].startswith("01/06901234567892/21/") for r in rows)
'

# gen dic: digital identity URLs on the given host
expect_status 0 "$qtrace" code gen --scheme dic --gtin 06901234567892 --count 500 --host scan.example.org
grep -qv '^https://scan.example.org/t/[0-9A-Y]\{20\}$' "$tmp/out" && fail "gen dic form: $(grep -v '^https://scan.example.org/t/' "$tmp/out" | head -1)"
cp "$tmp/out" "$tmp/gen"
expect_status 0 "$qtrace" code parse - <"$tmp/gen"
check '
assert len(rows) == 500 and all(r["scheme"] == "dic" and r["canonical"] == "t/" + r["dic_id"] for r in rows)
assert len({r["dic_id"] for r in rows}) == 500
'

# gen usage errors: nothing printed on stdout
for args in "--scheme gs1 --gtin 6901234567893 --count 5" \
            "--scheme gs1 --gtin 069012340000000016 --count 5" \
            "--scheme gs1 --gtin 6901234567892 --count 0" \
            "--scheme gs1 --gtin 6901234567892 --count -3" \
            "--scheme gs1 --gtin 6901234567892 --count 5x" \
            "--scheme qr --gtin 6901234567892 --count 5" \
            "--scheme gs1 --gtin 6901234567892 --lot ABCDEFGHIJKLMNOPQRSTUVWXYZ --count 5" \
            "--scheme gs1 --gtin 6901234567892 --count 5 --host a/b" \
            "--scheme gs1 --count 5" \
            "--scheme gs1 --gtin 6901234567892 --count"; do
  # shellcheck disable=SC2086
  expect_status 2 "$qtrace" code gen $args
  [ ! -s "$tmp/out" ] || fail "gen $args printed codes"
  [ -s "$tmp/err" ] || fail "gen $args gave no message"
done
grep -q 'check digit' <("$qtrace" code gen --scheme gs1 --gtin 6901234567893 --count 1 2>&1) || fail "bad GTIN message"

echo "cli code tests: all passed"
