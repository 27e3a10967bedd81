# syntax=docker/dockerfile:1
# One image per service from this one file:
#   docker build --build-arg SERVICE=erp-orders -t registry.example.com/switchboard/erp-orders:0.1.0 .
# Stages: build (all dependencies, `npm run build:prod` -> dist/prod), deps (production dependencies only),
# runtime (node_modules + the compiled libs, the services and the operator CLI, started as this one service; non-root; nothing written at run time,
# so it runs with a read-only root filesystem; /tmp is an emptyDir in Kubernetes).
# The base image is pinned to the exact Node.js LTS release of .nvmrc (the one the tests run on); CI may
# pin its digest too (NODE_IMAGE).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY .swcrc tsconfig.base.json ./
COPY libs ./libs
COPY services ./services
COPY scripts/switchboard.ts scripts/provision-all.ts ./scripts/
COPY scripts/cli ./scripts/cli
RUN npm run build:prod

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE
ARG VERSION=0.0.0
RUN test -n "${SERVICE}" || (echo 'build with --build-arg SERVICE=<service name>' >&2 && exit 1)
ENV NODE_ENV=production \
    SERVICE_VERSION=${VERSION} \
    PORT=8080
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/prod/libs ./dist/libs
# Every service's compiled code (a few hundred KB), because the operator CLI below knows all of them.
COPY --from=build /app/dist/prod/services ./dist/services
# The operator CLI: `node dist/scripts/switchboard.js <command>` (the switchboard-operator Deployment).
COPY --from=build /app/dist/prod/scripts ./dist/scripts
COPY package.json ./
# The container's entry point is the service's own main.js (the migration Job runs
# `node dist/services/<name>/src/provision.js` from the same image).
RUN ln -s "services/${SERVICE}/src/main.js" dist/main.js
# Files stay owned by root and read-only for the process; it runs as the image's unprivileged `node` user.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/main.js"]
