using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>A session store that forwards to a real one; a test overrides the one call whose fault it injects.</summary>
internal class DelegatingSessionStore(ISessionStore inner) : ISessionStore
{
    public virtual ValueTask CheckWritableAsync(CancellationToken cancellationToken) => inner.CheckWritableAsync(cancellationToken);
    public virtual ValueTask<bool> AddAsync(SessionRecord session, CancellationToken cancellationToken) => inner.AddAsync(session, cancellationToken);
    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);
    public ValueTask<IReadOnlyList<SessionRecord>> ListAsync(SessionFilter filter, string afterId, int max, CancellationToken cancellationToken) => inner.ListAsync(filter, afterId, max, cancellationToken);
    public ValueTask<IReadOnlyList<string>> ActiveIdsAsync(string? principalId, CancellationToken cancellationToken) => inner.ActiveIdsAsync(principalId, cancellationToken);
    public ValueTask<long> ActiveCountAsync(CancellationToken cancellationToken) => inner.ActiveCountAsync(cancellationToken);
    public ValueTask<SessionRecord?> TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) => inner.TouchAsync(id, at, cancellationToken);
    public ValueTask ReviseAsync(string id, DateTimeOffset expiresAt, int idleTimeoutSeconds, CancellationToken cancellationToken) => inner.ReviseAsync(id, expiresAt, idleTimeoutSeconds, cancellationToken);
    public ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken) => inner.EndAsync(request, cancellationToken);
    public ValueTask ConfirmEndingsAsync(EndTarget target, CancellationToken cancellationToken) => inner.ConfirmEndingsAsync(target, cancellationToken);
    public ValueTask<IReadOnlyList<EndResult>> FinishEndingsAsync(DateTimeOffset now, CancellationToken cancellationToken) => inner.FinishEndingsAsync(now, cancellationToken);
    public ValueTask<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) => inner.DueAsync(now, max, cancellationToken);
    public virtual ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken) => inner.ReadAsync(afterCursor, max, cancellationToken);
    public virtual ValueTask<string?> LatestCursorAsync(CancellationToken cancellationToken) => inner.LatestCursorAsync(cancellationToken);
    public int CompareCursors(string a, string b) => inner.CompareCursors(a, b);
    public event Action? Appended { add => inner.Appended += value; remove => inner.Appended -= value; }
}
