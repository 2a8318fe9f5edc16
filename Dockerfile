# syntax=docker/dockerfile:1
# Build: a full Rust toolchain; run: a small Debian with only the binary and CA roots.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin liaison && strip target/release/liaison

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/liaison --create-home liaison
COPY --from=build /src/target/release/liaison /usr/local/bin/liaison
USER liaison
WORKDIR /var/lib/liaison
# MALLOC_ARENA_MAX: glibc keeps freed export batches in one arena per thread; two arenas
# keep a 100,000-row export's peak at ~90 MiB instead of ~150 (BENCHMARKS.md).
ENV LIAISON_BIND=0.0.0.0:8080 \
    LIAISON_DATA_DIR=/var/lib/liaison/data \
    TZ=Asia/Shanghai \
    MALLOC_ARENA_MAX=2
VOLUME ["/var/lib/liaison/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s \
  CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '\"ok\"' <&3"]
ENTRYPOINT ["/usr/local/bin/liaison"]
CMD ["serve"]
