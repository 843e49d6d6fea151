using System.Globalization;
using Microsoft.Extensions.Options;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// The embedded store: sessions by id with indexes by principal and role, a heap of deadlines (so due
/// sessions are found without scanning; entries made stale by activity are skipped or pushed back), and
/// the logout log as a bounded sequence whose cursor is the event's position. One lock keeps ending and
/// logging atomic.
/// </summary>
internal sealed class InMemorySessionStore(IOptions<SessionLifecycleOptions> options, TimeProvider time) : ISessionStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SessionRecord> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byPrincipal = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byRole = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _deadlines = new();
    private readonly Queue<(string Id, DateTimeOffset EndedAt)> _ended = new();
    // The log as a ring: the event with sequence number s sits at (s - 1) % retention, so a read from a
    // cursor goes straight to its place instead of walking the retained events.
    private readonly List<LogoutRecord> _log = [];
    private readonly SharedValues<string> _strings = new(StringComparer.Ordinal);
    private readonly SharedValues<IReadOnlyList<string>> _audiences = new(StringListComparer.Instance);
    private readonly SharedValues<byte[]> _requests = new(Decisions.ByteKeyComparer.Instance);
    private readonly int _retention = options.Value.EventRetention;
    private readonly TimeSpan _endedRetention = options.Value.EndedRetention;
    // A new incarnation of the log each time the process starts: cursors from before a restart are refused.
    private readonly string _epoch = LogCursor.NewEpoch();
    private long _lastSequence;
    private long _active;

    public event Action? Appended;

    /// <summary>This process's own memory: always writable.</summary>
    public ValueTask CheckWritableAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Nothing to wait for: this process is the only copy.</summary>
    public ValueTask ConfirmEndingsAsync(EndTarget target, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Nothing is ever left pending: ending and logging are one step under the lock.</summary>
    public ValueTask<IReadOnlyList<EndResult>> FinishEndingsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<EndResult>>([]);

    public ValueTask<bool> AddAsync(SessionRecord session, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_sessions.ContainsKey(session.Id)) return ValueTask.FromResult(false);
            // Many sessions share a principal, a role, audiences and often the whole request: one copy each.
            session = session with
            {
                PrincipalId = _strings.Acquire(session.PrincipalId),
                RoleArn = _strings.Acquire(session.RoleArn),
                Audiences = _audiences.Acquire(session.Audiences),
                Request = _requests.Acquire(session.Request),
            };
            _sessions.Add(session.Id, session);
            _active++;
            Index(_byPrincipal, session.PrincipalId, session.Id);
            if (session.RoleArn.Length > 0) Index(_byRole, session.RoleArn, session.Id);
            _deadlines.Enqueue(session.Id, session.Deadline.UtcTicks);
        }
        return ValueTask.FromResult(true);
    }

    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        lock (_lock) return ValueTask.FromResult(_sessions.GetValueOrDefault(id));
    }

    public ValueTask<IReadOnlyList<SessionRecord>> ListAsync(SessionFilter filter, string afterId, int max, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            PurgeEnded();
            IEnumerable<string> ids = filter.PrincipalId.Length > 0 ? _byPrincipal.GetValueOrDefault(filter.PrincipalId) ?? []
                : filter.RoleArn.Length > 0 ? _byRole.GetValueOrDefault(filter.RoleArn) ?? []
                : _sessions.Keys;
            IReadOnlyList<SessionRecord> page = ids.Where(id => string.CompareOrdinal(id, afterId) > 0)
                .Select(id => _sessions[id]).Where(filter.Matches)
                .OrderBy(s => s.Id, StringComparer.Ordinal).Take(max).ToList();
            return ValueTask.FromResult(page);
        }
    }

    public ValueTask<IReadOnlyList<string>> ActiveIdsAsync(string? principalId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IEnumerable<string> ids = principalId is null ? _sessions.Keys : _byPrincipal.GetValueOrDefault(principalId) ?? [];
            IReadOnlyList<string> active = ids.Where(id => _sessions[id].IsActive).ToList();
            return ValueTask.FromResult(active);
        }
    }

    public ValueTask<long> ActiveCountAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return ValueTask.FromResult(_active);
    }

    public ValueTask<SessionRecord?> TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_sessions.TryGetValue(id, out var session)) return ValueTask.FromResult<SessionRecord?>(null);
            if (session.IsActive && !session.IsDueAt(at) && at > session.LastActivityAt)
            {
                // The heap keeps the older, earlier deadline; the sweep finds it stale and pushes it back.
                _sessions[id] = session = session with { LastActivityAt = at };
            }
            return ValueTask.FromResult<SessionRecord?>(session);
        }
    }

    public ValueTask ReviseAsync(string id, DateTimeOffset expiresAt, int idleTimeoutSeconds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_sessions.TryGetValue(id, out var session) && session.IsActive)
            {
                var revised = session with
                {
                    ExpiresAt = expiresAt < session.ExpiresAt ? expiresAt : session.ExpiresAt,
                    IdleTimeoutSeconds = idleTimeoutSeconds,
                };
                _sessions[id] = revised;
                if (revised.Deadline < session.Deadline) _deadlines.Enqueue(id, revised.Deadline.UtcTicks);
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken)
    {
        EndResult result;
        lock (_lock)
        {
            IEnumerable<string> ids = (IEnumerable<string>?)request.SessionIds
                ?? (request.PrincipalId is { } p ? _byPrincipal.GetValueOrDefault(p) ?? []
                : request.RoleArn is { } r ? _byRole.GetValueOrDefault(r) ?? [] : []);
            var ended = new List<SessionRecord>();
            var reason = request.Reason;
            foreach (var id in ids.ToList())
            {
                if (!_sessions.TryGetValue(id, out var session) || !session.IsActive) continue;
                if (request.OnlyIfDue)
                {
                    if (!session.IsDueAt(request.At)) continue;
                    reason = session.ExpiryReason;
                }
                var done = session with { State = SessionState.Ended, EndedReason = reason, EndedAt = request.At };
                _sessions[id] = done;
                _active--;
                _ended.Enqueue((id, request.At));
                ended.Add(done);
            }
            if (ended.Count == 0) return ValueTask.FromResult(EndResult.Nothing);
            var record = Record(request, reason, ended);
            var slot = (int)((_lastSequence - 1) % _retention);
            if (slot == _log.Count) _log.Add(record);
            else _log[slot] = record;
            result = new EndResult(ended, record);
        }
        Appended?.Invoke();
        return ValueTask.FromResult(result);
    }

    public ValueTask<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var due = new List<string>();
        lock (_lock)
        {
            while (due.Count < max && _deadlines.TryPeek(out var id, out var deadline) && deadline <= now.UtcTicks)
            {
                _deadlines.Dequeue();
                if (!_sessions.TryGetValue(id, out var session) || !session.IsActive) continue;
                if (session.IsDueAt(now)) due.Add(id);
                else _deadlines.Enqueue(id, session.Deadline.UtcTicks);
            }
            // A due session keeps its place until it has ended, so an ending that fails is found again.
            foreach (var id in due) _deadlines.Enqueue(id, _sessions[id].Deadline.UtcTicks);
            PurgeEnded();
        }
        return ValueTask.FromResult<IReadOnlyList<string>>(due);
    }

    public ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var after = afterCursor is null ? 0 : Parse(afterCursor);
            var oldest = _lastSequence - _log.Count + 1;
            if (afterCursor is not null && after < oldest - 1)
            {
                throw new CursorOutOfRangeException($"cursor {afterCursor} is older than the retained history (oldest event {Cursor(oldest)}); events after it are gone");
            }
            if (after > _lastSequence) throw new CursorOutOfRangeException($"cursor {afterCursor} is ahead of the log (newest event {Cursor(_lastSequence)})");
            var first = Math.Max(after + 1, oldest);
            var last = Math.Min(_lastSequence, first + max - 1);
            var events = new List<LogoutRecord>((int)Math.Max(0, last - first + 1));
            for (var seq = first; seq <= last; seq++) events.Add(_log[(int)((seq - 1) % _retention)]);
            return ValueTask.FromResult(new LogPage(events, last < _lastSequence));
        }
    }

    public ValueTask<string?> LatestCursorAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return ValueTask.FromResult<string?>(Cursor(_lastSequence));
    }

    public int CompareCursors(string a, string b) => Parse(a).CompareTo(Parse(b));

    /// <summary>Sessions held, for tests and benchmarks.</summary>
    public int Count { get { lock (_lock) return _sessions.Count; } }

    private LogoutRecord Record(EndRequest request, LogoutReason reason, List<SessionRecord> ended) => new()
    {
        Cursor = Cursor(++_lastSequence),
        EventId = Guid.CreateVersion7(request.At).ToString("N"),
        Reason = reason,
        Actor = request.Actor,
        PrincipalId = request.PrincipalId ?? (ended.All(s => s.PrincipalId == ended[0].PrincipalId) ? ended[0].PrincipalId : ""),
        RoleArn = request.RoleArn ?? "",
        ByPrincipal = request.PrincipalId is not null,
        OccurredAt = request.At,
        Detail = request.Detail,
        Sessions = [.. ended.Select(EndedSession.Of)],
    };

    private string Cursor(long sequence) => LogCursor.Format(_epoch, sequence.ToString(CultureInfo.InvariantCulture));

    private long Parse(string cursor) => long.Parse(LogCursor.Position(cursor, _epoch, IsPosition), NumberStyles.None, CultureInfo.InvariantCulture);

    private static bool IsPosition(string position) =>
        position.Length is > 0 and <= 18 && long.TryParse(position, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private void PurgeEnded()
    {
        var before = time.GetUtcNow() - _endedRetention;
        while (_ended.TryPeek(out var e) && e.EndedAt <= before)
        {
            _ended.Dequeue();
            if (!_sessions.Remove(e.Id, out var s)) continue;
            Unindex(_byPrincipal, s.PrincipalId, s.Id);
            if (s.RoleArn.Length > 0) Unindex(_byRole, s.RoleArn, s.Id);
            _strings.Release(s.PrincipalId);
            _strings.Release(s.RoleArn);
            _audiences.Release(s.Audiences);
            _requests.Release(s.Request);
        }
    }

    private static void Index(Dictionary<string, HashSet<string>> index, string key, string id)
    {
        if (!index.TryGetValue(key, out var set)) index[key] = set = new HashSet<string>(StringComparer.Ordinal);
        set.Add(id);
    }

    private static void Unindex(Dictionary<string, HashSet<string>> index, string key, string id)
    {
        if (index.TryGetValue(key, out var set) && set.Remove(id) && set.Count == 0) index.Remove(key);
    }
}
