# syntax=docker/dockerfile:1
#
# ai-subgraph production image.
#
#   docker build -t ai-subgraph .
#   docker run --rm -p 4000:4000 -e DATABASE_URL=postgres://… -e JWT_ISSUER=… -e JWT_AUDIENCE=… \
#     -e JWT_JWKS_URL=… ai-subgraph
#
# Two stages: `build` installs every dependency and compiles src/ to dist/; `runtime` installs the
# production dependencies only and receives dist/ and schema/ (read at run time from ../../schema/
# relative to dist/graphql/schema.js, so the two folders sit side by side in /app). Nothing else
# of the repository reaches the runtime image. deploy/simulate-image.sh replays both stages
# without docker; test/deploy/dockerfile.test.ts checks this file's wiring.
#
# The base image is pinned to the Node.js release CI uses; pin its digest too
# (node:20.20.2-bookworm-slim@sha256:…) where the registry can be reached, and bump both together.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts are needed to compile (tsc only); skipping them keeps the stage hermetic.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# Memory for many open streams (bench/results/2026-11-22-streaming.md): V8's young generation capped at 2 MB
# per semi-space (16 MB by default on this machine size) and glibc's malloc kept to 2 arenas. With
# both, 2,000 open streams peak at about 260 MB of RSS instead of 355. The price is more frequent
# (and shorter) scavenges: no CPU difference measured at 500 streams, some with 2,000 open. 2, 4, 8
# and 16 MB compared again (bench/results/2026-12-07-late-mem2k.md): at 2,000 streams none peaked
# lower than 2 MB in the median (338 MB against 398, 383, 341, all spread by the machine's load), and
# CPU per streamed call at 200 clients did not tell the four apart. The benchmarks run the subgraph with these same two lines (imageRuntimeTuning in
# test/deploy/support.ts), and with the CMD's flags (imageNodeFlags).
# What spread 2,000 streams' RSS from 240 to 430 MB between runs of one commit was the old
# generation V8 reserved (1.3 to 2.6 times the 128 MB live), growing with the machine's load.
# --heap-growing-percent=40 on the CMD (Node refuses it in NODE_OPTIONS) lets the heap grow to 1.4
# times what survived the last full collection before the next: 253-256 MB against 324-364 without
# it (20: 237-243 MB). The price is more full collections: CPU per call moved -4 to +16 % with 40
# and 0 to +13 % with 20 in alternated peer runs, inside the runs' own spread of about 15 %
# (bench/results/2026-12-07-late-heap.md); as ratios to Portkey in the same runs, about +10 %. Kept:
# memory that tracks the live heap keeps a pod under its limit with thousands of streams open.
ENV NODE_OPTIONS=--max-semi-space-size=2
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. The one install script among them (@apollo/protobufjs's
# postinstall) only prints version-scheme warnings, so scripts are skipped here too.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY schema ./schema
# The embedded store (PGlite, used when DATABASE_URL is unset: a single container, a demo) writes
# to DATA_DIR; it is the only place the process writes to. Mount a volume there to keep its data.
# Replicas use PostgreSQL (DATABASE_URL) and can run with a read-only root filesystem.
RUN mkdir -p /app/data && chown 1000:1000 /app/data
ENV DATA_DIR=/app/data
# The base image's unprivileged `node` user, numerically, so that Kubernetes' runAsNonRoot can
# verify it. The application files stay owned by root: the process cannot change its own code.
USER 1000:1000
EXPOSE 4000
# main.ts drains on SIGTERM (up to SHUTDOWN_GRACE_MS) and exits 0; give `docker stop` a
# --time longer than that grace period.
STOPSIGNAL SIGTERM
# Process up (not store reachability: that is /readyz, for load balancers). Node's own fetch,
# since the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--heap-growing-percent=40", "dist/main.js"]
