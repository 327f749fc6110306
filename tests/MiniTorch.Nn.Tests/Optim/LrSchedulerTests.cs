using MiniTorch.Autograd;
using MiniTorch.Nn.Optim;
using static MiniTorch.Nn.Tests.Optim.OptimTestKit;

namespace MiniTorch.Nn.Tests.Optim;

public class LrSchedulerTests
{
    private static Sgd<double> Opt(double lr) => new([Param(1)], lr);

    [Fact]
    public void StepLrDecaysEveryStepSizeEpochs()
    {
        var opt = Opt(1.0);
        var s = new StepLr<double>(opt, stepSize: 3, gamma: 0.5);
        var seen = new List<double>();
        for (int e = 0; e < 7; e++) { s.Step(); seen.Add(opt.LearningRate); }
        Assert.Equal([1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25], seen);
        Assert.Equal(7, s.LastEpoch);
    }

    [Fact]
    public void ExponentialLrIsCs231nPerEpochDecay()
    {
        // CS231n's Solver: after each epoch, lr *= lr_decay.
        var opt = Opt(0.1);
        var s = new ExponentialLr<double>(opt, 0.95);
        double lr = 0.1;
        for (int e = 0; e < 5; e++)
        {
            s.Step();
            lr *= 0.95;
            Assert.Equal(lr, opt.LearningRate);
        }
    }

    [Fact]
    public void LambdaLrScalesTheBaseRateAndAppliesEpochZeroAtOnce()
    {
        var opt = Opt(0.2);
        var s = new LambdaLr<double>(opt, epoch => 1.0 / (epoch + 1));
        Assert.Equal(0.2, opt.LearningRate);
        s.Step();
        Assert.Equal(0.1, opt.LearningRate);
        s.Step();
        Assert.Equal(0.2 / 3, opt.LearningRate, 15);

        var warm = Opt(0.5);
        _ = new LambdaLr<double>(warm, epoch => Math.Min(1, (epoch + 1) / 4.0));
        Assert.Equal(0.125, warm.LearningRate);
    }

    [Fact]
    public void ASchedulerAffectsTheOptimizerSteps()
    {
        var p = Param(1);
        var opt = new Sgd<double>([p], 0.1);
        var s = new StepLr<double>(opt, 1, 0.5);
        SetGrad(p, 1);
        opt.Step(); s.Step();
        opt.Step(); s.Step();
        opt.Step();
        Close([1 - 0.1 - 0.05 - 0.025], p.Data.ToArray());
    }

    [Fact]
    public void BadSchedulesThrowAndChangeNothing()
    {
        var opt = Opt(0.1);
        Assert.Contains("StepLr: invalid step size 0", Assert.Throws<ArgumentException>(() => new StepLr<double>(opt, 0)).Message);
        Assert.Contains("StepLr: invalid gamma -0.5", Assert.Throws<ArgumentException>(() => new StepLr<double>(opt, 2, -0.5)).Message);
        Assert.Contains("ExponentialLr: invalid gamma NaN", Assert.Throws<ArgumentException>(() => new ExponentialLr<double>(opt, double.NaN)).Message);
        Assert.Throws<ArgumentException>(() => new LambdaLr<double>(opt, _ => -1));
        Assert.Equal(0.1, opt.LearningRate);

        var s = new LambdaLr<double>(opt, e => e < 2 ? 1 : double.NaN);
        s.Step();
        var ex = Assert.Throws<InvalidOperationException>(s.Step);
        Assert.Contains("LambdaLr.Step: the schedule gives learning rate NaN at epoch 2", ex.Message);
        Assert.Equal(1, s.LastEpoch);
        Assert.Equal(0.1, opt.LearningRate);
    }

    [Fact]
    public void StateDictRoundTripContinuesTheSchedule()
    {
        var opt1 = Opt(1.0);
        var s1 = new StepLr<double>(opt1, 2, 0.5);
        for (int e = 0; e < 3; e++) s1.Step();
        var optState = opt1.StateDict();
        var schedState = s1.StateDict();
        Assert.Equal(3.0, schedState["last_epoch"].Item());
        Assert.Equal(1.0, schedState["base_lr"].Item());

        var opt2 = Opt(7.0);
        var s2 = new StepLr<double>(opt2, 2, 0.5);
        opt2.LoadStateDict(optState);
        s2.LoadStateDict(schedState);
        for (int e = 0; e < 3; e++) { s1.Step(); s2.Step(); Assert.Equal(opt1.LearningRate, opt2.LearningRate); }
        Assert.Equal(s1.LastEpoch, s2.LastEpoch);
        Assert.Equal(1.0, s2.BaseLearningRate);
    }

    [Fact]
    public void LoadingABadSchedulerStateThrowsAndChangesNothing()
    {
        var s = new ExponentialLr<double>(Opt(1.0), 0.5);
        s.Step();
        var bad = new Dictionary<string, Tensor<double>> { ["last_epoch"] = Tensor.Scalar(-1.0), ["base_lr"] = Tensor.Scalar(1.0), ["x"] = Tensor.Scalar(0.0) };
        var ex = Assert.Throws<ArgumentException>(() => s.LoadStateDict(bad));
        Assert.Contains("last_epoch: -1 is not a non-negative integer", ex.Message);
        Assert.Contains("unexpected: x", ex.Message);
        Assert.Equal(1, s.LastEpoch);
        Assert.Throws<ArgumentException>(() => s.LoadStateDict(new Dictionary<string, Tensor<double>> { ["last_epoch"] = Tensor.Scalar(2.0) }));
        Assert.Equal(1, s.LastEpoch);
    }
}
