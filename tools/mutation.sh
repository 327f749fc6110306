#!/usr/bin/env bash
# Mutation testing with Stryker.NET (dotnet-stryker, pinned in .config/dotnet-tools.json). The one entry point for
# every area; not part of .ci/run (an area takes minutes to tens of minutes). Usage:
#   tools/mutation.sh [checkpoint|fusion|reference|engine|ops|all]   (default: fusion)
# Each area mutates one scoped set of files and runs only the tests that check it (a vstest --filter, so each mutant
# costs seconds, not the whole project); reports go to StrykerOutput/<date>/reports/mutation-report.{html,json}
# under the test project's folder.
#   checkpoint  src/Nn/Checkpoint/**                 tests: MiniTorch.Nn.Tests .Checkpoint and .Interop
#   fusion      src/Autograd/Fusion/**, Pointwise.cs tests: MiniTorch.Tests .Fusion and the pointwise/fused op tests
#   reference   src/Reference/**                     tests: MiniTorch.Nn.Tests .Reference and .Golden
#   engine      src/Autograd/{Engine,Function,Gradients,GradientPool,Variable,Node,GradMode,Autograd}.cs   tests: MiniTorch.Tests
#               .Autograd without the per-op gradient properties and the million-op chain (checks of the ops, not
#               of the engine, and two thirds of the cost); ~310 mutants, ~25 minutes. Stryker's safe mode leaves
#               Engine.Run, Gradients.FlushDeferred and Gradients.WriteLeafGrads unmutated (a negated `is not {..} x`
#               pattern leaves x unassigned, so every mutant of those methods is reported as a compile error).
#   ops         src/Autograd/Ops/**                  tests: MiniTorch.Tests .Autograd and the bad-input tests
# Environment: STRYKER_CONCURRENCY (default 1: one test runner), STRYKER_ARGS (extra arguments, e.g. "--since main",
# or "--log-to-file" to follow each mutant in StrykerOutput/<date>/logs). On a shared machine pin it:
# taskset -c 0 tools/mutation.sh fusion. No progress-bar reporter: it crashed at the end under a pseudo-terminal
# (ShellProgressBar, negative width) and took the html/json reports with it. Cost: every mutant starts a test host
# (4-15 s on one core), so checkpoint (~640 mutants) and fusion (~430) take 35-60 minutes each.
set -euo pipefail
cd "$(dirname "$0")/.."
area=${1:-fusion}
dotnet tool restore >/dev/null

run() { # project-under-test, test-project, test filter, mutate globs...
  local project=$1 tests=$2 filter=$3; shift 3
  local mutate=()
  for glob in "$@"; do mutate+=(--mutate "$glob"); done
  # shellcheck disable=SC2086
  (cd "$(dirname "$tests")" && dotnet stryker --project "$(basename "$project")" --test-project "$(basename "$tests")" \
     --configuration Release --concurrency "${STRYKER_CONCURRENCY:-1}" --test-case-filter "$filter" \
     --reporter html --reporter json --reporter cleartext "${mutate[@]}" ${STRYKER_ARGS:-})
}

nn=tests/MiniTorch.Nn.Tests/MiniTorch.Nn.Tests.csproj
core=tests/MiniTorch.Tests/MiniTorch.Tests.csproj
case $area in
  checkpoint) run MiniTorch.Nn.csproj "$nn" \
                'FullyQualifiedName~MiniTorch.Nn.Tests.Checkpoint|FullyQualifiedName~MiniTorch.Nn.Tests.Interop' \
                '**/src/Nn/Checkpoint/**/*.cs' ;;
  fusion)     run MiniTorch.Autograd.csproj "$core" \
                'FullyQualifiedName~MiniTorch.Tests.Fusion|FullyQualifiedName~MiniTorch.Tests.Autograd.Pointwise|FullyQualifiedName~MiniTorch.Tests.Autograd.FusedOpTests' \
                '**/Fusion/**/*.cs' '**/Pointwise.cs' ;;
  reference)  run MiniTorch.Reference.csproj "$nn" \
                'FullyQualifiedName~MiniTorch.Nn.Tests.Reference|FullyQualifiedName~MiniTorch.Nn.Tests.Golden' \
                '**/Reference/**/*.cs' ;;
  engine)     run MiniTorch.Autograd.csproj "$core" 'FullyQualifiedName~MiniTorch.Tests.Autograd&FullyQualifiedName!~GradientProperties&FullyQualifiedName!~PointwiseOpTests&FullyQualifiedName!~AChainOfAMillion' \
                '**/Engine.cs' '**/Function.cs' '**/Gradients.cs' '**/GradientPool.cs' '**/Variable.cs' '**/Node.cs' '**/GradMode.cs' '**/Autograd/Autograd.cs' ;;
  ops)        run MiniTorch.Autograd.csproj "$core" 'FullyQualifiedName~MiniTorch.Tests.Autograd|FullyQualifiedName~MiniTorch.Tests.BadInputTests' \
                '**/Ops/**/*.cs' '**/Autograd/Ops.cs' ;;
  all)        for a in checkpoint fusion reference engine ops; do "$0" "$a"; done ;;
  *) echo "usage: $0 [checkpoint|fusion|reference|engine|ops|all]" >&2; exit 2 ;;
esac
