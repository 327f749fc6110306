#!/usr/bin/env bash
# Mutation testing with Stryker.NET (dotnet-stryker, pinned in .config/dotnet-tools.json). Not part of .ci/run: a
# full area takes tens of minutes. Usage:
#   tools/mutation.sh [fusion|engine|ops|reference|all]   (default: fusion)
# Each area mutates one scoped set of files and runs the test project that checks it; reports go to
# StrykerOutput/<date>/reports/mutation-report.{html,json} under the tested project's folder.
#   fusion     src/Autograd/Fusion/** and src/Autograd/Pointwise.cs (the compiler and the primitive-rule framework)
#   engine     the autograd engine: src/Autograd/{Engine,Function,Gradients,GradientPool,Variable}.cs
#   ops        the differentiable ops: src/Autograd/Ops/**
#   reference  the hand-derived reference functions: src/Reference/** (checked by MiniTorch.Nn.Tests)
set -euo pipefail
cd "$(dirname "$0")/.."
area=${1:-fusion}
dotnet tool restore >/dev/null

run() { # project-under-test, test-project, mutate globs...
  local project=$1 tests=$2; shift 2
  local mutate=()
  for glob in "$@"; do mutate+=(--mutate "$glob"); done
  (cd "$(dirname "$tests")" && dotnet stryker --project "$(basename "$project")" --test-project "$(basename "$tests")" \
     --configuration Release --concurrency "${STRYKER_CONCURRENCY:-2}" --reporter html --reporter json --reporter progress \
     "${mutate[@]}")
}

case $area in
  fusion)    run MiniTorch.Autograd.csproj tests/MiniTorch.Tests/MiniTorch.Tests.csproj '**/Fusion/**/*.cs' '**/Pointwise.cs' ;;
  engine)    run MiniTorch.Autograd.csproj tests/MiniTorch.Tests/MiniTorch.Tests.csproj '**/Engine.cs' '**/Function.cs' '**/Gradients.cs' '**/GradientPool.cs' '**/Variable.cs' ;;
  ops)       run MiniTorch.Autograd.csproj tests/MiniTorch.Tests/MiniTorch.Tests.csproj '**/Ops/**/*.cs' ;;
  reference) run MiniTorch.Reference.csproj tests/MiniTorch.Nn.Tests/MiniTorch.Nn.Tests.csproj '**/Reference/**/*.cs' ;;
  all)       for a in fusion engine ops reference; do "$0" "$a"; done ;;
  *) echo "usage: $0 [fusion|engine|ops|reference|all]" >&2; exit 2 ;;
esac
