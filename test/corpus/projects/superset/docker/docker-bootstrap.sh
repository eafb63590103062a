#!/bin/sh
# Stands in for the original script: the corpus image's stub is the server.
exec /usr/local/bin/corpus-stub "$@"
