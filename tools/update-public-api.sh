#!/usr/bin/env bash
# Regenerates each library's src/*/PublicAPI.Unshipped.txt from the public API analyzer (RS0016: a public symbol
# missing from the lists): the file is reset and refilled by the analyzer's own code fix (dotnet format), so it lists
# exactly the public API that is not in PublicAPI.Shipped.txt. Run it after an intended API change, review the diff
# and commit it. A symbol removed from the code but listed in PublicAPI.Shipped.txt stays an error (RS0017): a
# breaking change must be made deliberately (mark it *REMOVED* in the Unshipped file). On release, move the Unshipped
# lines to Shipped.
# With --doc-gaps it also rewrites tests/MiniTorch.Nn.Tests/Docs/known-doc-gaps.txt from the current code (the
# members whose <param>/<returns> docs are missing; DocumentationTests fails on any gap not listed). Use that only to
# take over a list after merging others' work: new public members should get their docs instead.
# Usage: tools/update-public-api.sh [--doc-gaps] [PROJECT_DIR...]   (default: every src/* library)
# After a merge or any change to public members (say the engine's files on main), one command regenerates every list:
#   taskset -c 0 bash tools/update-public-api.sh          (add --doc-gaps only when taking over others' doc gaps)
# then `git diff src/*/PublicAPI.Unshipped.txt`, review, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
docgaps=0
if [ "${1:-}" = "--doc-gaps" ]; then docgaps=1; shift; fi
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then projects=(src/*/); fi
dotnet restore .ci/packages.slnf --nologo -v:q
for dir in "${projects[@]}"; do
  dir=${dir%/}
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
done
for dir in "${projects[@]}"; do
  dir=${dir%/}
  # The analyzer's code fix writes the missing entries (one project at a time: over a solution filter it stops after
  # the first project).
  dotnet format analyzers "$(ls "$dir"/*.csproj)" --diagnostics RS0016 RS0037 --severity info --no-restore -v q || true
  # Sorted, so concurrent additions merge cleanly.
  { head -n 1 "$dir/PublicAPI.Unshipped.txt"; tail -n +2 "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort -u; } > "$dir/PublicAPI.Unshipped.txt.tmp"
  mv "$dir/PublicAPI.Unshipped.txt.tmp" "$dir/PublicAPI.Unshipped.txt"
  echo "update-public-api: $dir: $(($(wc -l < "$dir/PublicAPI.Unshipped.txt") - 1)) unshipped entries"
done
# The check: the libraries build, without public API diagnostics (the output is kept: under pipefail a failed build
# piped into grep would read as "no errors").
if ! out=$(dotnet build .ci/packages.slnf -c Release --no-restore --nologo -v:q 2>&1); then
  echo "$out" | grep -E "error [A-Z]+[0-9]+" | sort -u >&2
  echo "update-public-api: the libraries do not build (see above; RS00xx are public API diagnostics)" >&2; exit 1
fi
if [ "$docgaps" -eq 1 ]; then
  dotnet build tests/MiniTorch.Nn.Tests -c Release --nologo -v:q
  : > tests/MiniTorch.Nn.Tests/Docs/known-doc-gaps.txt
  MINITORCH_WRITE_DOC_GAPS=1 dotnet test tests/MiniTorch.Nn.Tests -c Release --no-build --nologo \
    --filter "FullyQualifiedName~DocumentationTests"
  echo "update-public-api: $(wc -l < tests/MiniTorch.Nn.Tests/Docs/known-doc-gaps.txt) known XML-doc gaps listed"
fi
echo "update-public-api: done; review and commit src/*/PublicAPI.*.txt (and the doc-gaps list)"
