#!/bin/sh
# Screenshots of the rendered preview pages (run render.py first), light and dark.
# Dark mode: --force-dark-mode makes headless Chromium report prefers-color-scheme: dark.
cd "$(dirname "$0")"
mkdir -p shots
shot() { # name page width height [extra flags]
  name=$1 page=$2 w=$3 h=$4; shift 4
  timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --screenshot="shots/$name.png" --window-size="$w,$h" "$@" "file://$PWD/out/$page.html" \
    >/dev/null 2>&1 || echo "failed: $name"
}
for page in ${PAGES:-home post}; do
  shot "$page-light" "$page" 1280 ${HEIGHT:-3400}
  shot "$page-dark" "$page" 1280 ${HEIGHT:-3400} --force-dark-mode
  [ -n "$MOBILE" ] && shot "$page-mobile" "$page" 390 ${HEIGHT:-3400}
done
ls shots
