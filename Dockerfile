# kyoyu — one image per pipeline stage, all from this file.
#
#   docker build --target ingestion  -t kyoyu/ingestion  .
#   docker build --target deidentify -t kyoyu/deidentify .
#   docker build --target review     -t kyoyu/review     .
#   docker build --target fanout     -t kyoyu/fanout     .
#
# Works with BuildKit and with the classic builder (docker-compose v1 builds); no RUN --mount.
# No HEALTHCHECK on purpose: Kubernetes probes (/health/live, /health/ready) and the compose
# healthchecks do that job.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# manifests: only package.json / package-lock.json of the root and of every npm workspace
# (apps/*, libs/*), and patches/ (`npm ci` applies them to node_modules; see patches/README.md).
# Its output changes only when one of these changes, so the `npm ci` layers below stay cached
# across source edits.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir -p /manifests \
 && cp -r package.json package-lock.json patches /manifests/ \
 && for f in apps/*/package.json libs/*/package.json; do \
      mkdir -p "/manifests/$(dirname "$f")" && cp "$f" "/manifests/$f"; \
    done

# ---------------------------------------------------------------------------------------------
# build: full install (dev deps: nx, swc) and compile every project into /src/dist.
FROM ${NODE_IMAGE} AS build
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    NX_SKIP_NX_CACHE=true \
    npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false
WORKDIR /src
COPY --from=manifests /manifests/ ./
RUN npm ci
COPY . .
RUN npx nx run-many -t build \
 && test -f dist/apps/ingestion/src/main.js \
 && test -f dist/apps/deidentify/src/main.js \
 && test -f dist/apps/review/src/main.js \
 && test -f dist/apps/fanout/src/main.js \
 && test -f dist/apps/cli/src/main.js

# ---------------------------------------------------------------------------------------------
# prod-deps: production dependencies only.
FROM ${NODE_IMAGE} AS prod-deps
ENV NODE_ENV=production \
    npm_config_audit=false \
    npm_config_fund=false \
    npm_config_update_notifier=false
WORKDIR /app
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev && npm cache clean --force

# ---------------------------------------------------------------------------------------------
# runtime: shared by the four stage targets. Files are owned by root and only readable by the
# `node` user (uid 1000) the process runs as; the root filesystem can be mounted read-only
# (writable /tmp is provided by the orchestrator).
FROM ${NODE_IMAGE} AS runtime
# MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_: fixed glibc thresholds, so kafkajs' and pg's buffers of up to
# 1 MB reuse heap pages (no page fault per fresh page) and the heap still shrinks past 4 MB free (the same
# settings as STAGE_PROCESS_ENV in libs/testing/src/lib/services.ts, which says why; CI checks they agree).
ENV NODE_ENV=production \
    HTTP_PORT=3000 \
    NODE_OPTIONS=--enable-source-maps \
    MALLOC_MMAP_THRESHOLD_=1048576 \
    MALLOC_TRIM_THRESHOLD_=4194304
WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /src/dist ./dist
USER node
EXPOSE 3000

FROM runtime AS ingestion
CMD ["node", "dist/apps/ingestion/src/main.js"]

FROM runtime AS deidentify
CMD ["node", "dist/apps/deidentify/src/main.js"]

FROM runtime AS review
CMD ["node", "dist/apps/review/src/main.js"]

FROM runtime AS fanout
CMD ["node", "dist/apps/fanout/src/main.js"]

# the operator's `kyoyu` CLI: docker run --rm -e DATABASE_URL -e KAFKA_BROKERS ... kyoyu/cli reconcile --from 6h
FROM runtime AS cli
ENTRYPOINT ["node", "dist/apps/cli/src/main.js"]
