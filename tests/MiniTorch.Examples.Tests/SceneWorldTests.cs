using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using MiniTorch.Examples.Captioning;

namespace MiniTorch.Examples.Tests;

/// <summary>The toy scene world's caption grammar, token encoding and data sets.</summary>
public class SceneWorldTests
{
    private static Arbitrary<ulong> Seeds() => Arb.From(Gen.Choose(0, int.MaxValue).Select(i => (ulong)i));

    private static string[] Describe(SceneObject o) =>
        ["a", SceneWorld.Sizes[o.Size], SceneWorld.Colours[o.Colour], SceneWorld.ShapeNames[o.Shape]];

    [Property(MaxTest = 200)]
    public Property CaptionFollowsTheGrammar() => Prop.ForAll(Seeds(), seed =>
    {
        var scene = SceneWorld.RandomScene(new Rng(seed));
        var words = SceneWorld.Caption(scene);
        if (scene.Length == 1)
        {
            Assert.Equal(Describe(scene[0]), words);
            return;
        }
        Assert.Equal(2, scene.Length);
        var (p, q) = (scene[0], scene[1]);
        Assert.True(p.Colour != q.Colour || p.Shape != q.Shape, "two objects must differ in colour or shape");
        double dx = Math.Abs(p.X - q.X), dy = Math.Abs(p.Y - q.Y);
        Assert.True(Math.Max(dx, dy) >= 0.2, "two objects must be apart");
        // "A left of B" when they are further apart horizontally (A has the smaller x), else "A above B" (smaller y).
        SceneObject first, second;
        string[] relation;
        if (dx >= dy) { (first, second) = p.X <= q.X ? (p, q) : (q, p); relation = ["left", "of"]; }
        else { (first, second) = p.Y <= q.Y ? (p, q) : (q, p); relation = ["above"]; }
        Assert.Equal([.. Describe(first), .. relation, .. Describe(second)], words);
    });

    [Property(MaxTest = 200)]
    public Property EncodeAddsStartEndAndPaddingAndDecodeUndoesIt() => Prop.ForAll(Seeds(), seed =>
    {
        var words = SceneWorld.Caption(SceneWorld.RandomScene(new Rng(seed)));
        var ids = SceneWorld.Encode(words);
        Assert.Equal(SceneWorld.CaptionLength, ids.Length);
        Assert.Equal(SceneWorld.Start, ids[0]);
        for (int i = 0; i < words.Count; i++) Assert.Equal(words[i], SceneWorld.Vocabulary[ids[i + 1]]);
        Assert.Equal(SceneWorld.End, ids[words.Count + 1]);
        Assert.All(ids[(words.Count + 2)..], id => Assert.Equal(SceneWorld.Null, id));
        Assert.Equal(words, SceneWorld.Decode(ids));
    });

    [Fact]
    public void SpecialTokensAreCs231nsAndTheLongestCaptionFits()
    {
        Assert.Equal(["<NULL>", "<START>", "<END>"], SceneWorld.Vocabulary[..3]);
        Assert.Equal(SceneWorld.Vocabulary.Length, SceneWorld.Vocabulary.Distinct().Count());
        // The longest caption: two descriptions of 4 words and "left of" = 10 words, + START and END.
        Assert.Equal(12, SceneWorld.CaptionLength);
        var longest = SceneWorld.Caption([new(0, 0, 0, 0.1, 0.5), new(1, 1, 1, 0.9, 0.5)]);
        Assert.Equal(10, longest.Count);
        Assert.Equal(SceneWorld.End, SceneWorld.Encode(longest)[^1]);
    }

    [Fact]
    public void SampleGivesMatchingFeaturesAndCaptionsAndIsReproducible()
    {
        var world = new SceneWorld(16, seed: 3);
        var (features, captions) = world.Sample(40, new Rng(5));
        Assert.Equal([40, 16], features.ShapeArray);
        Assert.Equal([40, SceneWorld.CaptionLength], captions.ShapeArray);
        Assert.All(features.ToArray(), v => Assert.True(double.IsFinite(v)));
        for (int i = 0; i < 40; i++) Assert.Equal(SceneWorld.Start, captions[i, 0]);

        var (again, againCaptions) = new SceneWorld(16, seed: 3).Sample(40, new Rng(5));
        Assert.Equal(features.ToArray(), again.ToArray());
        Assert.Equal(captions.ToArray(), againCaptions.ToArray());
    }

    [Fact]
    public void WithoutNoiseTheFeaturesDependOnlyOnTheSceneUpToSlotOrder()
    {
        // The same one-object scene always gives the same noise-free features; different scenes differ.
        var world = new SceneWorld(16, seed: 3, noise: 0);
        SceneObject[] scene = [new(1, 2, 0, 0.3, 0.7)];
        var a = world.Features(scene, new Rng(1));
        var b = world.Features(scene, new Rng(2));
        Assert.Equal(a, b);
        Assert.NotEqual(a, world.Features([new(2, 2, 0, 0.3, 0.7)], new Rng(1)));
    }
}
