#!/bin/sh
# Assembles the root file system of the runtime image (the Dockerfile's
# build stage runs it; the runtime stage is FROM scratch and copies the
# result): the binary, the shared libraries it loads with their dynamic
# loader, CA certificates, a passwd/group entry for the unprivileged user and
# the job-history folder. Nothing else: no shell, no package manager.
#
#   image-root.sh BINARY ROOT UID GID
set -eu
binary=$1 root=$2 uid=$3 gid=$4

mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/var/lib/delivery-hook"
chmod 1777 "$root/tmp"
cp "$binary" "$root/usr/local/bin/delivery-hook"

# ldd lists every library the loader maps, transitively, and the loader
# itself (the line without "=>"). Each is copied, symlinks resolved, to the
# path the loader looks it up by.
ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' |
  while read -r library; do cp -L --parents "$library" "$root"; done

# libcurl's default CA bundle path on Debian.
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"

# Names for the ids, so tools and logs show them; home is the data folder.
echo "delivery-hook:x:$uid:$gid:delivery-hook:/var/lib/delivery-hook:/nonexistent" >"$root/etc/passwd"
echo "delivery-hook:x:$gid:" >"$root/etc/group"
