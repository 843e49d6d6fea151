using System.Globalization;
using System.Text;

namespace SessionPolicy.Core.Policies;

/// <summary>Durations as policies write them: <c>15m</c>, <c>1h</c>, <c>1h30m</c>, <c>900s</c>.</summary>
public static class DurationText
{
    /// <summary>Longest duration a policy may write (30 days); anything longer is a typo.</summary>
    public const int MaxSeconds = 30 * 24 * 3600;

    /// <summary>Parses <paramref name="text"/> into whole seconds; false when it is not a duration.</summary>
    public static bool TryParse(string text, out int seconds)
    {
        seconds = 0;
        if (text.Length == 0) return false;
        long total = 0;
        var i = 0;
        var lastUnit = int.MaxValue;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
            if (i == start || i == text.Length || i - start > 7) return false;
            var number = long.Parse(text.AsSpan(start, i - start), CultureInfo.InvariantCulture);
            var unit = text[i++] switch { 'd' => 86400, 'h' => 3600, 'm' => 60, 's' => 1, _ => 0 };
            // Units must be known and descend (1h30m, not 30m1h or 1h1h).
            if (unit == 0 || unit >= lastUnit) return false;
            lastUnit = unit;
            total += number * unit;
            if (total > MaxSeconds) return false;
        }
        seconds = (int)total;
        return true;
    }

    /// <summary>Formats seconds the way a policy writes them.</summary>
    public static string Format(int seconds)
    {
        if (seconds == 0) return "0s";
        var sb = new StringBuilder();
        foreach (var (unit, suffix) in new[] { (3600, 'h'), (60, 'm'), (1, 's') })
        {
            if (seconds >= unit)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{seconds / unit}{suffix}");
                seconds %= unit;
            }
        }
        return sb.ToString();
    }
}
