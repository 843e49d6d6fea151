namespace SessionPolicy.Server.Sessions;

/// <summary>Events after a cursor, oldest first, and whether more follow.</summary>
public sealed record LogPage(IReadOnlyList<LogoutRecord> Events, bool More);

/// <summary>
/// A cursor the log cannot resume from: older than what it retains, ahead of it, from another incarnation of
/// the log (it was restarted or lost), or not one of its cursors at all (<see cref="Malformed"/>).
/// </summary>
internal sealed class CursorOutOfRangeException(string message, bool malformed = false)
    : ServiceFailure(malformed ? FailureKind.InvalidArgument : FailureKind.OutOfRange,
        malformed ? $"cursor {message}" : $"{message}; subscribe without a cursor and reconcile with ListSessions")
{
    /// <summary>The cursor is not in this log's format at all.</summary>
    public bool Malformed { get; } = malformed;
}
