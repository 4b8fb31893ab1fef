# The Trellis image (control plane, and the `trellis credential` step injected next to sidecars):
#   docker build -t ghcr.io/trellis-mesh/trellis:0.1.0 .
# The build stage needs the dev dependencies (TypeScript, the proto type generator's inputs); the
# runtime stage gets production dependencies only, so test tooling never ships.

FROM node:20-bookworm-slim AS build
WORKDIR /src
# The lock files alone first: the dependency layer is reused until they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Tests are compiled with the rest (one tsconfig); they have no place in the image.
RUN npm run build \
  && find dist/src -name '*.test.js' -delete -o -name '*.test.js.map' -delete

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# Node runs on jemalloc: glibc keeps what a cold start freed in the middle of its heap, about 70 MB
# of RSS at 1,000 services and 2,000 proxies, and jemalloc's background thread gives unused pages
# back (bench/server-env.ts has the measure and the settings). Linked to one path on every
# architecture.
RUN apt-get update \
  && apt-get install -y --no-install-recommends libjemalloc2 \
  && rm -rf /var/lib/apt/lists/* \
  && ln -s "$(dpkg -L libjemalloc2 | grep '/libjemalloc\.so\.2$')" /usr/local/lib/libjemalloc.so.2
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2
ENV MALLOC_CONF=background_thread:true,dirty_decay_ms:5000,muzzy_decay_ms:0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/src ./dist/src
# Read at run time from the source tree's place, relative to dist/: the Envoy proto list
# (src/xds/envoy/proto-root.ts) and the CSR API's service (src/ca/csr-service.ts). Envoy's protos
# themselves come from node_modules/@grpc/grpc-js-xds/deps.
COPY --from=build /src/src/xds/envoy/protos.json ./src/xds/envoy/protos.json
COPY --from=build /src/proto ./proto
# Numeric, so the kubelet can check runAsNonRoot without reading /etc/passwd: `node` of the base
# image, which has a home directory (the Kubernetes client looks for ~/.kube).
USER 1000:1000
ENTRYPOINT ["node", "dist/src/cli/main.js"]
