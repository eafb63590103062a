# syntax=docker/dockerfile:1
# Build stage: Debian's toolchain and -dev packages, the project's own setup script.
FROM debian:bookworm AS build
# Lets a cleanup find this stage's untagged image.
LABEL org.deliveryhook.stage=build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN ./scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DDELIVERYHOOK_BUILD_TESTS=OFF \
 && cmake --build /build -j"$(nproc)" --target delivery-hook \
 && strip /build/app/delivery-hook

# Runtime stage: the binary and the shared libraries it links, nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcurl4 libssl3 libyaml-cpp0.7 libarchive13 libcpp-httplib0.11 libsqlite3-0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/app/delivery-hook /usr/local/bin/delivery-hook
ENV PORT=8000
EXPOSE 8000
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/delivery-hook"]
CMD ["serve"]
