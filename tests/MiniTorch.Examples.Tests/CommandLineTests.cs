namespace MiniTorch.Examples.Tests;

/// <summary>
/// The examples' command line (<see cref="ExampleCommand"/> over System.CommandLine): both spellings of a value, typed
/// options with one-line errors and exit code 2, unknown options rejected, -h/--help, --out checked before the program
/// runs, and the exit codes of the errors a program throws.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("minitorch-cli-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    /// <summary>An example-like command with one option of each kind.</summary>
    private sealed class Test
    {
        public readonly ExampleCommand Cli = new("Test", "A test program.");
        public readonly System.CommandLine.Option<int> Steps;
        public readonly System.CommandLine.Option<double> Lr;
        public readonly System.CommandLine.Option<string> Cell;
        public readonly System.CommandLine.Option<int[]> Lengths;
        public readonly System.CommandLine.Option<bool> Sample;
        public readonly System.CommandLine.Option<string> Name;

        public Test()
        {
            Steps = Cli.Int("steps", 3, "training steps", 0);
            Lr = Cli.Double("lr", 0.1, "learning rate", 0, 1);
            Cell = Cli.Choice("cell", "rnn", "recurrent layer", "rnn", "lstm");
            Lengths = Cli.IntList("lengths", [5], "sequence lengths", 2);
            Sample = Cli.Flag("sample", "sample instead of training");
            Name = Cli.String("name", "x", "a name");
        }
    }

    private sealed record Outcome(int Code, string Output, string Error, ExampleRun? Run);

    /// <summary>Runs <paramref name="cli"/> on <paramref name="args"/> (with --out in a temporary folder unless given), capturing its output.</summary>
    private Outcome Invoke(ExampleCommand cli, params string[] args) => Invoke(cli, _ => 0, args);

    private Outcome Invoke(ExampleCommand cli, Func<ExampleRun, int> main, params string[] args)
    {
        if (!args.Any(a => a.StartsWith("--out", StringComparison.Ordinal))) args = ["--out", Path.Combine(_temp, "out"), .. args];
        ExampleRun? seen = null;
        var output = new StringWriter();
        var error = new StringWriter();
        int code = cli.Run(args, run => { seen = run; return main(run); }, output, error);
        return new Outcome(code, output.ToString(), error.ToString(), seen);
    }

    [Theory]
    [InlineData("--steps", "12", "--lr", "0.5")]
    [InlineData("--steps=12", "--lr=0.5")]
    public void ReadsValuesWrittenEitherWay(params string[] args)
    {
        var t = new Test();
        var r = Invoke(t.Cli, [.. args, "--cell", "lstm", "--lengths=10, 20", "--sample", "--seed=7", "--progress", "plain"]);
        Assert.Equal(0, r.Code);
        Assert.Equal("", r.Error);
        var run = r.Run!;
        Assert.Equal(12, run.Get(t.Steps));
        Assert.Equal(0.5, run.Get(t.Lr));
        Assert.Equal("lstm", run.Get(t.Cell));
        Assert.Equal([10, 20], run.Get(t.Lengths));
        Assert.True(run.Get(t.Sample));
        Assert.Equal(7UL, run.Seed);
        Assert.Equal(ProgressStyle.Plain, run.Progress);
        Assert.True(run.IsGiven(t.Steps));
        Assert.False(run.IsGiven(t.Name));
    }

    [Fact]
    public void AbsentOptionsTakeTheirDefaults()
    {
        var t = new Test();
        var run = Invoke(t.Cli).Run!;
        Assert.Equal(3, run.Get(t.Steps));
        Assert.Equal(0.1, run.Get(t.Lr));
        Assert.Equal("rnn", run.Get(t.Cell));
        Assert.Equal([5], run.Get(t.Lengths));
        Assert.False(run.Get(t.Sample));
        Assert.Equal("x", run.Get(t.Name));
        Assert.Equal(1UL, run.Seed);
        Assert.Equal(ProgressStyle.Auto, run.Progress);
    }

    public static TheoryData<string[], string> BadCommandLines => new()
    {
        { ["steps"], "unexpected argument 'steps'" },
        { ["--steps", "abc"], "option --steps must be an integer >= 0, got 'abc'" },
        { ["--steps=-1"], "option --steps must be an integer >= 0, got '-1'" },
        { ["--steps", "1.5"], "must be an integer" },
        { ["--steps"], "option --steps needs a value" },
        { ["--steps", "--seed", "3"], "option --steps must be an integer >= 0, got '--seed'" },
        { ["--steps", "1", "--steps", "2"], "--steps" },
        { ["--lr", "fast"], "option --lr must be a number in [0, 1], got 'fast'" },
        { ["--lr", "NaN"], "option --lr must be a number in [0, 1], got 'NaN'" },
        { ["--lr=2"], "option --lr must be a number in [0, 1], got '2'" },
        { ["--cell", "gru"], "option --cell must be one of rnn, lstm, got 'gru'" },
        { ["--lengths", "10,x"], "option --lengths must be a comma-separated list of integers >= 2, got '10,x'" },
        { ["--lengths", "10,1"], ">= 2" },
        { ["--lengths", ","], "option --lengths needs at least one value" },
        { ["--seed", "-2"], "option --seed must be an integer >= 0, got '-2'" },
        { ["--progress", "fancy"], "option --progress must be one of auto, plain, none, got 'fancy'" },
        { ["--stpes", "3"], "unknown option --stpes; did you mean --steps?" },
        { ["--stpes=3"], "unknown option --stpes; did you mean --steps?" },
        { ["--frobnicate"], "unknown option --frobnicate" },
        { ["-s", "3"], "unknown option -s" },
    };

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public void BadOptionsPrintOneLineAndExitWith2BeforeTheProgramRuns(string[] args, string expected)
    {
        var r = Invoke(new Test().Cli, args);
        Assert.Equal(2, r.Code);
        Assert.Null(r.Run);
        Assert.Equal("", r.Output);
        string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Test: ", line);
        Assert.Contains(expected, line);
        Assert.EndsWith("(see --help)", line.TrimEnd());
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public void HelpListsEveryOptionWithItsDefaultAndExits0(string help)
    {
        var r = Invoke(new Test().Cli, help);
        Assert.Equal(0, r.Code);
        Assert.Null(r.Run);
        Assert.Equal("", r.Error);
        foreach (var text in new[] { "A test program.", "--steps <int>", "training steps [default: 3]", "--lr <number>",
                     "--cell <rnn|lstm>", "--lengths", "--sample", "--seed", "--out", "--progress <auto|plain|none>", "--help" })
            Assert.Contains(text, r.Output);
        // The example's own options come first, the standard ones after them.
        Assert.True(r.Output.IndexOf("--steps", StringComparison.Ordinal) < r.Output.IndexOf("--seed", StringComparison.Ordinal));
    }

    [Fact]
    public void HelpWinsOverOtherwiseBadOptions()
    {
        var r = Invoke(new Test().Cli, "--steps", "not-a-number", "--help");
        Assert.Equal(0, r.Code);
        Assert.Contains("--steps", r.Output);
    }

    [Fact]
    public void OutIsCreatedAndGivenAsAFullPath()
    {
        string dir = Path.Combine(_temp, "a", "b");
        var r = Invoke(new Test().Cli, "--out", dir);
        Assert.Equal(0, r.Code);
        Assert.Equal(Path.GetFullPath(dir), r.Run!.OutputDirectory);
        Assert.True(Directory.Exists(dir));
        Assert.Empty(Directory.GetFileSystemEntries(dir)); // the write probe is removed
    }

    [Fact]
    public void AnUnwritableOutStopsTheProgramBeforeItStarts()
    {
        string file = Path.Combine(_temp, "a-file");
        File.WriteAllText(file, "x");
        foreach (var bad in new[] { file, Path.Combine(file, "sub") })
        {
            var r = Invoke(new Test().Cli, $"--out={bad}");
            Assert.Equal(2, r.Code);
            Assert.Null(r.Run);
            string line = Assert.Single(r.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"cannot write to --out {bad}", line);
        }
    }

    [Fact]
    public void CheckWritableFileRejectsAFolderAndAFileUnderAFile()
    {
        string file = Path.Combine(_temp, "a-file");
        File.WriteAllText(file, "x");
        Assert.Contains("is a folder", Assert.Throws<UsageException>(() => ExampleRun.CheckWritableFile(_temp, "--checkpoint")).Message);
        Assert.Contains("cannot write to --checkpoint", Assert.Throws<UsageException>(() => ExampleRun.CheckWritableFile(Path.Combine(file, "m.safetensors"), "--checkpoint")).Message);
        Assert.Equal(Path.Combine(_temp, "new", "m.safetensors"), ExampleRun.CheckWritableFile(Path.Combine(_temp, "new", "m.safetensors"), "--checkpoint"));
    }

    [Fact]
    public void ErrorsThrownByTheProgramMapToExitCodes()
    {
        Assert.Equal(5, Invoke(new Test().Cli, _ => 5).Code);
        var usage = Invoke(new Test().Cli, _ => throw new UsageException("--prime contains 'é'"));
        Assert.Equal(2, usage.Code);
        Assert.Equal("Test: --prime contains 'é' (see --help)", usage.Error.Trim());
        var missing = Invoke(new Test().Cli, _ => throw new FileNotFoundException("no such text file: x.txt"));
        Assert.Equal(1, missing.Code);
        Assert.Equal("Test: no such text file: x.txt", missing.Error.Trim());
        Assert.Equal(1, Invoke(new Test().Cli, _ => throw new InvalidDataException("corrupt")).Code);
        Assert.Throws<InvalidOperationException>(() => Invoke(new Test().Cli, _ => throw new InvalidOperationException("a bug")));
    }

    [Fact]
    public void ASeedDefaultCanBeSetPerProgram()
    {
        var cli = new ExampleCommand("Test", "", defaultSeed: 42);
        Assert.Equal(42UL, Invoke(cli).Run!.Seed);
    }

    [Fact]
    public void ChoiceRejectsADefaultOutsideItsChoices() =>
        Assert.Throws<ArgumentException>(() => new ExampleCommand("Test", "").Choice("cell", "gru", "", "rnn", "lstm"));

    /// <summary>The benchmark program's shape: subcommands with their own options, one capturing the remaining arguments.</summary>
    private static (ExampleCommand Root, List<string> Ran) Subcommands()
    {
        var ran = new List<string>();
        var root = new ExampleCommand("Bench", "Benchmarks.", standardOptions: false);
        var train = root.Subcommand("train", "time a training step");
        var model = train.Choice("model", "lstm", "the module", "lstm", "rnn");
        train.SetAction(run => { ran.Add($"train {run.Get(model)}"); return 0; });
        var bdn = root.Subcommand("bdn", "micro-benchmarks");
        var rest = new System.CommandLine.Argument<string[]>("rest") { Arity = System.CommandLine.ArgumentArity.ZeroOrMore, CaptureRemainingTokens = true };
        bdn.Command.Arguments.Add(rest);
        bdn.SetAction(run => { ran.Add("bdn " + string.Join(" ", run.Get(rest))); return 0; });
        return (root, ran);
    }

    [Theory]
    [InlineData(new[] { "train", "--model", "rnn" }, 0, "train rnn", "")]
    [InlineData(new[] { "train", "--model=rnn" }, 0, "train rnn", "")]
    [InlineData(new[] { "bdn", "--filter", "*Gemm*", "--list", "flat" }, 0, "bdn --filter *Gemm* --list flat", "")]
    [InlineData(new string[0], 2, null, "Bench: choose a command: train, bdn (see --help)")]
    [InlineData(new[] { "tarin" }, 2, null, "Bench: unknown command 'tarin'; the commands are train, bdn (see --help)")]
    [InlineData(new[] { "train", "--modle", "rnn" }, 2, null, "Bench: unknown option --modle; did you mean --model? (see --help)")]
    [InlineData(new[] { "train", "--model", "gru" }, 2, null, "Bench: option --model must be one of lstm, rnn, got 'gru' (see --help)")]
    public void SubcommandsSelectTheirActionAndOptions(string[] args, int code, string? ran, string error)
    {
        var (root, log) = Subcommands();
        var errors = new StringWriter();
        Assert.Equal(code, root.Run(args, output: TextWriter.Null, error: errors));
        Assert.Equal(ran is null ? [] : [ran], log);
        Assert.Equal(error, errors.ToString().Trim());
    }

    [Fact]
    public void SubcommandHelpListsItsOptions()
    {
        var (root, log) = Subcommands();
        var output = new StringWriter();
        Assert.Equal(0, root.Run(["train", "-h"], output: output, error: TextWriter.Null));
        Assert.Contains("--model <lstm|rnn>", output.ToString());
        output = new StringWriter();
        Assert.Equal(0, root.Run(["--help"], output: output, error: TextWriter.Null));
        Assert.Contains("train", output.ToString());
        Assert.Contains("bdn", output.ToString());
        Assert.Empty(log);
    }
}
