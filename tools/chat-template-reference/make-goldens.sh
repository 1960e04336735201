#!/usr/bin/env bash
# Writes tests/golden/chat-templates/*.json: every chat template of the golden set rendered over fixed
# conversations by @huggingface/jinja (pinned in package.json). Run from anywhere; needs node and npm.
# The shared models folder is ../shared/models beside the repository unless CODEGEN_MODELS says otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
models="${CODEGEN_MODELS:-$repo/../shared/models}"
cd "$here"
if [ ! -d node_modules/@huggingface/jinja ]; then
  npm ci --no-audit --no-fund
fi
node render.mjs "$models" "$repo" "$repo/tests/golden/chat-templates"
