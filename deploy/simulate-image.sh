#!/usr/bin/env bash
# Replays the Dockerfile's two stages without docker, then starts the result as the image would:
#
#   deploy/simulate-image.sh [WORK_DIR]
#
# build stage:   the build context (what .dockerignore lets through), `npm ci`, `npm run build`
# runtime stage: package*.json, `npm ci --omit=dev`, dist/ from the build stage, schema/
# then:          `node <the CMD's flags> dist/main.js` with NODE_ENV=production, the runtime stage's memory settings
#                (its NODE_OPTIONS and MALLOC_ARENA_MAX ENV lines), JWT settings (production refuses to
#                start without a way to authenticate) and the embedded store; checks /healthz,
#                /readyz and /graphql, sends SIGTERM and expects a clean exit 0; and runs the
#                routing trainer's worker script, which the server only loads on trainRouter.
# As root, the server runs as nobody over a read-only copy, as in the image (USER 1000, files
# owned by root). Needs network access to the npm registry (or a warm npm cache). Exits non-zero
# on the first failure; leaves WORK_DIR behind for inspection.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d -t ai-subgraph-image.XXXXXX)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
echo "simulate-image: working in $work"

# --- build stage ------------------------------------------------------------------------------
[ ! -d "$work/app" ] || chmod -R u+w "$work/app"
rm -rf "$work/build" "$work/app" "$work/data"
mkdir -p "$work/build" "$work/app" "$work/data"
cd "$repo"
cp package.json package-lock.json tsconfig.json tsconfig.build.json "$work/build/"
cp -r schema src "$work/build/"
find "$work/build" \( -name '.env*' -o -name '*.log' -o -name '.DS_Store' \) -delete
(cd "$work/build" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && npm run build --silent)

# --- runtime stage ----------------------------------------------------------------------------
cp package.json package-lock.json "$work/app/"
(cd "$work/app" && NODE_ENV=production npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
cp -r "$work/build/dist" "$work/app/dist"
cp -r schema "$work/app/schema"
for devdep in tsx pino-pretty typescript vitest; do
  [ ! -e "$work/app/node_modules/$devdep" ] || { echo "simulate-image: devDependency $devdep is in the runtime install" >&2; exit 1; }
done
echo "simulate-image: runtime stage is $(du -sh "$work/app" | cut -f1) ($(du -sh "$work/app/node_modules" | cut -f1) node_modules)"

# --- start it as the image does ---------------------------------------------------------------
run_as=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
  chown -R root:root "$work/app" && chmod -R a-w "$work/app"
  chown 65534:65534 "$work/data"
  chmod a+x "$work"
  run_as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi
keys=$(node -e '
  const { generateKeyPairSync } = require("node:crypto");
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  process.stdout.write(publicKey.export({ type: "spki", format: "pem" }));')
port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
log="$work/server.log"
# The image's memory settings, as its ENV lines give them (NODE_OPTIONS=…, MALLOC_ARENA_MAX=…).
mapfile -t tuning < <(sed -n 's/^ENV \(NODE_OPTIONS=.*\|MALLOC_ARENA_MAX=.*\)$/\1/p' "$repo/Dockerfile")
# The flags its CMD gives node between "node" and "dist/main.js" (those NODE_OPTIONS may not carry).
mapfile -t node_flags < <(node -e '
  const cmd = require("node:fs").readFileSync(process.argv[1], "utf8").split("\n").filter((line) => line.startsWith("CMD [")).at(-1);
  for (const flag of JSON.parse(cmd.slice(4)).slice(1, -1)) console.log(flag);' "$repo/Dockerfile")
(cd "$work/app" && exec env -i PATH="$PATH" HOME=/nonexistent NODE_ENV=production "${tuning[@]}" PORT="$port" DATA_DIR="$work/data" \
  JWT_ISSUER=https://issuer.example JWT_AUDIENCE=ai-subgraph JWT_PUBLIC_KEY="$keys" SHUTDOWN_GRACE_MS=2000 \
  "${run_as[@]}" node "${node_flags[@]}" dist/main.js >"$log" 2>&1) &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; }
trap cleanup EXIT

PORT=$port node --input-type=module -e '
  const base = `http://127.0.0.1:${process.env.PORT}`;
  const deadline = Date.now() + 60_000;
  let health;
  while (Date.now() < deadline) {
    health = await fetch(`${base}/healthz`).catch(() => undefined);
    if (health) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!health || health.status !== 200) throw new Error(`/healthz: ${health?.status ?? "no answer in 60 s"}`);
  const ready = await fetch(`${base}/readyz`);
  const readyBody = await ready.json();
  if (ready.status !== 200) throw new Error(`/readyz: ${ready.status} ${JSON.stringify(readyBody)}`);
  // Schema loaded from schema/ (an unauthenticated call is refused, but by our server, as GraphQL).
  const graphql = await fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ __typename }" }) });
  const graphqlBody = await graphql.json();
  if (!Array.isArray(graphqlBody.errors) && graphqlBody.data?.__typename !== "Query") throw new Error(`/graphql: ${graphql.status} ${JSON.stringify(graphqlBody)}`);
  console.log(`simulate-image: /healthz 200, /readyz 200 ${JSON.stringify(readyBody)}, /graphql ${graphql.status} ${JSON.stringify(graphqlBody).slice(0, 120)}`);
' || { cat "$log" >&2; exit 1; }

kill -TERM "$server"
status=0
wait "$server" || status=$?
trap - EXIT
[ "$status" = 0 ] || { cat "$log" >&2; echo "simulate-image: exit status $status after SIGTERM (expected 0)" >&2; exit 1; }
grep -q '"stopped cleanly"\|stopped cleanly' "$log" || { cat "$log" >&2; echo "simulate-image: no clean stop in the log" >&2; exit 1; }
echo "simulate-image: SIGTERM → drained and exited 0"

# --- the routing trainer's worker, as the compiled registry starts it (no execArgv) ------------
cat >"$work/train-check.mjs" <<'EOF_CHECK'
import { Worker } from 'node:worker_threads';
const worker = new Worker(new URL('./app/dist/services/ticket-routing/train-worker.js', import.meta.url));
const examples = [];
for (let i = 0; i < 40; i++) examples.push({ text: i % 2 ? `refund for invoice ${i} charged twice` : `cannot log in, password reset ${i} fails`, label: i % 2 ? 'billing' : 'access' });
worker.once('error', (error) => {
  console.error(error);
  process.exit(1);
});
worker.once('message', (answer) => {
  if (!answer.ok) {
    console.error(`train-worker: ${answer.message}`);
    process.exit(1);
  }
  console.log(`simulate-image: train-worker trained a router (${answer.bytes.length} bytes)`);
  void worker.terminate();
});
worker.postMessage(examples);
EOF_CHECK
(cd "$work/app" && "${run_as[@]}" node "$work/train-check.mjs")
echo "simulate-image: ok"
