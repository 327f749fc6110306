namespace MiniTorch.Examples.Captioning;

/// <summary>One object in a toy scene.</summary>
public sealed record SceneObject(int Colour, int Shape, int Size, double X, double Y);

/// <summary>
/// The toy world that stands in for images: a scene has one or two objects with a colour, shape, size and position.
/// Its caption comes from a little grammar ("a big red circle left of a small blue square"), and its "image features"
/// are a fixed random projection of the attributes plus noise, standing in for CNN features.
/// </summary>
public sealed class SceneWorld
{
    /// <summary>Colour words.</summary>
    public static readonly string[] Colours = ["red", "green", "blue", "yellow"];
    /// <summary>Shape words.</summary>
    public static readonly string[] ShapeNames = ["circle", "square", "triangle"];
    /// <summary>Size words.</summary>
    public static readonly string[] Sizes = ["big", "small"];

    /// <summary>The vocabulary; 0, 1 and 2 are the NULL (padding), START and END tokens as in CS231n.</summary>
    public static readonly string[] Vocabulary =
        ["<NULL>", "<START>", "<END>", "a", "left", "above", "of", .. Sizes, .. Colours, .. ShapeNames];

    /// <summary>Padding token id.</summary>
    public const int Null = 0;
    /// <summary>Start token id.</summary>
    public const int Start = 1;
    /// <summary>End token id.</summary>
    public const int End = 2;

    /// <summary>Caption length in tokens including START and END, padded with NULL.</summary>
    public const int CaptionLength = 12;

    private const int SlotWidth = 4 + 3 + 2 + 2; // colour, shape, size one-hots and (x, y)
    private const int AttributeWidth = 2 * SlotWidth + 1;
    private readonly double[,] _projection;
    private readonly double _noise;

    /// <summary>Creates a world whose feature projection (attributes to <paramref name="featureSize"/>) comes from <paramref name="seed"/>.</summary>
    public SceneWorld(int featureSize, ulong seed, double noise = 0.05)
    {
        FeatureSize = featureSize;
        _noise = noise;
        var rng = new Rng(seed);
        _projection = new double[AttributeWidth, featureSize];
        for (int i = 0; i < AttributeWidth; i++)
            for (int j = 0; j < featureSize; j++) _projection[i, j] = rng.NextNormal() / Math.Sqrt(AttributeWidth);
    }

    /// <summary>Length of a feature vector.</summary>
    public int FeatureSize { get; }

    /// <summary>A random scene of one or two objects (two objects always differ in colour or shape).</summary>
    public static SceneObject[] RandomScene(Rng rng)
    {
        SceneObject Make() => new(rng.NextInt(Colours.Length), rng.NextInt(ShapeNames.Length), rng.NextInt(Sizes.Length), rng.NextDouble(), rng.NextDouble());
        var first = Make();
        if (rng.NextInt(3) == 0) return [first];
        SceneObject second;
        do second = Make();
        while ((second.Colour == first.Colour && second.Shape == first.Shape) || Math.Max(Math.Abs(second.X - first.X), Math.Abs(second.Y - first.Y)) < 0.2);
        return [first, second];
    }

    /// <summary>
    /// The caption's words. Two objects are related by the axis on which they are further apart: "A left of B"
    /// (A is the left one) or "A above B" (A is the upper one, smaller y).
    /// </summary>
    public static List<string> Caption(SceneObject[] scene)
    {
        static IEnumerable<string> Describe(SceneObject o) => ["a", Sizes[o.Size], Colours[o.Colour], ShapeNames[o.Shape]];
        if (scene.Length == 1) return Describe(scene[0]).ToList();
        var (p, q) = (scene[0], scene[1]);
        bool horizontal = Math.Abs(p.X - q.X) >= Math.Abs(p.Y - q.Y);
        var (first, second) = horizontal ? (p.X <= q.X ? (p, q) : (q, p)) : (p.Y <= q.Y ? (p, q) : (q, p));
        return [.. Describe(first), .. (horizontal ? new[] { "left", "of" } : new[] { "above" }), .. Describe(second)];
    }

    /// <summary>Token ids: START, the caption's words, END, then NULL padding up to <see cref="CaptionLength"/>.</summary>
    public static int[] Encode(IReadOnlyList<string> words)
    {
        var ids = new int[CaptionLength];
        ids[0] = Start;
        for (int i = 0; i < words.Count; i++) ids[i + 1] = Array.IndexOf(Vocabulary, words[i]);
        ids[words.Count + 1] = End;
        return ids;
    }

    /// <summary>The words of a token sequence, stopping at END and skipping START/NULL.</summary>
    public static List<string> Decode(IEnumerable<int> ids)
    {
        var words = new List<string>();
        foreach (int id in ids)
        {
            if (id == End) break;
            if (id is Null or Start) continue;
            words.Add(Vocabulary[id]);
        }
        return words;
    }

    /// <summary>The scene's feature vector: its attribute vector (objects in random slot order) projected, plus noise.</summary>
    public double[] Features(SceneObject[] scene, Rng rng)
    {
        var attributes = new double[AttributeWidth];
        int firstSlot = scene.Length == 2 ? rng.NextInt(2) : 0;
        for (int k = 0; k < scene.Length; k++)
        {
            var o = scene[k];
            int at = ((firstSlot + k) % 2) * SlotWidth;
            attributes[at + o.Colour] = 1;
            attributes[at + 4 + o.Shape] = 1;
            attributes[at + 7 + o.Size] = 1;
            attributes[at + 9] = o.X * 2 - 1;
            attributes[at + 10] = o.Y * 2 - 1;
        }
        attributes[^1] = scene.Length == 2 ? 1 : -1;
        var features = new double[FeatureSize];
        for (int j = 0; j < FeatureSize; j++)
        {
            double s = 0;
            for (int i = 0; i < AttributeWidth; i++) s += attributes[i] * _projection[i, j];
            features[j] = s + _noise * rng.NextNormal();
        }
        return features;
    }

    /// <summary>A data set of <paramref name="count"/> scenes: features (count, FeatureSize) and captions (count, CaptionLength).</summary>
    public (Tensor<double> Features, Tensor<int> Captions) Sample(int count, Rng rng)
    {
        var features = new Tensor<double>(count, FeatureSize);
        var captions = new Tensor<int>(count, CaptionLength);
        for (int n = 0; n < count; n++)
        {
            var scene = RandomScene(rng);
            Features(scene, rng).CopyTo(features.AsSpan().Slice(n * FeatureSize, FeatureSize));
            Encode(Caption(scene)).CopyTo(captions.AsSpan().Slice(n * CaptionLength, CaptionLength));
        }
        return (features, captions);
    }
}
