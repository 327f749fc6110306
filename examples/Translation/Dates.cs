using System.Globalization;

namespace MiniTorch.Examples.Translation;

/// <summary>
/// The toy translation task: dates written the many ways people write them ("tuesday 3rd of march 1998", "3/3/98",
/// "march 3, 1998", "the 3rd of mar 1998", …) to ISO 8601 ("1998-03-03"). Dates run from 1950-01-01 to 2049-12-31,
/// so a two-digit year is unambiguous (50–99 mean 19xx, 00–49 mean 20xx); slashed dates are month first (US order),
/// dotted ones day first. Sources are read character by character, targets are written character by character.
/// </summary>
public static class Dates
{
    /// <summary>The first date generated.</summary>
    public static readonly DateOnly First = new(1950, 1, 1);
    /// <summary>The last date generated.</summary>
    public static readonly DateOnly Last = new(2049, 12, 31);

    /// <summary>Padding, id 0 in both vocabularies (masked out of the attention and the loss).</summary>
    public const int Null = 0;
    /// <summary>The target word the decoder starts from.</summary>
    public const int Start = 1;
    /// <summary>The target word that ends a translation.</summary>
    public const int End = 2;

    /// <summary>The source characters; index i + 1 is the character's id (0 is padding).</summary>
    public const string SourceCharacters = " abcdefghijklmnopqrstuvwxyz0123456789,./-'";
    /// <summary>The target characters; index i + 3 is the character's id (0, 1, 2 are NULL, START, END).</summary>
    public const string TargetCharacters = "0123456789-";

    /// <summary>Source vocabulary size (padding included).</summary>
    public static int SourceVocabulary => SourceCharacters.Length + 1;
    /// <summary>Target vocabulary size (NULL, START and END included).</summary>
    public static int TargetVocabulary => TargetCharacters.Length + 3;
    /// <summary>Length of every target: "yyyy-mm-dd" and END.</summary>
    public const int TargetLength = 11;

    private static readonly string[] Months =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
    private static readonly string[] Weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    /// <summary>The number of ways a date is written (<see cref="Format"/>'s styles 0 … Styles - 1).</summary>
    public const int Styles = 10;

