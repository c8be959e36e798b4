# lib.sh — what the CLI tests share (sourced, not run): a scratch directory $tmp removed on
# exit (made writable first: a test may take write access away), fail, which reports a failed
# check and counts it in $fails, and finish, which ends the test: exit 1 if any failed.
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# finish MESSAGE: MESSAGE when every check passed, else the count of failures.
finish() {
	if [ "$fails" -ne 0 ]; then
		echo "$fails check(s) failed" >&2
		exit 1
	fi
	echo "$1"
	exit 0
}
