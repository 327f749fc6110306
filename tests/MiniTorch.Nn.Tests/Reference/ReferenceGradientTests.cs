using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Reference;

namespace MiniTorch.Nn.Tests.Reference;

/// <summary>
/// The hand derivations are checked, not trusted: every hand-written backward of <see cref="Cs231n"/> must agree with
/// central differences of its own forward (scaled error below 1e-7), for a random upstream gradient, on generated
/// sizes N, T, D, H in 1..6.
/// </summary>
public class ReferenceGradientTests
{
    [Property(MaxTest = 40)]
    public Property RnnStepBackwardMatchesCentralDifferences() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 1);
        Tensor<double>[] inputs = [Values.Normal(rng, 1, c.N, c.D), Values.Normal(rng, 1, c.N, c.H), wx, wh, b];
        RefOp.Check(x =>
        {
            var (nextH, cache) = Cs231n.RnnStepForward(x[0], x[1], x[2], x[3], x[4]);
            return (nextH, g =>
            {
                var d = Cs231n.RnnStepBackward(g, cache);
                return [d.Dx, d.DPrevH, d.DWx, d.DWh, d.Db];
            });
        }, inputs, c.Seed);
    });

    [Property(MaxTest = 30)]
    public Property RnnBackwardMatchesCentralDifferences() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 1);
        Tensor<double>[] inputs = [Values.Normal(rng, 1, c.N, c.T, c.D), Values.Normal(rng, 1, c.N, c.H), wx, wh, b];
        RefOp.Check(x =>
        {
            var (h, cache) = Cs231n.RnnForward(x[0], x[1], x[2], x[3], x[4]);
            return (h, g =>
            {
                var d = Cs231n.RnnBackward(g, cache);
                return [d.Dx, d.Dh0, d.DWx, d.DWh, d.Db];
            });
        }, inputs, c.Seed);
    });

    [Property(MaxTest = 40)]
    public Property LstmStepBackwardMatchesCentralDifferencesIncludingDPrevC() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 4);
        Tensor<double>[] inputs = [Values.Normal(rng, 1, c.N, c.D), Values.Normal(rng, 1, c.N, c.H), Values.Normal(rng, 1, c.N, c.H), wx, wh, b];
        // Both outputs at once: y = [next_h, next_c] along axis 1, so the upstream gradient feeds dnext_h and dnext_c.
        RefOp.Check(x =>
        {
            var (nextH, nextC, cache) = Cs231n.LstmStepForward(x[0], x[1], x[2], x[3], x[4], x[5]);
            return (Tensor.Concat([nextH, nextC], 1), g =>
            {
                var d = Cs231n.LstmStepBackward(g.Narrow(1, 0, c.H), g.Narrow(1, c.H, c.H), cache);
                return [d.Dx, d.DPrevH, d.DPrevC, d.DWx, d.DWh, d.Db];
            });
        }, inputs, c.Seed);
    });

    [Property(MaxTest = 30)]
    public Property LstmBackwardMatchesCentralDifferences() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var (wx, wh, b) = Values.Recurrent(rng, c.D, c.H, 4);
        Tensor<double>[] inputs = [Values.Normal(rng, 1, c.N, c.T, c.D), Values.Normal(rng, 1, c.N, c.H), wx, wh, b];
        RefOp.Check(x =>
        {
            var (h, cache) = Cs231n.LstmForward(x[0], x[1], x[2], x[3], x[4]);
            return (h, g =>
            {
                var d = Cs231n.LstmBackward(g, cache);
                return [d.Dx, d.Dh0, d.DWx, d.DWh, d.Db];
            });
        }, inputs, c.Seed);
    });

    [Property(MaxTest = 40)]
    public Property WordEmbeddingBackwardWithRepeatedIndicesMatchesCentralDifferences() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var idx = Values.Indices(rng, c.V, c.N, c.T);
        RefOp.Check(x =>
        {
            var (output, cache) = Cs231n.WordEmbeddingForward(idx, x[0]);
            return (output, g => [Cs231n.WordEmbeddingBackward(g, cache).DW]);
        }, [Values.Normal(rng, 1, c.V, c.D)], c.Seed);
    });

    [Fact]
    public void WordEmbeddingBackwardAccumulatesRepeatedWords()
    {
        // Word 1 appears three times, word 0 once, word 2 never: dW rows are the sums of their occurrences' gradients.
        var idx = Tensor.FromArray([1, 0, 1, 1], 2, 2);
        var w = Tensor.Zeros<double>(3, 2);
        var dout = Tensor.FromArray([1.0, 2, 10, 20, 100, 200, 1000, 2000], 2, 2, 2);
        var (_, cache) = Cs231n.WordEmbeddingForward(idx, w);
        var dW = Cs231n.WordEmbeddingBackward(dout, cache).DW;
        Assert.Equal([10.0, 20, 1101, 2202, 0, 0], dW.ToArray());
    }

    [Property(MaxTest = 40)]
    public Property TemporalAffineBackwardMatchesCentralDifferences() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        Tensor<double>[] inputs = [Values.Normal(rng, 1, c.N, c.T, c.D), Values.Normal(rng, 1 / Math.Sqrt(c.D), c.D, c.H), Values.Normal(rng, 0.1, c.H)];
        RefOp.Check(x =>
        {
            var (output, cache) = Cs231n.TemporalAffineForward(x[0], x[1], x[2]);
            return (output, g =>
            {
                var d = Cs231n.TemporalAffineBackward(g, cache);
                return [d.Dx, d.Dw, d.Db];
            });
        }, inputs, c.Seed);
    });

    [Property(MaxTest = 40)]
    public Property TemporalSoftmaxLossGradientMatchesCentralDifferences() => Prop.ForAll(Dims.Arbitrary(), c =>
    {
        var rng = c.Rng();
        var y = Values.Indices(rng, c.V, c.N, c.T);
        var mask = Values.Mask(rng, c.N, c.T);
        RefOp.Check(x =>
        {
            var (loss, dx) = Cs231n.TemporalSoftmaxLoss(x[0], y, mask);
            return (Tensor.Scalar(loss), g => [dx * g.Item()]);
        }, [Values.Normal(rng, 2, c.N, c.T, c.V)], c.Seed);
    });

    [Fact]
    public void TemporalSoftmaxLossDividesBySequencesNotByUnmaskedSteps()
    {
        // Two sequences of two steps, uniform scores over V = 4: each unmasked step costs log 4. Three unmasked steps.
        var x = Tensor.Zeros<double>(2, 2, 4);
        var y = Tensor.FromArray([0, 1, 2, 3], 2, 2);
        var mask = Tensor.FromArray([1.0, 1, 1, 0], 2, 2);
        var (loss, dx) = Cs231n.TemporalSoftmaxLoss(x, y, mask);
        Assert.Equal(3 * Math.Log(4) / 2, loss, 14);
        Assert.Equal(0.0, dx[1, 1, 3]);                 // masked step: no gradient
        Assert.Equal((0.25 - 1) / 2, dx[0, 0, 0], 15); // (p - onehot) / N
    }

    [Fact]
    public void StableSigmoidNeverOverflowsAndIsSymmetric()
    {
        var x = Tensor.FromArray([-1000.0, -40, -1, 0, 1, 40, 1000]);
        var s = Cs231n.Sigmoid(x).ToArray();
        Assert.All(s, v => Assert.True(double.IsFinite(v) && v >= 0 && v <= 1));
        Assert.Equal(0.5, s[3]);
        Assert.Equal(0.0, s[0]);
        Assert.Equal(1.0, s[6]);
        for (int i = 0; i < s.Length; i++) Assert.Equal(1 - s[^(i + 1)], s[i], 15); // σ(-x) = 1 - σ(x)
        Assert.Equal(1 / (1 + Math.Exp(-1.0)), s[4], 15);
        Assert.Equal(Math.Exp(-40) / (1 + Math.Exp(-40)), s[1]); // the x < 0 branch keeps full relative precision
    }

    [Fact]
    public void StableSigmoidWorksInFloat32()
    {
        var s = Cs231n.Sigmoid(Tensor.FromArray([-200f, 0f, 200f])).ToArray();
        Assert.Equal([0f, 0.5f, 1f], s);
    }
}
