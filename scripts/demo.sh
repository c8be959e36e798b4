#!/usr/bin/env bash
# `make demo`: until the server lands, show the trace-code library on a file of codes in every
# scheme (and a few broken ones): what each scan is, and the one canonical key it maps to.
set -euo pipefail
qtrace=${1:-build/qtrace}
here=$(cd "$(dirname "$0")/.." && pwd)
codes=$here/examples/demo-codes.txt

echo "qtrace demo: parsing $(grep -c . "$codes") scanned codes from examples/demo-codes.txt"
echo
set +e
"$qtrace" code parse - <"$codes" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    shown = r["input"].replace("\x1d", "<GS>")
    if len(shown) > 62:
        shown = shown[:59] + "..."
    print(f"  {shown}")
    if r["valid"]:
        extra = ", ".join(f"{k}={r[k]}" for k in ("lot", "expiry", "production_date", "ecode_version") if k in r)
        scheme, kind, key = r["scheme"], r["kind"], r["canonical"]
        print(f"    -> {scheme:5} {kind:8} {key}" + (f"   ({extra})" if extra else ""))
    else:
        print("    !! " + r["error"])
'
set -e
echo
echo "Every form of one product item above maps to the same key 01/06901234567892/21/A1B2."
echo
echo "Fresh codes for a batch (qtrace code gen):"
"$qtrace" code gen --scheme gs1 --gtin 6901234567892 --lot L1 --count 3 --host id.example.com | sed 's/^/  /'
"$qtrace" code gen --scheme dic --gtin 6901234567892 --count 2 | sed 's/^/  /'
echo
echo "A unit's 统一社会信用代码 (qtrace uscc check):"
"$qtrace" uscc check 91350100M000100Y43 91350100M000100Y44 | sed 's/^/  /' || true
echo
echo "Try: $qtrace code parse 'YOUR CODE'   ·   $qtrace code parse - < file"
