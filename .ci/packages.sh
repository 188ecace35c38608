#!/usr/bin/env bash
# The published packages as a user gets them: packs every package with pnpm, installs the
# tarballs with npm into a scratch directory outside the workspace, and there type-checks a
# TypeScript consumer (node16 and bundler resolution, skipLibCheck false, no DOM lib), runs
# publint and @arethetypeswrong/cli on each tarball, runs the ESM and CommonJS examples against
# anvil (a paid request: 200, then tx_already_used) and the TypeScript agent, and measures the
# browser bundle of wrapFetch + evmPayer (no @solana/web3.js). Exits non-zero on any failure.
#   bash .ci/packages.sh               # everything
#   bash .ci/packages.sh --pack-only   # the tarballs only, in .packs/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
packages=(core koa ledger chain-evm chain-base chain-avalanche chain-solana client metrics testing)

step() { printf '\n-- [%ss] %s\n' "$SECONDS" "$*"; }

if [ "${1:-}" = "--pack-only" ]; then
  packs="$root/.packs"
else
  scratch="$(mktemp -d "${TMPDIR:-/tmp}/tx402-packages.XXXXXX")"
  trap 'rm -rf "$scratch"' EXIT
  packs="$scratch/tarballs"
fi
rm -rf "$packs" && mkdir -p "$packs"

step "pack (pnpm pack builds each package first: tsup, ESM + CommonJS + declarations)"
# One npx resolution of pnpm for all ten packs, two at a time (2 cores): each pack's tsup writes
# only its own package's dist/.
npx -y -p pnpm@10.34.9 bash -c '
  printf "%s\n" "${@:2}" | xargs -P 2 -I{} sh -c \
    "cd packages/\$1 && pnpm pack --pack-destination \"\$2\" >\"\$2/\$1.log\" 2>&1 || { cat \"\$2/\$1.log\"; exit 1; }" \
    _ {} "$1"' _ "$packs" "${packages[@]}"
rm -f "$packs"/*.log
ls -1 "$packs"
[ "${1:-}" = "--pack-only" ] && exit 0

step "no workspace: protocol, no test file, no source in the tarballs"
for tarball in "$packs"/*.tgz; do
  listing="$(tar tzf "$tarball")"
  if echo "$listing" | grep -E '\.test\.|/src/|/test/'; then echo "$tarball ships test or source files"; exit 1; fi
  if tar xzf "$tarball" -O package/package.json | grep -q 'workspace:'; then echo "$tarball keeps workspace:"; exit 1; fi
done

step "publint and @arethetypeswrong/cli on each tarball (two at a time)"
# node10 reads subpaths through typesVersions; every resolution mode must find types. Each
# tarball's report goes to its own file, printed in order; any tool's failure fails the step.
lint_tarball() {
  set -eo pipefail
  {
    echo "$(basename "$1")"
    node_modules/.bin/publint run --strict "$1" | grep -vE "^(Running|Unpacking|Linting)" | sed 's/^/  /'
    node_modules/.bin/attw "$1" --no-color --format ascii | grep -vE "^\s*$" | sed 's/^/  /'
  } >"$1.lint" 2>&1
}
export -f lint_tarball
lint_failed=0
printf '%s\n' "$packs"/*.tgz | xargs -P 2 -I{} bash -c 'lint_tarball "$1"' _ {} || lint_failed=1
cat "$packs"/*.lint && rm -f "$packs"/*.lint
[ "$lint_failed" = 0 ] || { echo "publint or attw reported a problem"; exit 1; }

step "npm install of the tarballs in $scratch/app (outside the workspace)"
app="$scratch/app"
mkdir -p "$app/examples"
cp -r examples/koa-server-esm examples/koa-server-cjs examples/agent-ts "$app/examples/"
cp -r .ci/packages/consumer "$app/consumer"
echo '{ "name": "tx402-packages-check", "private": true }' >"$app/package.json"
# The lowest viem and @solana/web3.js of the peer ranges (the workspace runs the newest), koa 3
# (the workspace runs koa 2).
(cd "$app" && npm install --no-audit --no-fund --loglevel=error "$packs"/*.tgz \
  koa@^3.0.0 @koa/router@^15.0.0 viem@2.40.0 @solana/web3.js@1.95.0 axios@^1.6.0 \
  typescript@~5.9.3 @types/node@^20.19.0)

step "tsc: a TypeScript consumer, moduleResolution node16 and bundler, skipLibCheck false, no DOM"
# viem's own declarations (ox's webauthn types) name DOM globals, so without the DOM lib tsc
# reports them whatever the app; every other error (tx402's declarations, the consumer) fails.
typecheck() {
  local out
  out="$("$app/node_modules/.bin/tsc" "$@" 2>&1)" && { echo "  tsc $*: no error"; return 0; }
  local ours
  ours="$(echo "$out" | grep -E 'error TS' | grep -vE '^(\.\./)*node_modules/(ox|viem|abitype)/' || true)"
  if [ -n "$ours" ]; then echo "$ours"; return 1; fi
  echo "  tsc $*: no error in tx402's declarations or the consumer; $(echo "$out" | grep -c 'error TS') in viem's own (DOM names): $(echo "$out" | grep -oE 'node_modules/[a-z]+/[^(]+' | sort -u | tr '\n' ' ')"
}
# One after the other: run side by side on 2 shared cores they took longer (90 s against 54 s).
(cd "$app/consumer" && typecheck -p tsconfig.node16.json && typecheck -p tsconfig.bundler.json)
(cd "$app/examples/agent-ts" && typecheck -p tsconfig.json --outDir . --noEmitOnError false)
test -f "$app/examples/agent-ts/agent.js"

step "the examples against one anvil (ESM server, CommonJS server, TypeScript agent), and the browser bundles (esbuild, minified) beside them"
node_modules/.bin/tsx .ci/packages/browserBundles.ts "$app" >"$scratch/bundles.log" 2>&1 &
bundles=$!
node_modules/.bin/tsx .ci/packages/payExamples.ts "$app"
bundles_failed=0
wait "$bundles" || bundles_failed=1
cat "$scratch/bundles.log"
[ "$bundles_failed" = 0 ] || { echo "the browser bundle check failed"; exit 1; }
