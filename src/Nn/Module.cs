using System.Numerics;

namespace MiniTorch.Nn;

/// <summary>
/// Base of every model part (PyTorch's <c>nn.Module</c>): parameters and submodules are registered explicitly, in
/// order, so <see cref="NamedParameters"/> gives stable dotted names ("encoder.weight") for checkpoints.
/// </summary>
public abstract class Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Variable<T> Value)> _parameters = new();
    private readonly List<(string Name, Module<T> Value)> _modules = new();

    /// <summary>Whether the module is in training mode (see <see cref="Train"/> and <see cref="Eval"/>).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a trainable parameter initialised to <paramref name="value"/> (not copied).</summary>
    /// <param name="name">The parameter's name within this module (non-empty, no dots, unique).</param>
    /// <param name="value">The initial value (becomes the parameter's data).</param>
    /// <returns>The new leaf variable that requires grad.</returns>
    /// <exception cref="ArgumentException">The name is empty, has a dot, or is taken.</exception>
    protected Variable<T> RegisterParameter(string name, Tensor<T> value)
    {
        CheckName(name);
        var p = new Variable<T>(value, requiresGrad: true, name);
        _parameters.Add((name, p));
        return p;
    }

    /// <summary>Registers a submodule; its parameters are named "<paramref name="name"/>.…".</summary>
    /// <param name="name">The submodule's name within this module (non-empty, no dots, unique).</param>
    /// <param name="module">The submodule.</param>
    /// <returns><paramref name="module"/>, for assignment.</returns>
    /// <exception cref="ArgumentException">The name is empty, has a dot, or is taken.</exception>
    protected TModule RegisterModule<TModule>(string name, TModule module) where TModule : Module<T>
    {
        CheckName(name);
        _modules.Add((name, module));
        return module;
    }

    private void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{Init.Kind(this)}: invalid name '{name}' (non-empty, no dots).");
        if (_parameters.Any(p => p.Name == name) || _modules.Any(m => m.Name == name))
            throw new ArgumentException($"{Init.Kind(this)}: the name '{name}' is already registered.");
    }

    /// <summary>Direct submodules in registration order.</summary>
    /// <returns>(name, submodule) pairs.</returns>
    public IEnumerable<(string Name, Module<T> Module)> NamedChildren() => _modules;

    /// <summary>All parameters with dotted names, this module's own first, then each submodule's in order.</summary>
    /// <returns>(dotted name, parameter) pairs.</returns>
    public IEnumerable<(string Name, Variable<T> Parameter)> NamedParameters()
    {
        var stack = new Stack<(string Prefix, Module<T> Module)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (prefix, m) = stack.Pop();
            foreach (var (name, p) in m._parameters) yield return (prefix + name, p);
            for (int i = m._modules.Count - 1; i >= 0; i--) stack.Push((prefix + m._modules[i].Name + ".", m._modules[i].Value));
        }
    }

    /// <summary>All parameters (see <see cref="NamedParameters"/> for the order).</summary>
    /// <returns>The parameters.</returns>
    public IEnumerable<Variable<T>> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Zeroes the gradient of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Sets training mode on this module and every submodule.</summary>
    /// <param name="mode">True for training mode, false for evaluation mode.</param>
    /// <returns>This module, for chaining.</returns>
    public Module<T> Train(bool mode = true)
    {
        Training = mode;
        foreach (var (_, m) in _modules) m.Train(mode);
        return this;
    }

    /// <summary>Sets evaluation mode (<c>Train(false)</c>).</summary>
    /// <returns>This module, for chaining.</returns>
    public Module<T> Eval() => Train(false);

    /// <summary>The parameters' tensors by dotted name (live references, as PyTorch's state_dict).</summary>
    /// <returns>A new dictionary from dotted name to the parameter's tensor.</returns>
    public Dictionary<string, Tensor<T>> StateDict() => NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Data);

    /// <summary>
    /// Copies values from <paramref name="state"/> into the parameters. Everything is checked first (shapes always;
    /// missing and unknown names when <paramref name="strict"/>), so on any error the module is left exactly as it was.
    /// </summary>
    /// <param name="state">Tensors by dotted name.</param>
    /// <param name="strict">Whether a missing or unknown name is an error.</param>
    /// <exception cref="ArgumentException">A shape differs, or (strict) a name is missing or unknown; nothing is changed.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor<T>> state, bool strict = true)
    {
        var own = NamedParameters().ToList();
        var errors = new List<string>();
        if (strict)
        {
            var missing = own.Where(p => !state.ContainsKey(p.Name)).Select(p => p.Name).ToList();
            var unknown = state.Keys.Where(k => own.All(p => p.Name != k)).ToList();
            if (missing.Count > 0) errors.Add("missing: " + string.Join(", ", missing));
            if (unknown.Count > 0) errors.Add("unexpected: " + string.Join(", ", unknown));
        }
        foreach (var (name, p) in own)
            if (state.TryGetValue(name, out var t) && !t.SameShape(p.Data))
                errors.Add($"{name}: shape {t.ShapeString} in the state, {p.Data.ShapeString} in the module");
        if (errors.Count > 0)
            throw new ArgumentException($"LoadStateDict ({Init.Kind(this)}): " + string.Join("; ", errors));
        foreach (var (name, p) in own)
            if (state.TryGetValue(name, out var t)) p.Data.CopyFrom(t);
    }
}
