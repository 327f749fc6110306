using MiniTorch.Benchmarks;

// MiniTorch's benchmark program: `dotnet run -c Release --project benchmarks/MiniTorch.Benchmarks -- <command> [options]`.
// Each subcommand is one ICommand in Commands.All; add a new one there.
return Commands.Build().Run(args);
