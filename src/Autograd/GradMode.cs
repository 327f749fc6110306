using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// Whether ops are recorded for differentiation (PyTorch's <c>torch.no_grad()</c> / <c>torch.enable_grad()</c>).
/// The mode flows with the logical flow of control (an <see cref="AsyncLocal{T}"/>): it follows an <c>await</c> onto
/// another thread and does not leak into unrelated work on the same thread. Scopes nest; each restores the mode it found.
/// </summary>
public static class GradMode
{
    /// <summary>Whether ops in the current flow of control are recorded.</summary>
    public static bool IsEnabled => (Modes.Current & Modes.NoGrad) == 0;

    /// <summary>Until disposed, ops record nothing and their results do not require grad.</summary>
    /// <returns>The scope; dispose it (a <c>using</c>) to restore the previous mode.</returns>
    public static Scope NoGrad() => new(enabled: false);

    /// <summary>Until disposed, ops are recorded again, also inside a <see cref="NoGrad"/> scope.</summary>
    /// <returns>The scope; dispose it (a <c>using</c>) to restore the previous mode.</returns>
    public static Scope EnableGrad() => new(enabled: true);

    /// <summary>A grad-mode scope: disposing it restores the mode it replaced. Disposing it again does nothing.</summary>
    public sealed class Scope : IDisposable
    {
        private readonly bool _previousDisabled;
        private bool _disposed;

        internal Scope(bool enabled)
        {
            _previousDisabled = Modes.Set(Modes.NoGrad, !enabled);
        }

        /// <summary>Restores the mode that was in effect when the scope began (only the first call does anything).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Modes.Set(Modes.NoGrad, _previousDisabled);
        }
    }
}

/// <summary>Anomaly detection state (see <see cref="Autograd.DetectAnomaly"/>).</summary>
internal static class Anomaly
{
    public static bool IsEnabled => (Modes.Current & Modes.Anomaly) != 0;

    public static bool Set(bool on) => Modes.Set(Modes.Anomaly, on);

    /// <summary>Throws when <paramref name="t"/> holds a NaN or an infinity.</summary>
    public static void Check<T>(Tensor<T> t, string what, Node? node) where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var v in t.AsSpan())
        {
            if (T.IsFinite(v)) continue;
            throw new ArithmeticException($"Anomaly: {what}: {v} in a tensor of shape {t.ShapeString}.{node?.Origin}");
        }
    }
}

/// <summary>
/// The per-flow switches (grad mode, anomaly detection) as bits of one <see cref="AsyncLocal{T}"/>, so recording an op
/// reads the ambient state once.
/// </summary>
internal static class Modes
{
    public const int NoGrad = 1;
    public const int Anomaly = 2;

    private static readonly AsyncLocal<int> s_bits = new();

    /// <summary>The switches in effect in the current flow of control.</summary>
    public static int Current => s_bits.Value;

    /// <summary>Turns <paramref name="flag"/> on or off; returns whether it was on.</summary>
    public static bool Set(int flag, bool on)
    {
        int bits = s_bits.Value;
        s_bits.Value = on ? bits | flag : bits & ~flag;
        return (bits & flag) != 0;
    }
}
