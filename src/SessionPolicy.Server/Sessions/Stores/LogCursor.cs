using System.Security.Cryptography;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// Cursors of the logout log: <c>EPOCH.POSITION</c>, where the epoch names one incarnation of the log (a new
/// one when an embedded replica restarts, or when the shared store lost the log) and the position is the
/// store's own (a sequence number, or a Redis Stream entry id). A cursor of another incarnation cannot
/// resume without possibly skipping events, so it is refused as out of range instead of read.
/// </summary>
internal static class LogCursor
{
    private const char Separator = '.';
    private const int MaxLength = 64;

    /// <summary>A new incarnation's name: 12 hex digits.</summary>
    public static string NewEpoch() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public static string Format(string epoch, string position) => epoch + Separator + position;

    /// <summary>
    /// The position of <paramref name="cursor"/> in incarnation <paramref name="epoch"/>, checked by the store's
    /// <paramref name="isPosition"/>; throws <see cref="CursorOutOfRangeException"/>: out of range for a cursor of
    /// another incarnation (or of the format before incarnations), malformed for anything else.
    /// </summary>
    public static string Position(string cursor, string epoch, Func<string, bool> isPosition)
    {
        var dot = cursor.IndexOf(Separator);
        var position = dot < 0 ? cursor : cursor[(dot + 1)..];
        if (cursor.Length > MaxLength || !isPosition(position) || (dot >= 0 && !IsEpoch(cursor.AsSpan(0, dot))))
        {
            throw new CursorOutOfRangeException($"'{Shown(cursor)}' is not a cursor of this log", malformed: true);
        }
        if (dot < 0 || !cursor.AsSpan(0, dot).SequenceEqual(epoch))
        {
            throw new CursorOutOfRangeException(
                $"cursor {cursor} is from another incarnation of the logout log (it was restarted or lost; it is now {epoch}): events after the cursor may have been lost");
        }
        return position;
    }

    private static bool IsEpoch(ReadOnlySpan<char> s)
    {
        if (s.Length is 0 or > 32) return false;
        foreach (var c in s) if (!char.IsAsciiLetterOrDigit(c)) return false;
        return true;
    }

    /// <summary>A cursor as a message may quote it: caller input, so bounded and without control characters.</summary>
    private static string Shown(string cursor) =>
        cursor.Length <= MaxLength && !cursor.AsSpan().ContainsAnyInRange('\0', '\u001f') ? cursor : "(unreadable)";
}
