#!/bin/sh
# The stand-in's rustup: the toolchain is the one copied from the machine, for its own target only. It answers
# `rustup target add` for that target and `rustup show`; anything else is refused with the reason, so a Dockerfile
# that needs more (another target, another toolchain) fails plainly instead of pretending.
host="$(rustc -vV | sed -n 's/^host: //p')"
case "$1 $2" in
  "target add")
    shift 2
    for target in "$@"; do
      if [ "$target" != "$host" ]; then
        echo "rustup (stowage stand-in): only the machine's target $host is installed; $target cannot be added without a registry" >&2
        exit 1
      fi
    done
    echo "info: component 'rust-std' for target '$host' is up to date" >&2 ;;
  "target list") echo "$host (installed)" ;;
  "show "*) rustc --version ;;
  *) echo "rustup (stowage stand-in): \`rustup $*\` is not supported by the stand-in" >&2; exit 1 ;;
esac
