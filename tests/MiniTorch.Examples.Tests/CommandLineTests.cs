namespace MiniTorch.Examples.Tests;

/// <summary>The examples' command-line reader: values, defaults, and a <see cref="UsageException"/> for every bad option.</summary>
public class CommandLineTests
{
    private static CommandLine Parse(params string[] args) => new("Test", "A test program.", args);

    [Fact]
    public void ReadsValuesAndDefaults()
    {
        var cl = Parse("--steps", "12", "--lr", "0.5", "--cell", "lstm", "--lengths", "10, 20", "--sample", "--seed", "7");
        Assert.Equal(12, cl.Int("steps", 3, "steps", 0));
        Assert.Equal(0.5, cl.Double("lr", 0.1, "lr", 0, 1));
        Assert.Equal("lstm", cl.Choice("cell", "rnn", "cell", "rnn", "lstm"));
        Assert.Equal([10, 20], cl.IntList("lengths", "5", "lengths"));
        Assert.True(cl.Flag("sample", "sample"));
        Assert.False(cl.Flag("quiet", "quiet"));
        Assert.Equal(7UL, cl.Seed());
        Assert.Equal(64, cl.Int("hidden", 64, "hidden"));
        Assert.Equal("x", cl.String("name", "x", "name"));
        Assert.Equal(-3.0, Parse("--lr", "-3").Double("lr", 0, "lr"));
        cl.Done();
        Assert.False(cl.HelpRequested);
    }

    public static TheoryData<string[], Action<CommandLine>, string> BadCommandLines => new()
    {
        { ["steps"], _ => { }, "unexpected argument" },
        { ["--"], _ => { }, "unexpected argument" },
        { ["--steps", "1", "--steps", "2"], _ => { }, "given twice" },
        { ["--steps", "abc"], c => c.Int("steps", 1, ""), "integer" },
        { ["--steps", "-1"], c => c.Int("steps", 1, "", 0), "[0, " },
        { ["--steps", "1.5"], c => c.Int("steps", 1, ""), "integer" },
        { ["--steps"], c => c.Int("steps", 1, ""), "needs a value" },
        { ["--lr", "fast"], c => c.Double("lr", 1, ""), "number" },
        { ["--lr", "NaN"], c => c.Double("lr", 1, "", 0, 1), "number" },
        { ["--lr", "2"], c => c.Double("lr", 1, "", 0, 1), "[0, 1]" },
        { ["--cell", "gru"], c => c.Choice("cell", "rnn", "", "rnn", "lstm"), "one of rnn, lstm" },
        { ["--lengths", "10,x"], c => c.IntList("lengths", "1", ""), "comma-separated" },
        { ["--lengths", "10,1"], c => c.IntList("lengths", "2", "", min: 2), ">= 2" },
        { ["--lengths", ","], c => c.IntList("lengths", "2", ""), "at least one" },
        { ["--sample", "yes"], c => c.Flag("sample", ""), "takes no value" },
        { ["--seed", "-2"], c => c.Seed(), "seed" },
        { ["--stpes", "3"], c => { c.Int("steps", 1, ""); c.Done(); }, "unknown option --stpes" },
    };

    [Theory]
    [MemberData(nameof(BadCommandLines))]
    public void BadOptionsThrowAUsageExceptionNamingTheProblem(string[] args, Action<CommandLine> read, string expected)
    {
        var e = Assert.Throws<UsageException>(() => read(Parse(args)));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void HelpListsEveryOptionWithoutValidatingTheOthers()
    {
        var cl = Parse("--help", "--steps", "not-a-number");
        Assert.True(cl.HelpRequested);
        Assert.Equal(5, cl.Int("steps", 5, "training steps", 0));
        cl.Flag("sample", "sample instead of training");
        string outDir = cl.OutputDirectory("Test");
        Assert.True(Path.IsPathRooted(outDir));
        string usage = cl.Usage();
        Assert.Contains("--steps", usage);
        Assert.Contains("training steps (default: 5)", usage);
        Assert.Contains("--sample", usage);
        Assert.Contains("--out", usage);
        Assert.Contains("--help", usage);
    }

    [Fact]
    public void OutGivesAFullPath()
    {
        var cl = Parse("--out", "some/dir");
        Assert.Equal(Path.GetFullPath("some/dir"), cl.OutputDirectory("Test"));
    }

    [Fact]
    public void RunMapsErrorsToExitCodes()
    {
        var error = Console.Error;
        try
        {
            Console.SetError(TextWriter.Null);
            Assert.Equal(0, CommandLine.Run("Test", "", ["--n", "3"], c => c.Int("n", 1, "") - 3));
            Assert.Equal(2, CommandLine.Run("Test", "", ["--n", "x"], c => c.Int("n", 1, "")));
            Assert.Equal(1, CommandLine.Run("Test", "", [], _ => throw new FileNotFoundException("no such file")));
            Assert.Equal(1, CommandLine.Run("Test", "", [], _ => throw new InvalidDataException("corrupt")));
        }
        finally { Console.SetError(error); }
    }
}
