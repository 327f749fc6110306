using System.Numerics;

namespace MiniTorch.Autograd;

/// <summary>
/// Whether ops are recorded for differentiation (PyTorch's <c>torch.no_grad()</c> / <c>torch.enable_grad()</c>).
/// The mode flows with the logical flow of control (an <see cref="AsyncLocal{T}"/>): it follows an <c>await</c> onto
/// another thread and does not leak into unrelated work on the same thread. Scopes nest; each restores the mode it found.
/// </summary>
public static class GradMode
{
    private static readonly AsyncLocal<bool> s_disabled = new();

    /// <summary>Whether ops in the current flow of control are recorded.</summary>
    public static bool IsEnabled => !s_disabled.Value;

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
            _previousDisabled = s_disabled.Value;
            s_disabled.Value = !enabled;
        }

        /// <summary>Restores the mode that was in effect when the scope began (only the first call does anything).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            s_disabled.Value = _previousDisabled;
        }
    }
}

/// <summary>Anomaly detection state (see <see cref="Autograd.DetectAnomaly"/>).</summary>
internal static class Anomaly
{
    private static readonly AsyncLocal<bool> s_enabled = new();

    public static bool IsEnabled => s_enabled.Value;

    public static bool Set(bool on)
    {
        bool previous = s_enabled.Value;
        s_enabled.Value = on;
        return previous;
    }

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
