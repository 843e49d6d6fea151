namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// Where sessions and the logout log live: in memory (embedded) or in Redis (shared). A session ends once, and every
/// ending gets its event: in one atomic step in memory; in Redis the ending and its pending event are one step per
/// partition, and a pending event reaches the log when the call goes on or, after a fault, at a later sweep
/// (<see cref="FinishEndingsAsync"/>).
/// </summary>
internal interface ISessionStore
{
    /// <summary>Throws <see cref="Redis.SharedStoreUnavailableException"/> when a session could not be added now: asked before credentials are minted.</summary>
    ValueTask CheckWritableAsync(CancellationToken cancellationToken);

    /// <summary>Adds a new session; false when the id is taken.</summary>
    ValueTask<bool> AddAsync(SessionRecord session, CancellationToken cancellationToken);

    ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Sessions matching the filter with ids after <paramref name="afterId"/>, in id order, at most <paramref name="max"/>.</summary>
    ValueTask<IReadOnlyList<SessionRecord>> ListAsync(SessionFilter filter, string afterId, int max, CancellationToken cancellationToken);

    /// <summary>Ids of active sessions, of one principal when given.</summary>
    ValueTask<IReadOnlyList<string>> ActiveIdsAsync(string? principalId, CancellationToken cancellationToken);

    /// <summary>How many sessions are running.</summary>
    ValueTask<long> ActiveCountAsync(CancellationToken cancellationToken);

    /// <summary>Records user activity at <paramref name="at"/> on a session still running then; returns the session as it now is (null if unknown).</summary>
    ValueTask<SessionRecord?> TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Cuts a running session's limits (never extends them).</summary>
    ValueTask ReviseAsync(string id, DateTimeOffset expiresAt, int idleTimeoutSeconds, CancellationToken cancellationToken);

    /// <summary>Ends what the request names and records one event for it, atomically.</summary>
    ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Returns once the store's replicas hold every ending recorded so far of the sessions named, or of a principal's
    /// or a role's sessions, where the store is configured to wait for them; throws <see cref="ServiceFailure"/>
    /// (unavailable) when they do not confirm in time. Asked after an operator's logout or a signal has had all its
    /// effects, also when it ended nothing (a retry confirms what an unconfirmed first call ended).
    /// </summary>
    ValueTask ConfirmEndingsAsync(EndTarget target, CancellationToken cancellationToken);

    /// <summary>Ids of active sessions whose deadline is at or before <paramref name="now"/>, at most <paramref name="max"/>, without a scan of all sessions.</summary>
    ValueTask<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Logs the endings a fault left without their event (sessions ended, event not yet in the log) once they are
    /// older than the call that made them could still be running; returns what it logged. Called by the sweep.
    /// </summary>
    ValueTask<IReadOnlyList<EndResult>> FinishEndingsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Events after <paramref name="afterCursor"/> (from the oldest retained when null); throws <see cref="CursorOutOfRangeException"/>.</summary>
    ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken);

    /// <summary>The cursor of the newest event; for an empty log, the cursor before the first event.</summary>
    ValueTask<string?> LatestCursorAsync(CancellationToken cancellationToken);

    /// <summary>Orders two cursors of this log.</summary>
    int CompareCursors(string a, string b);

    /// <summary>Raised (on this replica) when events may have been appended; the feed then reads them.</summary>
    event Action? Appended;
}
