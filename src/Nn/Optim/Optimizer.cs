using System.Globalization;
using System.Numerics;
using TP = System.Numerics.Tensors.TensorPrimitives;

namespace MiniTorch.Nn.Optim;

/// <summary>
/// Base of the optimizers (PyTorch's <c>torch.optim.Optimizer</c>, one parameter group): owns the list of
/// parameters, the hyperparameters, a per-parameter step count and the per-parameter moment buffers.
/// <para>
/// <see cref="Step"/> updates every parameter whose <see cref="Variable{T}.Grad"/> is not null, in place on
/// <see cref="Variable{T}.Data"/>, with span kernels only: after the first step (which allocates the moment buffers)
/// a step allocates nothing.
/// </para>
/// <para>
/// Hyperparameters are held in the parameters' precision <typeparamref name="T"/> (PyTorch applies its Python-float
/// hyperparameters in the tensor's precision too), so that a <see cref="StateDict"/> of <see cref="Tensor{T}"/>
/// round-trips them exactly. Constructors take them as <see cref="double"/> and round once.
/// </para>
/// </summary>
public abstract class Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The state-dict key of the optimizer's step count.</summary>
    public const string StepKey = "step";

    /// <summary>The state-dict key prefix of the hyperparameters ("hyper.lr", "hyper.momentum", ...).</summary>
    public const string HyperPrefix = "hyper.";

    /// <summary>The state-dict key prefix of the per-parameter state ("state.0.exp_avg", "state.0.step", ...).</summary>
    public const string StatePrefix = "state.";

    private readonly Variable<T>[] _parameters;
    private readonly long[] _paramSteps;
    private readonly string[] _bufferNames;
    private readonly Tensor<T>?[][] _buffers;
    private readonly string[] _hyperNames;
    private readonly Dictionary<string, T> _hyper = new();
    private readonly T[] _scratch1, _scratch2;

    /// <summary>
    /// Sets up the parameter list (non-empty, no duplicates) and the names of the per-parameter buffers
    /// <paramref name="bufferNames"/> (PyTorch's names, e.g. "exp_avg"). <paramref name="hyperNames"/> lists the
    /// optimizer's hyperparameters besides "lr"; the derived constructor sets them all with
    /// <see cref="SetHyperparameters"/>.
    /// </summary>
    /// <param name="parameters">The parameters to optimise (at least one, each once).</param>
    /// <param name="hyperNames">The hyperparameters' state-dict names besides "lr".</param>
    /// <param name="bufferNames">The names of the per-parameter buffers.</param>
    protected Optimizer(IEnumerable<Variable<T>> parameters, string[] hyperNames, string[] bufferNames)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = parameters.ToArray();
        if (_parameters.Length == 0)
            throw new ArgumentException($"{Name}: got an empty parameter list.", nameof(parameters));
        var seen = new HashSet<Variable<T>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i] is null)
                throw new ArgumentException($"{Name}: parameter {i} is null.", nameof(parameters));
            if (!seen.Add(_parameters[i]))
                throw new ArgumentException($"{Name}: parameter {i} ({Describe(i)}) appears more than once in the list.", nameof(parameters));
        }
        _hyperNames = ["lr", .. hyperNames];
        _bufferNames = bufferNames;
        _paramSteps = new long[_parameters.Length];
        _buffers = new Tensor<T>?[bufferNames.Length][];
        for (int b = 0; b < bufferNames.Length; b++) _buffers[b] = new Tensor<T>?[_parameters.Length];
        int scratch = Math.Min(ChunkLength, _parameters.Max(p => p.Length));
        _scratch1 = new T[scratch];
        _scratch2 = new T[scratch];
    }

    /// <summary>The optimizer's name in messages (the class name, e.g. "Adam").</summary>
    public string Name => Init.Kind(this);

    /// <summary>The parameters, in the order given to the constructor (state-dict keys use these indices).</summary>
    public IReadOnlyList<Variable<T>> Parameters => _parameters;

    /// <summary>The number of <see cref="Step"/> calls so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>The learning rate (finite, &gt;= 0); schedulers (<see cref="LrScheduler{T}"/>) set it per epoch.</summary>
    public T LearningRate
    {
        get => _hyper["lr"];
        set
        {
            var h = new Dictionary<string, T>(_hyper) { ["lr"] = value };
            CheckAll(h);
            _hyper["lr"] = value;
        }
    }

    /// <summary>The number of updates parameter <paramref name="index"/> has had (PyTorch's <c>state[p]["step"]</c>).</summary>
    /// <param name="index">The parameter's position in <see cref="Parameters"/>.</param>
    /// <returns>Its update count.</returns>
    public long ParameterStepCount(int index) => _paramSteps[index];

    /// <summary>A hyperparameter by its state-dict name (without the "hyper." prefix).</summary>
    /// <param name="name">The hyperparameter's name, e.g. "lr".</param>
    /// <returns>Its value.</returns>
    protected T Hyper(string name) => _hyper[name];

    /// <summary>Validates and stores hyperparameters given as doubles (rounded to <typeparamref name="T"/>).</summary>
    /// <param name="values">Each hyperparameter's name and value.</param>
    protected void SetHyperparameters(params (string Name, double Value)[] values)
    {
        var h = new Dictionary<string, T>();
        foreach (var (name, v) in values) h[name] = T.CreateSaturating(v);
        foreach (var name in _hyperNames)
            if (!h.ContainsKey(name)) throw new InvalidOperationException($"{Name}: hyperparameter '{name}' was not set.");
        CheckAll(h);
        foreach (var (k, v) in h) _hyper[k] = v;
    }

    private void CheckAll(IReadOnlyDictionary<string, T> h)
    {
        CheckFiniteNonNegative(h, "lr", "learning rate");
        CheckHyperparameters(h);
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming the optimizer, the hyperparameter and its value when
    /// <paramref name="h"/> holds an invalid combination. Used for constructor arguments, <see cref="LearningRate"/>
    /// and loaded state alike.
    /// </summary>
    /// <param name="h">The hyperparameters by state-dict name.</param>
    protected abstract void CheckHyperparameters(IReadOnlyDictionary<string, T> h);

    /// <summary>Throws unless h[<paramref name="key"/>] is finite and &gt;= 0.</summary>
    /// <param name="h">The hyperparameters by state-dict name.</param>
    /// <param name="key">The hyperparameter to check.</param>
    /// <param name="what">Its name in the message (the constructor argument's).</param>
    protected void CheckFiniteNonNegative(IReadOnlyDictionary<string, T> h, string key, string what)
    {
        var v = h[key];
        if (!T.IsFinite(v) || v < T.Zero)
            throw new ArgumentException($"{Name}: invalid {what} {Fmt(v)} (must be finite and >= 0).");
    }

    /// <summary>Throws unless h[<paramref name="key"/>] is in [0, 1) (or [0, 1] when <paramref name="oneAllowed"/>).</summary>
    /// <param name="h">The hyperparameters by state-dict name.</param>
    /// <param name="key">The hyperparameter to check.</param>
    /// <param name="what">Its name in the message (the constructor argument's).</param>
    /// <param name="oneAllowed">Whether 1 itself is allowed.</param>
    protected void CheckUnit(IReadOnlyDictionary<string, T> h, string key, string what, bool oneAllowed)
    {
        var v = h[key];
        if (!(v >= T.Zero && (oneAllowed ? v <= T.One : v < T.One)))
            throw new ArgumentException($"{Name}: invalid {what} {Fmt(v)} (must be in [0, 1{(oneAllowed ? "]" : ")")}).");
    }

    /// <summary>Throws unless h[<paramref name="key"/>] is 0 or 1 (a flag stored as a number).</summary>
    /// <param name="h">The hyperparameters by state-dict name.</param>
    /// <param name="key">The flag to check.</param>
    protected void CheckFlag(IReadOnlyDictionary<string, T> h, string key)
    {
        var v = h[key];
        if (v != T.Zero && v != T.One)
            throw new ArgumentException($"{Name}: invalid {key} flag {Fmt(v)} (must be 0 or 1).");
    }

    /// <summary>Formats a value for messages (invariant culture, round-trippable).</summary>
    /// <param name="v">The value.</param>
    /// <returns>Its text.</returns>
    protected static string Fmt(T v) => v.ToString("R", CultureInfo.InvariantCulture);

    private string Describe(int i) => _parameters[i]?.Name is { } n ? $"'{n}', shape {_parameters[i].Data.ShapeString}" : $"shape {_parameters[i].Data.ShapeString}";

    /// <summary>
    /// Applies one update to every parameter that has a gradient (a gradient always has its parameter's shape:
    /// <see cref="Variable{T}.Grad"/> rejects any other). Each updated parameter's <see cref="Tensor{T}.Version"/> is
    /// bumped, so a graph that saved the old values refuses to back-propagate through them.
    /// </summary>
    public void Step()
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.Grad is not { } g) continue;
            _paramSteps[i]++;
            Update(i, p.Data.AsSpan(), g.AsSpan(), _paramSteps[i]);
            p.Data.MarkModified();
        }
        StepCount++;
    }

    /// <summary>
    /// Updates parameter <paramref name="index"/> in place (<paramref name="p"/>) from its gradient <paramref name="g"/>
    /// (not to be modified); <paramref name="step"/> is this parameter's update count including this one (1 first).
    /// </summary>
    /// <param name="index">The parameter's position in <see cref="Parameters"/>.</param>
    /// <param name="p">The parameter's values, updated in place.</param>
    /// <param name="g">Its gradient.</param>
    /// <param name="step">Its update count including this one.</param>
    protected abstract void Update(int index, Span<T> p, ReadOnlySpan<T> g, long step);

    /// <summary>Whether buffer <paramref name="buffer"/> of parameter <paramref name="index"/> exists yet.</summary>
    /// <param name="buffer">The buffer's position among the buffer names.</param>
    /// <param name="index">The parameter's position.</param>
    /// <returns>Whether it has been created.</returns>
    protected bool HasBuffer(int buffer, int index) => _buffers[buffer][index] is not null;

    /// <summary>Buffer <paramref name="buffer"/> of parameter <paramref name="index"/>, created zero-filled on first use.</summary>
    /// <param name="buffer">The buffer's position among the buffer names.</param>
    /// <param name="index">The parameter's position.</param>
    /// <returns>The buffer (the parameter's length).</returns>
    protected Span<T> Buffer(int buffer, int index) =>
        (_buffers[buffer][index] ??= new Tensor<T>(_parameters[index].Data.ShapeArray)).AsSpan();

    /// <summary>
    /// The block length in which updates run: every kernel of a rule is applied to one block of a few KB before the
    /// next, so the parameter, gradient and buffers stream through memory once per step instead of once per kernel.
    /// </summary>
    protected const int ChunkLength = 1024;

    /// <summary>
    /// The gradient with PyTorch's L2 weight decay added, <c>g + λ·p</c>, in the first scratch span (or
    /// <paramref name="g"/> itself when λ is 0); the gradient is not modified.
    /// </summary>
    /// <param name="g">The gradient.</param>
    /// <param name="p">The parameter's values.</param>
    /// <param name="weightDecay">λ.</param>
    /// <returns>g + λ·p (or g).</returns>
    protected ReadOnlySpan<T> WithWeightDecay(ReadOnlySpan<T> g, ReadOnlySpan<T> p, T weightDecay)
    {
        if (weightDecay == T.Zero) return g;
        var s = Scratch1(g.Length);
        TP.MultiplyAdd(p, weightDecay, g, s);
        return s;
    }

    /// <summary>First scratch span of <paramref name="length"/> &lt;= <see cref="ChunkLength"/> elements (shared, allocated once).</summary>
    /// <param name="length">The number of elements.</param>
    /// <returns>The scratch span.</returns>
    protected Span<T> Scratch1(int length) => _scratch1.AsSpan(0, length);

    /// <summary>Second scratch span of <paramref name="length"/> &lt;= <see cref="ChunkLength"/> elements (shared, allocated once).</summary>
    /// <param name="length">The number of elements.</param>
    /// <returns>The scratch span.</returns>
    protected Span<T> Scratch2(int length) => _scratch2.AsSpan(0, length);

    /// <summary>
    /// Sets the gradient of every parameter to zero (keeping its buffer, as <see cref="Variable{T}.ZeroGrad"/>), or to
    /// null when <paramref name="setToNone"/> (PyTorch's default; the next backward then allocates a new gradient).
    /// </summary>
    /// <param name="setToNone">Whether to drop the gradients instead of zeroing them.</param>
    public void ZeroGrad(bool setToNone = false)
    {
        foreach (var p in _parameters)
        {
            if (setToNone) p.Grad = null;
            else p.ZeroGrad();
        }
    }

    /// <summary>
    /// The buffers parameter state must have, given the hyperparameters <paramref name="h"/> (by default all of them;
    /// e.g. SGD without momentum has none).
    /// </summary>
    /// <param name="buffer">The buffer's position among the buffer names.</param>
    /// <param name="h">The hyperparameters by state-dict name.</param>
    /// <returns>Whether the state must hold this buffer for an updated parameter.</returns>
    protected virtual bool BufferRequired(int buffer, IReadOnlyDictionary<string, T> h) => true;

    /// <summary>
    /// A copy of the state: "step" (the <see cref="StepCount"/>), "hyper.NAME" for every hyperparameter (scalars;
    /// flags are 0 or 1), and for every parameter i that has been updated "state.i.step" (scalar) and
    /// "state.i.BUFFER" (the parameter's shape; PyTorch's buffer names). The tensors are copies: later steps do not
    /// change them. Counts must be exactly representable in <typeparamref name="T"/> (up to 2^24 for float32).
    /// </summary>
    /// <returns>The state, by key.</returns>
    public Dictionary<string, Tensor<T>> StateDict()
    {
        var d = new Dictionary<string, Tensor<T>> { [StepKey] = Tensor.Scalar(CountToT(StepCount, StepKey)) };
        foreach (var name in _hyperNames) d[HyperPrefix + name] = Tensor.Scalar(_hyper[name]);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_paramSteps[i] == 0) continue;
            d[$"{StatePrefix}{i}.step"] = Tensor.Scalar(CountToT(_paramSteps[i], $"{StatePrefix}{i}.step"));
            for (int b = 0; b < _bufferNames.Length; b++)
                if (_buffers[b][i] is { } buf) d[$"{StatePrefix}{i}.{_bufferNames[b]}"] = buf.Clone();
        }
        return d;
    }

    private T CountToT(long count, string key)
    {
        var v = T.CreateChecked(count);
        if (long.CreateChecked(v) != count)
            throw new InvalidOperationException($"{Name}.StateDict: {key} = {count} is not exactly representable as {Tensor<T>.DType}.");
        return v;
    }

    /// <summary>
    /// Replaces the whole state (step counts, hyperparameters and buffers) by a copy of <paramref name="state"/>, as
    /// made by <see cref="StateDict"/>. Everything is checked first (no missing or unknown keys, parameter indices in
    /// range, buffer shapes equal to the parameters', counts non-negative integers, hyperparameters valid), so on
    /// any error (an <see cref="ArgumentException"/> naming the key) the optimizer is left exactly as it was.
    /// </summary>
    /// <param name="state">A state as made by <see cref="StateDict"/>.</param>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor<T>> state) => ValidateStateDict(state).Apply();

    /// <summary>A validated state, ready to be applied (it cannot fail any more).</summary>
    internal sealed class PreparedState(Optimizer<T> owner, long step, Dictionary<string, T> hyper, long[] paramSteps, Tensor<T>?[][] buffers)
    {
        /// <summary>Installs the state (copies were made during validation).</summary>
        public void Apply() => owner.Install(step, hyper, paramSteps, buffers);
    }

    /// <summary>Checks <paramref name="state"/> completely and returns it prepared (copied), changing nothing.</summary>
    internal PreparedState ValidateStateDict(IReadOnlyDictionary<string, Tensor<T>> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var errors = new List<string>();
        string where = $"{Name}.LoadStateDict";

        long ReadCount(string key, Tensor<T> t)
        {
            if (t.Length != 1) { errors.Add($"{key}: shape {t.ShapeString}, expected a scalar"); return -1; }
            var v = t.AsSpan()[0];
            if (!T.IsFinite(v) || v < T.Zero || !T.IsInteger(v) || v > T.CreateChecked(long.MaxValue / 2))
            { errors.Add($"{key}: {Fmt(v)} is not a non-negative integer count"); return -1; }
            return long.CreateChecked(v);
        }

        long step = 0;
        if (state.TryGetValue(StepKey, out var st)) step = ReadCount(StepKey, st);
        else errors.Add($"missing: {StepKey}");

        var hyper = new Dictionary<string, T>();
        foreach (var name in _hyperNames)
        {
            string key = HyperPrefix + name;
            if (!state.TryGetValue(key, out var t)) { errors.Add($"missing: {key}"); continue; }
            if (t.Length != 1) { errors.Add($"{key}: shape {t.ShapeString}, expected a scalar"); continue; }
            hyper[name] = t.AsSpan()[0];
        }
        if (hyper.Count == _hyperNames.Length)
        {
            try { CheckAll(hyper); }
            catch (ArgumentException e) { errors.Add(e.Message); }
        }

        var paramSteps = new long[_parameters.Length];
        var buffers = new Tensor<T>?[_bufferNames.Length][];
        for (int b = 0; b < buffers.Length; b++) buffers[b] = new Tensor<T>?[_parameters.Length];
        foreach (var (key, t) in state)
        {
            if (key == StepKey || (key.StartsWith(HyperPrefix, StringComparison.Ordinal) && _hyperNames.Contains(key[HyperPrefix.Length..]))) continue;
            if (t is null) { errors.Add($"{key}: null tensor"); continue; }
            if (!key.StartsWith(StatePrefix, StringComparison.Ordinal)) { errors.Add($"unexpected: {key}"); continue; }
            var rest = key[StatePrefix.Length..];
            int dot = rest.IndexOf('.');
            if (dot <= 0 || !int.TryParse(rest.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int i))
            { errors.Add($"unexpected: {key}"); continue; }
            if (i >= _parameters.Length) { errors.Add($"{key}: parameter index {i} is out of range [0, {_parameters.Length})"); continue; }
            var buffer = rest[(dot + 1)..];
            if (buffer == "step")
            {
                long c = ReadCount(key, t);
                if (c == 0) errors.Add($"{key}: a parameter with state must have step >= 1");
                paramSteps[i] = Math.Max(c, 0);
                continue;
            }
            int b = Array.IndexOf(_bufferNames, buffer);
            if (b < 0) { errors.Add($"unexpected: {key} ({Name} has no buffer '{buffer}')"); continue; }
            if (!t.SameShape(_parameters[i].Data))
            { errors.Add($"{key}: shape {t.ShapeString} in the state, {_parameters[i].Data.ShapeString} for parameter {i}"); continue; }
            buffers[b][i] = t.Clone();
        }
        if (hyper.Count == _hyperNames.Length)
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                bool hasStep = state.ContainsKey($"{StatePrefix}{i}.step");
                for (int b = 0; b < _bufferNames.Length; b++)
                {
                    string key = $"{StatePrefix}{i}.{_bufferNames[b]}";
                    bool has = state.ContainsKey(key);
                    if (hasStep && !has && BufferRequired(b, hyper)) errors.Add($"missing: {key}");
                    if (has && (!hasStep || !BufferRequired(b, hyper))) errors.Add($"unexpected: {key}");
                }
            }
        }
        if (errors.Count > 0)
            throw new ArgumentException($"{where}: " + string.Join("; ", errors));
        return new PreparedState(this, step, hyper, paramSteps, buffers);
    }

    private void Install(long step, Dictionary<string, T> hyper, long[] paramSteps, Tensor<T>?[][] buffers)
    {
        StepCount = step;
        foreach (var (k, v) in hyper) _hyper[k] = v;
        paramSteps.CopyTo(_paramSteps, 0);
        for (int b = 0; b < buffers.Length; b++) buffers[b].CopyTo(_buffers[b], 0);
    }
}
