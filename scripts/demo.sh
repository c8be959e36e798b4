#!/usr/bin/env bash
# `make demo`: a fresh database with the first-batch catalogue, a regulator per level and an
# inspection body (accounts only the CLI makes), the server, and a realistic supply chain
# written into it through the HTTP API by scripts/demo_seed.py, which ends by printing the
# URLs and one token per role. Then the server stays in the foreground until Ctrl-C, which
# stops it with SIGTERM (it finishes what is in flight and closes the database cleanly).
#
#   DEMO_DIR     database, logs and tokens (default: demo/ in the repository, git-ignored);
#                wiped and made again on every run
#   DEMO_ITEMS   item codes to create (default 120000)
#   DEMO_PORT    port to serve on (default 8080), or DEMO_LISTEN=HOST:PORT
#   DEMO_SEED    the seeder's RNG seed (same seed, same chain)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
qtrace=$(realpath "${1:-$here/build/qtrace}")
dir=$(realpath -m "${DEMO_DIR:-$here/demo}")
cd "$here"
# Paths inside the repository are shown (and used) relative to it: demo/, build/qtrace.
dir=${dir#"$here"/}
qtrace=${qtrace#"$here"/}
listen=${DEMO_LISTEN:-127.0.0.1:${DEMO_PORT:-8080}}
items=${DEMO_ITEMS:-120000}
seed=${DEMO_SEED:-20241231}
python=/usr/bin/python3 # Debian's, as the API tests use; the seeder needs only its stdlib

host=${listen%:*}
port=${listen##*:}
case $host in "" | 0.0.0.0 | "[::]") url_host=127.0.0.1 ;; *) url_host=$host ;; esac
base=http://$url_host:$port

# Only a directory this script made (it holds the marker) or an empty one is wiped.
if [ -e "$dir" ] && [ ! -e "$dir/.qtrace-demo" ] && [ -n "$(ls -A "$dir")" ]; then
  echo "demo: $dir is not a demo directory; set DEMO_DIR to somewhere else" >&2
  exit 1
fi
# Something answering on the port would be mistaken for our server.
if (exec 3<>"/dev/tcp/$url_host/$port") 2>/dev/null; then
  echo "demo: $url_host:$port is in use (an earlier demo?); try DEMO_PORT=$((port + 1)) make demo" >&2
  exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"
touch "$dir/.qtrace-demo"
umask 077 # the database, its signing key, the logs and the tokens are the operator's
db=$dir/demo.db

server=
stop_server() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
    echo "demo: server stopped. The demo stays in $dir/; check its ledger offline with"
    echo "  $qtrace verify --db $db --key \$(cat $dir/verifier-key.txt)"
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP # the terminal went away

# A CLI step's stdout; its stderr only when it fails (then the demo stops there).
quiet() {
  "$@" 2>"$dir/.stderr" || {
    cat "$dir/.stderr" >&2
    return 1
  }
}

echo "qtrace demo in $dir/"
vkey=$(quiet "$qtrace" init --db "$db" --origin demo.qtrace.local/ledger)
echo "$vkey" >"$dir/verifier-key.txt"
echo "  database     $db with the first-batch catalogue; verifier key $vkey"

# Regulators and inspection bodies do not register themselves: the operator's CLI makes them.
# The seeder lists them with the units' tokens in tokens.json and then this file goes.
authorities=$dir/authorities.tsv
add_account() { # role jurisdiction name
  local token
  token=$(quiet "$qtrace" account add --db "$db" --role "$1" --name "$3" \
    ${2:+--jurisdiction "$2"})
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$token" >>"$authorities"
}
add_account regulator 00 国家市场监督管理总局
add_account regulator 44 广东省市场监督管理局
add_account inspection "" 广东产品质量监督检验研究院
echo "  accounts     regulators: national, Guangdong (44); inspection body"

"$qtrace" serve --db "$db" --listen "$listen" --access-log "$dir/access.log" \
  2>"$dir/server.log" &
server=$!
for tries in $(seq 300); do
  if ! kill -0 "$server" 2>/dev/null || [ "$tries" = 300 ]; then
    echo "demo: the server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
  fi
  curl -sf -o /dev/null "$base/healthz" && break
  sleep 0.1
done
echo "  server       $base (pid $server; logs $dir/server.log and $dir/access.log)"
echo

"$python" scripts/demo_seed.py --base "$base" --out "$dir" --items "$items" --seed "$seed" \
  --authorities "$authorities"
rm -f "$authorities"

echo
verified=$(quiet "$qtrace" verify --db "$db" --key "$vkey")
rm -f "$dir/.stderr"
echo "Ledger, checked offline from the database file:"
echo "  $verified"
echo
echo "Serving $base until Ctrl-C."
trap 'exit 0' INT TERM # Ctrl-C is how this demo ends
status=0
wait "$server" || status=$?
# Ctrl-C reaches the server too (it stops cleanly on SIGINT and exits 0), and may do so
# before this script's own trap runs.
if [ "$status" -ne 0 ]; then
  server=
  echo "demo: the server exited with status $status; see $dir/server.log" >&2
  exit 1
fi
