# FerretWatch on the official Node-RED image.
#   docker compose up -d --build        (see docs/docker.md; docker-compose.yml adds Mosquitto)
#   docker build -t ferretwatch .       (this image alone)
#
# Base: the official image's Debian variant, not its default Alpine one. onnxruntime-node ships
# prebuilt CPU binaries for glibc Linux only (musl/Alpine would need a source build of onnxruntime),
# and better-sqlite3 then builds against the same glibc and Node as the final image. Override with
# --build-arg NODE_RED_IMAGE=… to follow another Node-RED release (a *-debian tag).
#
# Stages:
#   pack  – builds this checkout (tsc, dashboard) and `npm pack`s it: the image gets exactly what the
#           npm registry would, never the source tree.
#   deps  – installs that tarball into the image's Node-RED dir the way a palette/npm install would,
#           with python3/make/g++ to compile better-sqlite3; the build tools stay in this stage.
#   final – the Node-RED image + Debian's ffmpeg + the installed node_modules, run as node-red.
ARG NODE_RED_IMAGE=nodered/node-red:4.1-debian

# ---- pack ------------------------------------------------------------------------------------------
FROM ${NODE_RED_IMAGE} AS pack
USER root
WORKDIR /src
COPY --chown=node-red:root package.json package-lock.json .npmrc ./
# Scripts off: the build (tsc + Vite) needs no native addon, and onnxruntime-node's would download CUDA.
RUN npm ci --ignore-scripts --no-audit --no-fund --no-update-notifier
COPY --chown=node-red:root . .
RUN npm run build \
 && mkdir -p /pack \
 && npm pack --ignore-scripts --pack-destination /pack \
 && mv /pack/*.tgz /pack/ferretwatch.tgz

# ---- deps ------------------------------------------------------------------------------------------
FROM ${NODE_RED_IMAGE} AS deps
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/src/node-red
COPY --from=pack --chown=node-red:root /pack/ferretwatch.tgz ./ferretwatch.tgz
# Node-RED loads node modules from its own node_modules too (it scans upwards from its core nodes), so
# the package survives whatever is mounted on /data.
# onnxruntime-node: the CPU binaries are in the npm package; ONNXRUNTIME_NODE_INSTALL=skip (the env form
# of --onnxruntime-node-install=skip) stops its install script downloading the CUDA libraries.
RUN ONNXRUNTIME_NODE_INSTALL=skip npm install --omit=dev --no-audit --no-fund --no-update-notifier ./ferretwatch.tgz

# ---- final -----------------------------------------------------------------------------------------
FROM ${NODE_RED_IMAGE}
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /models \
 && chown node-red:root /models
COPY --from=deps --chown=node-red:root /usr/src/node-red/package.json /usr/src/node-red/package-lock.json /usr/src/node-red/ferretwatch.tgz /usr/src/node-red/
COPY --from=deps --chown=node-red:root /usr/src/node-red/node_modules /usr/src/node-red/node_modules

# FFMPEG_PATH: Debian's ffmpeg, named so the start-up log says which one runs.
# FERRETWATCH_MODEL (a .onnx under /models) is left to docker-compose.yml / `docker run -e`.
ENV FFMPEG_PATH=/usr/bin/ffmpeg

USER node-red
EXPOSE 1880
# Healthy = Node-RED answers and FerretWatch's API is mounted (401 counts: httpNodeAuth is on).
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||1880)+'/ferretwatch/api/cameras').then(r=>process.exit(r.status===200||r.status===401?0:1),()=>process.exit(1))"]