    /// <summary>"1st", "2nd", "3rd", "4th", …, "11th", "12th", "13th", "21st", "22nd", "23rd", "31st".</summary>
    public static string Ordinal(int day)
    {
        if (day is < 1 or > 31) throw new ArgumentOutOfRangeException(nameof(day), $"Dates.Ordinal: day {day} is outside [1, 31].");
        string suffix = (day % 100) is 11 or 12 or 13 ? "th" : (day % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" };
        return day.ToString(CultureInfo.InvariantCulture) + suffix;
    }

    /// <summary>The date in ISO 8601, "yyyy-mm-dd": what the model must write.</summary>
    public static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// The date written in style <paramref name="style"/> (0 … <see cref="Styles"/> - 1), for 1998-03-03:
    /// 0 "tuesday 3rd of march 1998", 1 "3/3/98", 2 "march 3, 1998", 3 "the 3rd of mar 1998", 4 "3 march 1998",
    /// 5 "03.03.1998", 6 "tue, mar 3 1998", 7 "3-mar-98", 8 "1998/03/03", 9 "mar 3rd '98".
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The date is outside [<see cref="First"/>, <see cref="Last"/>] or the style is unknown.</exception>
    public static string Format(DateOnly date, int style)
    {
        if (date < First || date > Last)
            throw new ArgumentOutOfRangeException(nameof(date), $"Dates.Format: {Iso(date)} is outside [{Iso(First)}, {Iso(Last)}] (two-digit years would be ambiguous).");
        string month = Months[date.Month - 1], mon = month[..3];
        string weekday = Weekdays[(int)date.DayOfWeek], wkd = weekday[..3];
        var inv = CultureInfo.InvariantCulture;
        string d = date.Day.ToString(inv), m = date.Month.ToString(inv), yyyy = date.Year.ToString(inv);
        string dd = date.Day.ToString("00", inv), mm = date.Month.ToString("00", inv), yy = (date.Year % 100).ToString("00", inv);
        return style switch
        {
            0 => $"{weekday} {Ordinal(date.Day)} of {month} {yyyy}",
            1 => $"{m}/{d}/{yy}",
            2 => $"{month} {d}, {yyyy}",
            3 => $"the {Ordinal(date.Day)} of {mon} {yyyy}",
            4 => $"{d} {month} {yyyy}",
            5 => $"{dd}.{mm}.{yyyy}",
            6 => $"{wkd}, {mon} {d} {yyyy}",
            7 => $"{d}-{mon}-{yy}",
            8 => $"{yyyy}/{mm}/{dd}",
            9 => $"{mon} {Ordinal(date.Day)} '{yy}",
            _ => throw new ArgumentOutOfRangeException(nameof(style), $"Dates.Format: style {style} is outside [0, {Styles})."),
        };
    }

    /// <summary>Source character ids of <paramref name="text"/> (no padding).</summary>
    /// <exception cref="ArgumentException">A character is not in <see cref="SourceCharacters"/>.</exception>
    public static int[] EncodeSource(string text) => text.Select((ch, i) =>
    {
        int k = SourceCharacters.IndexOf(ch);
        return k >= 0 ? k + 1 : throw new ArgumentException($"Dates.EncodeSource: character '{ch}' at {i} of \"{text}\" is not in the source vocabulary.", nameof(text));
    }).ToArray();

    /// <summary>Target ids of an ISO date followed by END.</summary>
    /// <exception cref="ArgumentException">A character is not in <see cref="TargetCharacters"/>.</exception>
    public static int[] EncodeTarget(string iso) => iso.Select((ch, i) =>
    {
        int k = TargetCharacters.IndexOf(ch);
        return k >= 0 ? k + 3 : throw new ArgumentException($"Dates.EncodeTarget: character '{ch}' at {i} of \"{iso}\" is not in the target vocabulary.", nameof(iso));
    }).Append(End).ToArray();

    /// <summary>The text of target ids up to the first END (NULL and START are skipped).</summary>
    public static string DecodeTarget(IEnumerable<int> ids)
    {
        var chars = new List<char>();
        foreach (int id in ids)
        {
            if (id == End) break;
            if (id >= 3 && id < TargetVocabulary) chars.Add(TargetCharacters[id - 3]);
        }
        return new string([.. chars]);
    }

    /// <summary>
    /// Splits the days of [<see cref="First"/>, <see cref="Last"/>] at random into <paramref name="heldOutDays"/> held-out
    /// days and the rest for training, so held-out accuracy is measured on dates never seen in training, in any style.
    /// </summary>
    public static (DateOnly[] Train, DateOnly[] HeldOut) SplitDays(int heldOutDays, Rng rng)
    {
        int total = Last.DayNumber - First.DayNumber + 1;
        if (heldOutDays < 1 || heldOutDays >= total)
            throw new ArgumentOutOfRangeException(nameof(heldOutDays), $"Dates.SplitDays: {heldOutDays} held-out days, need [1, {total}).");
        var order = rng.Permutation(total).Select(i => DateOnly.FromDayNumber(First.DayNumber + i)).ToArray();
        return (order[heldOutDays..], order[..heldOutDays]);
    }

    /// <summary><paramref name="count"/> pairs (source text, ISO target): a random day of <paramref name="days"/> in a random style.</summary>
    public static List<(string Source, string Target)> Sample(IReadOnlyList<DateOnly> days, int count, Rng rng)
    {
        var pairs = new List<(string, string)>(count);
        for (int i = 0; i < count; i++)
        {
            var day = days[rng.NextInt(days.Count)];
            pairs.Add((Format(day, rng.NextInt(Styles)), Iso(day)));
        }
        return pairs;
    }

    /// <summary>
    /// Pads the pairs into tensors: sources (N, S) of character ids (0-padded to the longest source), their lengths (N,),
    /// and targets (N, 12): START, the ten characters of the date, END.
    /// </summary>
    public static (Tensor<int> Sources, int[] Lengths, Tensor<int> Targets) Batch(IReadOnlyList<(string Source, string Target)> pairs)
    {
        var sources = pairs.Select(p => EncodeSource(p.Source)).ToArray();
        int n = pairs.Count, s = sources.Max(x => x.Length);
        var src = Tensor.Full(Null, n, s);
        var tgt = Tensor.Full(Null, n, TargetLength + 1);
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < sources[i].Length; t++) src[i, t] = sources[i][t];
            var target = EncodeTarget(pairs[i].Target);
            if (target.Length != TargetLength)
                throw new ArgumentException($"Dates.Batch: target \"{pairs[i].Target}\" is not an ISO date (yyyy-mm-dd).", nameof(pairs));
            tgt[i, 0] = Start;
            for (int t = 0; t < target.Length; t++) tgt[i, t + 1] = target[t];
        }
        return (src, sources.Select(x => x.Length).ToArray(), tgt);
    }
}
