namespace MiniTorch.Tests.Tensors;

/// <summary>Results built in storage that is not zeroed first are written completely (this run poisons such storage with NaN).</summary>
public class UninitializedStorageTests
{
    [Fact]
    public void ThisRunPoisonsUnzeroedStorage()
    {
        Assert.True(UninitializedPoison.Enabled);
        Assert.All(Tensor<float>.Uninitialized([3, 4]).AsSpan().ToArray(), v => Assert.True(float.IsNaN(v)));
        Assert.All(Tensor<double>.Uninitialized([5]).AsSpan().ToArray(), v => Assert.True(double.IsNaN(v)));
        Assert.All(Tensor<int>.Uninitialized([2]).AsSpan().ToArray(), v => Assert.Equal(int.MinValue, v));
    }

    [Fact]
    public void EveryResultOfTheUnzeroedPathsIsWritten()
    {
        var rng = new Rng(5);
        var a = rng.Normal<double>([3, 4, 5]);
        var b = rng.Normal<double>([5, 2]);
        var row = rng.Normal<double>([5]);
        Tensor<double>[] results =
        [
            a.MatMul(b),
            a.Clone(), -a, 2.0 - a, a * 3.0, a + a, a + row, row.BroadcastTo(3, 4, 5), a.Tanh(), a.Exp(), a.Square(),
            a.Permute(2, 0, 1), a.Transpose(0, 2), a.Narrow(2, 1, 3), Tensor.Concat([a, a], 1), Tensor.Stack([a, a], 2),
            a.IndexSelect(1, Tensor.FromArray([3, 0, 0])), new Tensor<double>(6, 7).Transpose(0, 1),
        ];
        foreach (var r in results) Assert.All(r.AsSpan().ToArray(), v => Assert.False(double.IsNaN(v)));
        Assert.Equal(0, a.MatMul(new Tensor<double>(5, 0)).Length);
        Assert.All(new Tensor<double>(3, 0).MatMul(new Tensor<double>(0, 4)).AsSpan().ToArray(), v => Assert.Equal(0.0, v)); // k = 0: zeros
    }
}
