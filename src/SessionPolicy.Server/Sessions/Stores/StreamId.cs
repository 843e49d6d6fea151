using System.Globalization;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>Redis Stream entry ids (<c>milliseconds-sequence</c>), the cursors of the shared logout log.</summary>
internal static class StreamId
{
    public static bool TryParse(string id, out (ulong Ms, ulong Seq) value)
    {
        value = default;
        var dash = id.IndexOf('-');
        return dash > 0
            && ulong.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out value.Ms)
            && ulong.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out value.Seq);
    }

    public static int Compare(string a, string b)
    {
        if (!TryParse(a, out var x)) throw new CursorOutOfRangeException($"'{a}' is not a cursor of this log", malformed: true);
        if (!TryParse(b, out var y)) throw new CursorOutOfRangeException($"'{b}' is not a cursor of this log", malformed: true);
        return x.CompareTo(y);
    }
}
