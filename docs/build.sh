#!/usr/bin/env bash
# Builds the documentation site into docs/_site: the API reference from the Release builds of the libraries and
# their XML docs, and the articles (whose code comes from .ci/consumer). Warnings are errors (broken links, bad
# cross-references, missing snippet regions). docfx is the version pinned in .config/dotnet-tools.json.
# Usage: docs/build.sh [--no-build] [--serve]   (--no-build: the Release build of src/ already exists)
set -euo pipefail
cd "$(dirname "$0")/.."
build=1; serve=()
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --serve) serve=(--serve) ;;
    *) echo "docs/build.sh: unknown option $a" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOCFX_NO_UPDATE_CHECK=1
dotnet tool restore >/dev/null
if [ "$build" -eq 1 ]; then dotnet build .ci/packages.slnf -c Release --nologo -v:q; fi
rm -rf docs/_site docs/api/*.yml docs/api/.manifest
dotnet docfx docs/docfx.json --warningsAsErrors "${serve[@]}"
