# syntax=docker/dockerfile:1
# Build stage: Debian's toolchain and -dev packages, the project's own setup script.
FROM debian:bookworm AS build
# Lets a cleanup find this stage's untagged image.
LABEL org.deliveryhook.stage=build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN ./scripts/install-deps.sh --for-image && rm -rf /var/lib/apt/lists/*
COPY . .
# libarchive is linked from Debian's static libarchive.a: the hook only writes
# tar, and the shared libarchive13 would bring libxml2 and ICU (35 MB) for
# formats it never writes. libarchive.a still names them (its format table
# references every writer), so their static libraries satisfy the linker and
# --gc-sections drops all of it again; the check below makes sure.
RUN lib=/usr/lib/$(gcc -print-multiarch) \
 && cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DDELIVERYHOOK_BUILD_TESTS=OFF \
      -DDELIVERYHOOK_INSTALL=OFF \
      -DLibArchive_LIBRARY="$lib/libarchive.a" \
      -DCMAKE_CXX_STANDARD_LIBRARIES="$lib/libxml2.a $lib/libicuuc.a $lib/libicudata.a $lib/liblzma.a $lib/libbz2.a $lib/libnettle.a -lz" \
      -DCMAKE_EXE_LINKER_FLAGS="-Wl,--gc-sections" \
 && cmake --build /build -j"$(nproc)" --target delivery-hook \
 && strip /build/app/delivery-hook \
 && if ldd /build/app/delivery-hook | grep -E 'libarchive|libxml2|libicu'; then \
      echo "delivery-hook still loads libarchive's dependencies" >&2; exit 1; fi \
 && ./packaging/image-root.sh /build/app/delivery-hook /rootfs 10001 10001

# Runtime stage: the binary, the shared libraries it loads, CA certificates,
# passwd/group for the user. No shell, no package manager.
FROM scratch
COPY --from=build /rootfs/ /
# COPY resets ownership to root; the job history folder belongs to the user.
COPY --from=build --chown=10001:10001 /rootfs/var/lib/delivery-hook/ /var/lib/delivery-hook/
# Not root: give the container the docker socket's group (compose: group_add).
USER 10001:10001
ENV PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/delivery-hook", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/delivery-hook"]
CMD ["serve"]
