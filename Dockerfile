# syntax=docker/dockerfile:1
# mm: one image for every role (api, edge, worker; the migrate job). Built from source.

# hls.js, @noble/hashes and swagger-ui-dist (the /api/docs viewer) from the npm registry, exactly as package-lock.json pins them; never a
# copy kept in git. Copied under the names mm serves them by (src/config/web.rs VENDOR_FILES).
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY package.json package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --omit=dev --no-audit --no-fund \
 && mkdir -p vendor/noble-hashes vendor/swagger-ui \
 && cp node_modules/hls.js/dist/hls.min.js node_modules/hls.js/dist/hls.worker.js vendor/ \
 && cp node_modules/@noble/hashes/sha2.js node_modules/@noble/hashes/_md.js \
       node_modules/@noble/hashes/_u64.js node_modules/@noble/hashes/utils.js vendor/noble-hashes/ \
 && cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css \
       vendor/swagger-ui/

FROM rust:1-slim-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
# templates/ and migrations/ are compiled into the binary (askama, embed_migrations!).
COPY . .
RUN cargo build --release --locked \
 && install -m 0755 target/release/mm /usr/local/bin/mm

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 mm \
 && useradd --system --uid 10001 --gid mm --home-dir /app --shell /usr/sbin/nologin mm \
 && mkdir -p /app/data \
 && chown mm:mm /app/data
COPY --from=builder /usr/local/bin/mm /usr/local/bin/mm
COPY static/ /app/static/
COPY --from=web /web/vendor/ /app/static/vendor/
WORKDIR /app
USER mm:mm
ENV PORT=8080 \
    MM_DATA_DIR=/app/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/mm"]
CMD ["serve"]
