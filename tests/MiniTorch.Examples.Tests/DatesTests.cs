using MiniTorch.Examples.Translation;

namespace MiniTorch.Examples.Tests;

/// <summary>The date generator of the translation example, on dates whose spellings are worked out by hand.</summary>
public class DatesTests
{
    [Theory]
    [InlineData(0, "tuesday 3rd of march 1998")]
    [InlineData(1, "3/3/98")]
    [InlineData(2, "march 3, 1998")]
    [InlineData(3, "the 3rd of mar 1998")]
    [InlineData(4, "3 march 1998")]
    [InlineData(5, "03.03.1998")]
    [InlineData(6, "tue, mar 3 1998")]
    [InlineData(7, "3-mar-98")]
    [InlineData(8, "1998/03/03")]
    [InlineData(9, "mar 3rd '98")]
    public void EveryStyleOfTheThirdOfMarch1998(int style, string expected) =>
        Assert.Equal(expected, Dates.Format(new DateOnly(1998, 3, 3), style));

    [Theory]
    // 2008-11-22 was a saturday; the two-digit year of 2008 is "08", not "8".
    [InlineData(2008, 11, 22, 0, "saturday 22nd of november 2008")]
    [InlineData(2008, 11, 22, 1, "11/22/08")]
    [InlineData(2008, 11, 22, 7, "22-nov-08")]
    [InlineData(2008, 11, 22, 9, "nov 22nd '08")]
    // The ends of the range: 1950-01-01 a sunday, 2049-12-31 a friday.
    [InlineData(1950, 1, 1, 0, "sunday 1st of january 1950")]
    [InlineData(1950, 1, 1, 5, "01.01.1950")]
    [InlineData(2049, 12, 31, 3, "the 31st of dec 2049")]
    [InlineData(2049, 12, 31, 6, "fri, dec 31 2049")]
    [InlineData(2011, 9, 11, 3, "the 11th of sep 2011")]
    [InlineData(2000, 2, 29, 2, "february 29, 2000")]
    public void HandWrittenDates(int year, int month, int day, int style, string expected)
    {
        var date = new DateOnly(year, month, day);
        Assert.Equal(expected, Dates.Format(date, style));
        Assert.Equal($"{year:0000}-{month:00}-{day:00}", Dates.Iso(date));
    }

    [Theory]
    [InlineData(1, "1st")] [InlineData(2, "2nd")] [InlineData(3, "3rd")] [InlineData(4, "4th")]
    [InlineData(11, "11th")] [InlineData(12, "12th")] [InlineData(13, "13th")]
    [InlineData(21, "21st")] [InlineData(22, "22nd")] [InlineData(23, "23rd")] [InlineData(30, "30th")] [InlineData(31, "31st")]
    public void Ordinals(int day, string expected) => Assert.Equal(expected, Dates.Ordinal(day));

    [Fact]
    public void TwoDigitYearsAreUnambiguousInTheRange()
    {
        // Every day's slashed spelling (month/day/yy) reads back to the same date with the 1950-2049 window.
        for (var d = Dates.First; d <= Dates.Last; d = d.AddDays(37))
        {
            var parts = Dates.Format(d, 1).Split('/').Select(int.Parse).ToArray();
            int year = parts[2] >= 50 ? 1900 + parts[2] : 2000 + parts[2];
            Assert.Equal(d, new DateOnly(year, parts[0], parts[1]));
        }
    }

    [Fact]
    public void BadDatesAndStylesAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Dates.Format(new DateOnly(1949, 12, 31), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dates.Format(new DateOnly(2050, 1, 1), 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dates.Format(new DateOnly(2000, 1, 1), Dates.Styles));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dates.Ordinal(0));
        var e = Assert.Throws<ArgumentException>(() => Dates.EncodeSource("3rd of märz"));
        Assert.Contains("'ä' at 8", e.Message);
        Assert.Throws<ArgumentException>(() => Dates.Batch([("3/3/98", "1998-3-3")]));
    }

    [Fact]
    public void TargetsRoundTripAndEndWithEnd()
    {
        var ids = Dates.EncodeTarget("1998-03-03");
        Assert.Equal(Dates.TargetLength, ids.Length);
        Assert.Equal(Dates.End, ids[^1]);
        Assert.Equal("1998-03-03", Dates.DecodeTarget(ids));
        Assert.Equal("19", Dates.DecodeTarget([Dates.Start, ids[0], ids[1], Dates.End, ids[2]])); // START skipped, stops at END
    }

    [Fact]
    public void HeldOutDaysAreNeverTrainingDays()
    {
        var (train, heldOut) = Dates.SplitDays(500, new Rng(3));
        Assert.Equal(500, heldOut.Length);
        Assert.Equal(Dates.Last.DayNumber - Dates.First.DayNumber + 1, train.Length + heldOut.Length);
        Assert.Empty(train.Intersect(heldOut));
        var pairs = Dates.Sample(heldOut, 200, new Rng(4));
        Assert.All(pairs, p => Assert.Contains(DateOnly.ParseExact(p.Target, "yyyy-MM-dd"), heldOut));
    }

    [Fact]
    public void BatchPadsSourcesAtTheEndAndFramesTargets()
    {
        var (sources, lengths, targets) = Dates.Batch([("3/3/98", "1998-03-03"), ("march 3, 1998", "1998-03-03")]);
        Assert.Equal([2, 13], sources.ShapeArray);
        Assert.Equal([6, 13], lengths);
        Assert.Equal(Dates.EncodeSource("3/3/98"), Enumerable.Range(0, 6).Select(t => sources[0, t]).ToArray());
        Assert.All(Enumerable.Range(6, 7), t => Assert.Equal(Dates.Null, sources[0, t]));
        Assert.Equal([2, Dates.TargetLength + 1], targets.ShapeArray);
        Assert.Equal(Dates.Start, targets[1, 0]);
        Assert.Equal("1998-03-03", Dates.DecodeTarget(Enumerable.Range(1, Dates.TargetLength).Select(t => targets[1, t])));
    }
}
