using MiniTorch.Autograd;
using MiniTorch.Examples.CharRnn;
using MiniTorch.Examples.Sentiment;
using MiniTorch.Nn;

namespace MiniTorch.Examples.Tests;

/// <summary>
/// CharRnn and Sentiment hold "some recurrent layer" (IRecurrentLayer through RecurrentLayer): every cell gives the same
/// shapes, keeps its parameters under the cell's name (checkpoints), and carries the state a step at a time exactly as
/// over the whole sequence.
/// </summary>
public class RecurrentChoiceTests
{
    [Theory]
    [InlineData("rnn", false)]
    [InlineData("lstm", true)]
    [InlineData("gru", false)]
    public void CharModelRunsEveryCellAndCarriesItsState(string cell, bool hasCellState)
    {
        var model = new CharModel(7, 5, cell, new Rng(1));
        Assert.All(model.NamedParameters().Select(p => p.Name).Where(k => !k.StartsWith("output", StringComparison.Ordinal)), k => Assert.StartsWith(cell + ".", k));
        int[] ids = [1, 4, 2, 6];
        var (scores, state) = model.Forward(ids, CharState.Zero);
        Assert.Equal([1, 4, 7], scores.Data.ShapeArray);
        Assert.Equal([1, 1, 5], state.H!.Data.ShapeArray);
        Assert.Equal(hasCellState, state.C is not null);

        // The same sequence one character at a time, the state carried: identical scores and final state.
        var carried = CharState.Zero;
        for (int t = 0; t < ids.Length; t++)
        {
            var (step, next) = model.Forward(ids.AsSpan(t, 1), carried);
            carried = next;
            var whole = scores.Data.Narrow(1, t, 1);
            Assert.True(Tensor.AllClose(whole, step.Data, rtol: 1e-5, atol: 1e-6), $"{cell} step {t}");
        }
        Assert.True(Tensor.AllClose(state.H.Data, carried.H!.Data, rtol: 1e-5, atol: 1e-6));
        Assert.Equal(4, model.Sample(carried, 3, 4, 1.0, new Rng(2)).Count);
    }

    [Fact]
    public void UnknownCellsAreRejectedByName()
    {
        Assert.Contains("CharModel: cell must be rnn, lstm or gru, got 'tcn'",
            Assert.Throws<ArgumentException>(() => new CharModel(7, 5, "tcn", new Rng(1))).Message);
        Assert.Contains("RecurrentClassifier: cell must be rnn, lstm or gru, got 'tcn'",
            Assert.Throws<ArgumentException>(() => new RecurrentClassifier(7, 4, 5, "tcn", new Rng(1))).Message);
    }

    [Theory]
    [InlineData("rnn")]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void SentimentClassifierTakesEveryCell(string cell)
    {
        var model = new RecurrentClassifier(9, 4, 5, cell, new Rng(3));
        var ids = new Tensor<int>(3, 6);
        for (int i = 0; i < ids.Length; i++) ids.AsSpan()[i] = i % 9;
        var logits = model.Forward(ids);
        Assert.Equal(3, logits.Data.Dim(0));
        Assert.Contains(model.NamedParameters().Select(p => p.Name), k => k.StartsWith(cell + ".", StringComparison.Ordinal));
        logits.Sum().Backward();
        Assert.All(model.Parameters(), p => Assert.NotNull(p.Grad));
    }
}
