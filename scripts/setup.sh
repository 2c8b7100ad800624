#!/usr/bin/env bash
# Installs whatever Gossip Lab's build and tests need and is missing; quick when all is present.
# Every step follows shared/toolchain.md (each trap listed there was hit for real).
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. The wasm32 target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. Trunk, pinned: the newest needs a newer rustc than this machine's.
if ! trunk --version 2>/dev/null | grep -q " $TRUNK_VERSION"; then
  say "installing trunk $TRUNK_VERSION (about 5 minutes on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# 3. wasm-bindgen CLI of exactly the library version in Cargo.lock (without --locked: see toolchain.md).
[ -f Cargo.lock ] || cargo generate-lockfile
WASM_BINDGEN_VERSION=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# 4. npm tools: binaryen's wasm-opt (Debian's is too old) and playwright-core (no browser download).
if ! node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version 132" || [ ! -d node_modules/playwright-core ]; then
  if ! command -v npm >/dev/null; then
    echo "setup: npm is missing: install Node.js 20 or newer and run again" >&2
    exit 1
  fi
  say "installing npm tools (binaryen, playwright-core)"
  npm ci --no-audit --no-fund
fi

# 5. Chromium and its driver, for wasm-bindgen-test and Playwright.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if command -v apt-get >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "setup: install Chromium and ChromeDriver at /usr/bin/chromium and /usr/bin/chromedriver, then run again" >&2
    exit 1
  fi
fi
