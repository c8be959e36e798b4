#!/usr/bin/env bash
# test_uscc.sh — the `qtrace uscc check` contract: one compact JSON object per input in input
# order, readable Chinese, stdin mode, and exit status 0 (all valid) / 1 (any invalid) / 2 (usage).
# Run by ctest as `bash test_uscc.sh /path/to/qtrace`; JSON is checked with python3, not jq.
set -u

QT=${1:?usage: test_uscc.sh /path/to/qtrace}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# run ARG...: the binary's stdout, stderr and status land in $tmp/out, $tmp/err, $status.
run() {
	"$QT" "$@" <"$tmp/stdin" >"$tmp/out" 2>"$tmp/err"
	status=$?
}
: >"$tmp/stdin"

# stdin TEXT: what the next run reads (printf %b, so \r and \n are escapes).
stdin() {
	printf '%b' "$1" >"$tmp/stdin"
}

expect_status() {
	[ "$status" -eq "$1" ] || fail "$2: exit status $status, expected $1 (stderr: $(cat "$tmp/err"))"
}

# expect_json LABEL EXPR: stdout must be newline-terminated lines of JSON; EXPR is a Python
# expression over r (the parsed objects) and raw (the text) that must be true.
expect_json() {
	python3 - "$tmp/out" "$2" <<'EOF' || fail "$1"
import json, sys
raw = open(sys.argv[1], encoding='utf-8').read()
if raw and not raw.endswith('\n'):
    sys.exit('output does not end with a newline: %r' % raw)
r = [json.loads(line) for line in raw.split('\n')[:-1]]
if not eval('(' + sys.argv[2] + ')'):
    sys.exit('got: ' + raw)
EOF
}

expect_usage() {
	expect_status 2 "$1"
	[ -s "$tmp/out" ] && fail "$1: usage error printed on stdout: $(cat "$tmp/out")"
	grep -q 'usage: qtrace uscc check' "$tmp/err" || fail "$1: no usage message on stderr"
}

HUAWEI='{"input": "914403001922038216", "valid": True, "authority": "9",
	"authority_name": "工商/市场监管", "category": "1", "category_name": "企业",
	"division": "440300", "province": "广东省", "province_code": "44", "org_code": "192203821"}'

# --- one valid code: every field, compact, Chinese not escaped ---
stdin ''
run uscc check 914403001922038216
expect_status 0 "valid code"
expect_json "valid code: fields" "r == [$HUAWEI]"
expect_json "valid code: key order" "list(r[0]) == ['input', 'valid', 'authority',
	'authority_name', 'category', 'category_name', 'division', 'province', 'province_code',
	'org_code']"
expect_json "valid code: compact and readable" "'\"province\":\"广东省\"' in raw and '\\\\u' not in raw"

# --- normalisation: lower case and surrounding whitespace accepted, input echoed as given ---
run uscc check ' 91440300708461136t ' 123502001549897397
expect_status 0 "lower case and whitespace"
expect_json "lower case: echo and decode" "len(r) == 2 and r[0]['input'] == ' 91440300708461136t '
	and r[0]['valid'] is True and r[0]['org_code'] == '708461136'
	and r[1]['authority_name'] == '机构编制' and r[1]['category_name'] == '事业单位'
	and r[1]['province'] == '福建省' and r[1]['division'] == '350200'"

# --- invalid codes: exact error text, exit 1 ---
run uscc check 91440300192203821
expect_status 1 "short code"
expect_json "short code: error" "r == [{'input': '91440300192203821', 'valid': False,
	'error': 'length: expected 18 characters, got 17'}]"

run uscc check 914403001922038217 9144I30019220382I6 91990100MA4K0R6Y23 91420100010000084J \
	Q1420100MA4K0R6Y25
expect_status 1 "several invalid"
expect_json "several invalid: errors in order" "[x['error'] for x in r] == [
	'check character: expected 6, got 7',
	'position 5: \\'I\\' is not allowed (GB 32100 excludes I, O, Z, S, V)',
	'division code 990100: no such province 99',
	'organisation code check (position 17): expected X, got 4',
	'position 1: unknown registration authority \\'Q\\'']
	and all(x['valid'] is False and set(x) == {'input', 'valid', 'error'} for x in r)"

# --- mixed: one line per input, in order; one bad code makes the status 1 ---
run uscc check 914403001922038216 914403001922038217 91440300708461136T
expect_status 1 "mixed"
expect_json "mixed: order" "[x['valid'] for x in r] == [True, False, True]
	and r[1]['input'] == '914403001922038217'"

# --- bytes that are not UTF-8 still give valid JSON, one object ---
run uscc check $'\xff\xfe91440300192203821'
expect_status 1 "invalid UTF-8"
expect_json "invalid UTF-8: replaced" "len(r) == 1 and r[0]['input'].startswith('\\ufffd\\ufffd')
	and r[0]['error'] == 'length: expected 18 characters, got 19'"

# --- an over-long argument is reported, not echoed in full ---
run uscc check "$(printf '9%.0s' $(seq 2000))"
expect_status 1 "long input"
expect_json "long input: error" "r[0]['error'] == 'input longer than 1024 bytes'
	and len(r[0]['input']) == 1024"

# --- stdin: CRLF tolerated, blank and whitespace-only lines skipped, last line unterminated ---
stdin '914403001922038216\r\n\r\n   \n\n91440300708461136t\n91420100010000084J'
run uscc check -
expect_status 1 "stdin with an invalid code"
expect_json "stdin: three objects" "[x['input'] for x in r] == ['914403001922038216',
	'91440300708461136t', '91420100010000084J'] and [x['valid'] for x in r] == [True, True, False]
	and r[0] == $HUAWEI"

stdin '914403001922038216\n91440300708461136T\n'
run uscc check -
expect_status 0 "stdin all valid"
expect_json "stdin all valid" "len(r) == 2 and all(x['valid'] for x in r)"

stdin ''
run uscc check -
expect_status 0 "empty stdin"
expect_json "empty stdin: no output" "r == []"

# arguments and stdin mix, in argument order
stdin '91440300708461136T\n'
run uscc check 914403001922038216 - 123502001549897397
expect_status 0 "arguments and stdin"
expect_json "arguments and stdin: order" "[x['input'] for x in r] == ['914403001922038216',
	'91440300708461136T', '123502001549897397']"

# --- usage errors: exit 2, usage on stderr, nothing on stdout ---
stdin ''
run uscc
expect_usage "no subcommand"
run uscc verify 914403001922038216
expect_usage "unknown subcommand"
grep -q "unknown subcommand 'verify'" "$tmp/err" || fail "unknown subcommand: not named"
run uscc check
expect_usage "no codes"
run uscc check --json 914403001922038216
expect_usage "unknown option"

run uscc help
expect_status 0 "help"
grep -q 'usage: qtrace uscc check' "$tmp/out" || fail "help: no usage on stdout"

finish "all uscc CLI checks passed"
