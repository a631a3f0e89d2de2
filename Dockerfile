# syntax=docker/dockerfile:1
# Hearth container image: hearthd, hearthctl and hearth-agent on Debian 12 slim, as a non-root
# user.
#
#   docker build -t hearth:dev .
#   docker run --rm -p 127.0.0.1:7070:7070 -p 127.0.0.1:7071:7071 \
#     -v "$PWD/docs/examples/configs:/etc/hearth/configs:ro" hearth:dev
#
# Arguments after the image name are appended to `hearthd serve ...` (for example
# `--log-format json` or another `--grpc-listen unix:///run/hearth/hearthd.sock`).
# See docs/deployment.md.

ARG DEBIAN_RELEASE=bookworm

# ---- build: the same Debian packages as .ci/dev, minus the test and benchmark ones ----
FROM debian:${DEBIAN_RELEASE} AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libtomlplusplus-dev libsimdjson-dev libfyaml-dev libvalijson-dev \
      libspdlog-dev prometheus-cpp-dev libcivetweb-dev libxxhash-dev libzstd-dev libcli11-dev \
      libkainjow-mustache-dev libboost-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Warnings are CI's business (it builds with -Werror); at -O3 GCC 12 also reports a false
# -Wrestrict inside valijson's headers, which must not fail an image build.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DHEARTH_BUILD_TESTS=OFF -DHEARTH_BUILD_BENCHMARKS=OFF -DHEARTH_WERROR=OFF \
 && cmake --build /build --target hearthd hearthctl hearth-agent \
 && install -D -s -m 0755 /build/server/hearthd /out/usr/local/bin/hearthd \
 && install -D -s -m 0755 /build/client/hearthctl /out/usr/local/bin/hearthctl \
 && install -D -s -m 0755 /build/client/agent/hearth-agent /out/usr/local/bin/hearth-agent \
 && sh docker/runtime-packages.sh /out/usr/local/bin/hearthd /out/usr/local/bin/hearthctl \
      /out/usr/local/bin/hearth-agent > /out/runtime-packages.txt \
 && cat /out/runtime-packages.txt

# ---- runtime: only the shared libraries the three binaries load (libgrpc++1.51, libprotobuf32,
# libabsl20220623, libfyaml0, libsimdjson14, libtomlplusplus3, libxxhash0, ...), computed
# above from ldd so the list cannot drift from what the binaries link ----
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
COPY --from=build /out/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && xargs -a /tmp/runtime-packages.txt \
      env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt \
 && groupadd --gid 10001 hearth \
 && useradd --uid 10001 --gid hearth --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin hearth \
 && mkdir -p /etc/hearth/configs /run/hearth \
 && chown hearth:hearth /run/hearth
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
# Fail the build here, not at first start, if a library is missing.
RUN hearthd --version && hearthctl --help > /dev/null && hearth-agent --help > /dev/null

LABEL org.opencontainers.image.title="hearth" \
      org.opencontainers.image.description="Config aggregation: hearthd, hearthctl, hearth-agent" \
      org.opencontainers.image.documentation="docs/deployment.md"

# Numeric so that Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
# 7070: gRPC (hearth.v1.ConfigService, grpc.health.v1, reflection); 7071: Prometheus /metrics.
EXPOSE 7070 7071
# Mount configs at /etc/hearth/configs (read-only is enough: hearthd never writes to its roots).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["hearthctl", "--server", "127.0.0.1:7070", "--timeout", "2", "health"]
ENTRYPOINT ["hearthd", "serve", "--grpc-listen", "0.0.0.0:7070", \
            "--metrics-listen", "0.0.0.0:7071", "--root", "/etc/hearth/configs"]
CMD []
