#!/bin/sh
# Used by 10_transfer.yml: writes its arguments and where it ran.
printf 'args=%s cwd=%s\n' "$*" "$(pwd)" > "$1/script.out"
