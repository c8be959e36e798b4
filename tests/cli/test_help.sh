#!/usr/bin/env bash
# test_help.sh — every subcommand answers `--help` and `-h` with its own usage on stdout, exit
# 0 and nothing done (no database made); a usage error gives the same text on stderr with
# exit 2 and nothing on stdout; `qtrace help` lists every subcommand.
# Run by ctest as `bash test_help.sh /path/to/qtrace`.
set -u

QT=$(realpath "${1:?usage: test_help.sh /path/to/qtrace}")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$tmp" || exit 1

# command, its usage's first words, a usage error of it
cases=(
	"code|usage: qtrace code parse|code"
	"uscc|usage: qtrace uscc check|uscc bogus"
	"init|usage: qtrace init --db|init --origin x"
	"verify|usage: qtrace verify --db|verify --key"
	"serve|usage: qtrace serve --db|serve --listen 127.0.0.1:1"
	"account|usage: qtrace account add|account add --db h.db"
	"draw|usage: qtrace draw verify|draw verify --db h.db"
	"label|usage: qtrace label --db|label --db h.db --batch B"
)
"$QT" help >list.out 2>list.err || fail "qtrace help: exit $?"
for c in "${cases[@]}"; do
	IFS='|' read -r cmd want bad <<<"$c"
	grep -q "^  $cmd " list.out || fail "qtrace help does not list '$cmd'"
	for flag in --help -h; do
		# given where a database would be named too: the help wins, nothing is made
		"$QT" "$cmd" --db h.db "$flag" >out 2>err
		status=$?
		[ "$status" -eq 0 ] || fail "$cmd $flag: exit $status, not 0: $(cat err)"
		grep -q "^$want" out || fail "$cmd $flag: stdout is not its usage: $(head -2 out)"
		[ -s err ] && fail "$cmd $flag: wrote to stderr: $(cat err)"
		[ -e h.db ] && fail "$cmd $flag: made h.db" && rm -f h.db*
	done
	read -r -a argv <<<"$bad"
	"$QT" "${argv[@]}" >out 2>err
	status=$?
	[ "$status" -eq 2 ] || fail "'$bad': exit $status, not 2"
	[ -s out ] && fail "'$bad': printed on stdout: $(cat out)"
	grep -q "$want" err || fail "'$bad': no usage on stderr: $(cat err)"
done
"$QT" bogus >out 2>err
[ $? -eq 2 ] || fail "an unknown command: exit not 2"
grep -q "unknown command 'bogus'" err || fail "an unknown command is not named: $(head -1 err)"

finish "ok: every command answers --help and -h; usage errors exit 2"
