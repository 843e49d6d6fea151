using System.Collections.Concurrent;

namespace SessionPolicy.Server.Sessions;

/// <summary>The sessions this service issued or was told of, by id.</summary>
internal sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, SessionRecord> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    /// <summary>Records a new session; an id is registered once.</summary>
    public ValueTask RegisterAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        if (!_sessions.TryAdd(session.Id, session)) throw new InvalidOperationException($"session {session.Id} is already registered");
        return ValueTask.CompletedTask;
    }

    public bool TryGet(string id, out SessionRecord session) => _sessions.TryGetValue(id, out session!);
}
