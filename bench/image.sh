#!/usr/bin/env bash
# Runtime image size. The Dockerfile's stages are Debian images that may not
# be pullable offline; when they are (IMAGE_BUILD=1 and the base images are
# present) the image is built and `docker image inspect` gives its size.
# Otherwise this measures what the runtime stage adds for the hook itself:
# the stripped binary plus every shared library it loads that is not part of
# glibc (the runtime base would also bring glibc, ca-certificates and the
# rest of debian:bookworm-slim).
# Usage: bench/image.sh [--smoke]      Output: $BENCH_OUT/image.json
source "$(dirname "$0")/lib.sh"
[[ ${1:-} == --smoke ]] && SMOKE=1
need_hook
need strip binutils
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$HOOK_BIN" "$work/delivery-hook"
strip "$work/delivery-hook"
bin_bytes=$(stat -c %s "$work/delivery-hook")
glibc='^(linux-vdso|ld-linux|libc|libm|libpthread|libdl|librt|libresolv|libutil)[.-]'
libs_bytes=0
: >"$work/libs.txt"
while read -r name _ path _; do
  [[ -z ${path:-} || $path != /* ]] && continue
  [[ $name =~ $glibc ]] && continue
  size=$(stat -L -c %s "$path")
  libs_bytes=$((libs_bytes + size))
  echo "$size $name" >>"$work/libs.txt"
done < <(ldd "$HOOK_BIN")
image_bytes=null
if [[ ${IMAGE_BUILD:-0} == 1 ]]; then
  need_engine
  tag=dhbench-image:$$
  if docker build -q -t "$tag" "$REPO_DIR" >/dev/null; then
    image_bytes=$(docker image inspect --format '{{.Size}}' "$tag")
    docker image rm "$tag" >/dev/null
  else
    note "docker build failed (are the debian base images available?)"
  fi
fi
python3 - "$work/libs.txt" "$bin_bytes" "$libs_bytes" "$image_bytes" >"$BENCH_OUT/image.json" <<'PY'
import json, sys
libs = sorted(((int(s), n) for s, n in (l.split() for l in open(sys.argv[1]))), reverse=True)
b, l = int(sys.argv[2]), int(sys.argv[3])
img = None if sys.argv[4] == "null" else int(sys.argv[4])
print(json.dumps({"stripped_binary_bytes": b, "non_glibc_libs_bytes": l,
                  "binary_plus_libs_bytes": b + l, "libs": [[n, s] for s, n in libs],
                  "built_image_bytes": img}, indent=1))
PY
python3 - "$BENCH_OUT/image.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
mb = lambda x: x / 1e6
print(f"image: stripped binary {mb(d['stripped_binary_bytes']):.1f} MB + {len(d['libs'])} non-glibc libraries "
      f"{mb(d['non_glibc_libs_bytes']):.1f} MB = {mb(d['binary_plus_libs_bytes']):.1f} MB"
      + (f"; built image {mb(d['built_image_bytes']):.1f} MB" if d['built_image_bytes'] else ""))
print("  largest: " + ", ".join(f"{n} {mb(s):.1f} MB" for n, s in d["libs"][:6]))
PY
