// Placeholder entry point; the benchmark program is built in the performance work.
Console.WriteLine("usage: MiniTorch.Benchmarks matmul|train ...");
