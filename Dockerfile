# syntax=docker/dockerfile:1
# The did:city all-in-one (`pnpm start`): a ledger node with its witnesses, the registration desk, the resolver
# driver routes and the issuer on one port, seeded on first start. The Universal Resolver driver has its own image
# (drivers/uni-resolver-driver-did-city/Dockerfile).
#
#   docker build -t didcity/all-in-one:0.1.0 .
#   docker run -p 8080:8080 -v did-city-data:/data didcity/all-in-one:0.1.0
#
# The data volume holds the institutes' private keys and the tokens: keep it private. The root .dockerignore keeps
# any local data/ directory, key files and tokens out of the build context.

# Node 22, the maintained LTS line; pinned to a patch release so rebuilds are reproducible.
ARG NODE_IMAGE=node:22.23.3-bookworm-slim
ARG PNPM_VERSION=10.34.9

FROM ${NODE_IMAGE} AS builder
ARG PNPM_VERSION
ENV CI=true PNPM_HOME=/pnpm PATH=/pnpm:$PATH
# better-sqlite3 compiles from source when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install --global --no-fund --no-audit pnpm@${PNPM_VERSION}
WORKDIR /src
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
RUN pnpm --filter-prod "@did-city/cli..." run build
# The explorer (a static web app the node serves at /), built from the workspace's sources.
RUN pnpm --filter @did-city/explorer run build
RUN pnpm --filter @did-city/cli deploy --prod --legacy /out

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="did-city-all-in-one" \
      org.opencontainers.image.description="did:city on one machine: ledger, witnesses, registration, resolver driver, issuer" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/did-city/did-city"
# Inside a container the server must listen on every interface for -p to reach it; the data stays in /data.
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0 DATA_DIR=/data
WORKDIR /app
COPY --from=builder /out/ ./
COPY --from=builder /src/packages/explorer/dist/ ./explorer/
ENV DID_CITY_EXPLORER_DIR=/app/explorer
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME ["/data"]
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/serve/main.js"]
