namespace SessionPolicy.Server.Sessions;

/// <summary>Events after a cursor, oldest first, and whether more follow.</summary>
public sealed record LogPage(IReadOnlyList<LogoutRecord> Events, bool More);

/// <summary>A cursor the log cannot resume from: older than what it retains, ahead of it, or not one of its cursors.</summary>
public sealed class CursorOutOfRangeException(string message, bool malformed = false) : Exception(message)
{
    /// <summary>The cursor is not in this log's format at all.</summary>
    public bool Malformed { get; } = malformed;
}
