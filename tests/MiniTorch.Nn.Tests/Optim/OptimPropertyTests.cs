using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;

namespace MiniTorch.Nn.Tests.Optim;

public class OptimPropertyTests
{
    // Finite values of varied magnitude (FsCheck's default doubles include NaN and infinities).
    private static readonly Gen<double> Finite =
        Gen.Choose(-1_000_000, 1_000_000).SelectMany(m => Gen.Choose(-6, 3).Select(e => m / 1e6 * Math.Pow(10, e)));

    private static Arbitrary<(double[] P, double[] G)> Pairs() =>
        Gen.Choose(1, 12).SelectMany(n => Finite.ArrayOf(n).SelectMany(p => Finite.ArrayOf(n).Select(g => (p, g)))).ToArbitrary();

    [Property(MaxTest = 60)]
    public Property AdamFirstStepMovesEveryElementByAtMostLrAgainstTheGradient() =>
        Prop.ForAll(Pairs(), pg =>
        {
            var (p0, g) = pg;
            var p = Tensor.FromArray(p0).RequiresGrad();
            p.Grad = Tensor.FromArray(g);
            new Adam<double>([p], lr: 0.01).Step();
            var p1 = p.Data.ToArray();
            for (int i = 0; i < p0.Length; i++)
            {
                double delta = p1[i] - p0[i];
                if (Math.Abs(delta) > 0.01 * (1 + 1e-12) + 1e-15) return false;
                if (g[i] != 0 && Math.Sign(delta) == Math.Sign(g[i]) && delta != 0) return false;
                if (g[i] == 0 && delta != 0) return false;
            }
            return true;
        });

    [Property(MaxTest = 60)]
    public Property ClipNormBoundsTheGlobalNormAndKeepsDirections() =>
        Prop.ForAll(Pairs(), pg =>
        {
            var (a0, b0) = pg;
            var a = Tensor.Zeros<double>(a0.Length).RequiresGrad();
            var b = Tensor.Zeros<double>(b0.Length).RequiresGrad();
            a.Grad = Tensor.FromArray(a0);
            b.Grad = Tensor.FromArray(b0);
            double expectedTotal = Math.Sqrt(a0.Concat(b0).Sum(x => x * x));
            double total = ClipGrad.Norm([a, b], 1.0);
            if (Math.Abs(total - expectedTotal) > 1e-12 * Math.Max(1, expectedTotal)) return false;
            var after = a.Grad!.ToArray().Concat(b.Grad!.ToArray()).ToArray();
            var before = a0.Concat(b0).ToArray();
            double norm = Math.Sqrt(after.Sum(x => x * x));
            if (norm > 1.0 + 1e-12) return false;
            double scale = Math.Min(1, 1 / (expectedTotal + 1e-6));
            for (int i = 0; i < before.Length; i++)
                if (Math.Abs(after[i] - before[i] * scale) > 1e-12 * Math.Max(1, Math.Abs(before[i]))) return false;
            return true;
        });
}
