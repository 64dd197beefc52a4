#!/usr/bin/env bash
# What the browser test (tests/test_live.py) needs, installed from the package registries:
#   - ONNX Runtime Web and a Chromium driver from npm, into tools/browser/node_modules (npm ci: the versions of package-lock.json);
#   - Chromium itself from Debian's packages, when it is missing and this machine lets us install it (root with apt-get).
# Never fails: without these the browser test is skipped and says which part is missing.
cd "$(dirname "$0")/browser" || exit 0
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1 && echo "setup_browser: npm packages installed" \
    || echo "setup_browser: npm ci failed; the browser test will be skipped"
else
  echo "setup_browser: no npm; the browser test will be skipped"
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
      && echo "setup_browser: chromium installed" || echo "setup_browser: could not install chromium; the browser test will be skipped"
  else
    echo "setup_browser: no chromium (install Debian's 'chromium' package); the browser test will be skipped"
  fi
fi
exit 0
