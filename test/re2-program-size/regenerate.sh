#!/usr/bin/env bash
# Rebuilds testdata/program-sizes.json: RE2's own ProgramSize() of each line of patterns.txt, from the
# system's RE2 (Debian: apt-get install libre2-dev g++). Not run by CI; see README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
g++ -O2 -std=c++17 -o "$tmp/program-size" "$here/program-size.cc" -lre2 -pthread
version="$(dpkg-query -W -f='RE2 ${Version} (Debian ${Package})' libre2-dev 2>/dev/null || true)"
"$tmp/program-size" <"$here/patterns.txt" >"$tmp/sizes.jsonl"
RE2_VERSION="${version:-unknown}" node -e '
const fs = require("node:fs");
const rows = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map((line) => JSON.parse(line));
const head = { re2: process.env.RE2_VERSION, producedBy: "test/re2-program-size/regenerate.sh" };
const lines = rows.map((row) => `  ${JSON.stringify(row)}`).join(",\n");
fs.writeFileSync(process.argv[2], `${JSON.stringify(head).slice(0, -1)},"patterns":[\n${lines}\n]}\n`);
' "$tmp/sizes.jsonl" "$here/testdata/program-sizes.json"
echo "wrote $here/testdata/program-sizes.json: ${version:-unknown RE2}, $(wc -l <"$tmp/sizes.jsonl") patterns"
