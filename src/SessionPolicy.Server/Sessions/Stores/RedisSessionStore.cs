using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Redis;
using SessionPolicy.V1;
using StackExchange.Redis;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// The shared store: each session a hash, indexes by principal and role (sets), by id (a sorted set read by
/// range) and by deadline (a sorted set, so due sessions are a range query), and the logout log as a Redis
/// Stream trimmed to about <see cref="SessionLifecycleOptions.EventRetention"/> events, whose entry ids are the
/// cursors. Ending sessions and appending their event is one Lua script; every append is announced on a
/// channel so each replica's feed reads the stream at once (the stream, not the announcement, is what
/// counts: a lost announcement is caught by the feed's poll).
/// </summary>
internal sealed class RedisSessionStore(RedisConnection redis, RedisKeys keys, RedisReplicaWait replicas, IOptions<SessionLifecycleOptions> options) : ISessionStore, IStartupTask
{
    /// <summary>
    /// How often a principal's or role's logout reads its set of sessions again when the set changed before the
    /// script ran; the last attempt ends the sessions it read.
    /// </summary>
    private const int EndAttempts = 8;

    private readonly int _retention = options.Value.EventRetention;
    private readonly long _endedRetentionMs = (long)options.Value.EndedRetention.TotalMilliseconds;

    public event Action? Appended;

    /// <summary>Listens to appends by other replicas (and reads the log again after any gap in the connection).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.Subscriber.Subscribe(keys.LogoutAppended, (_, _) => Appended?.Invoke(), CommandFlags.FireAndForget);
        redis.Restored += () => Appended?.Invoke();
        return Task.CompletedTask;
    }

    private IDatabase Db => redis.Database;

    // A read of the registry's own key: on a cluster it reaches the node that would take the session.
    public async ValueTask CheckWritableAsync(CancellationToken cancellationToken) => await Run("reach the shared store to register the session", async () =>
        await Db.KeyExistsAsync(keys.Deadlines));

    public ValueTask<bool> AddAsync(SessionRecord s, CancellationToken cancellationToken) => Run("register the session", async () =>
    {
        RedisValue[] args =
        [
            s.Id, Ms(s.Deadline),
            "id", s.Id, "principal", s.PrincipalId, "role", s.RoleArn, "aud", JsonSerializer.Serialize(s.Audiences),
            "issued", Ms(s.IssuedAt), "expires", Ms(s.ExpiresAt), "idle", s.IdleTimeoutSeconds, "last", Ms(s.LastActivityAt),
            "origin", s.Origin, "decision", s.DecisionId, "version", s.PolicyVersion, "request", s.Request,
            "state", (int)SessionState.Active, "reason", 0, "ended", 0,
        ];
        RedisKey[] scriptKeys = s.RoleArn.Length > 0
            ? [keys.Session(s.Id), keys.PrincipalSessions(s.PrincipalId), keys.Deadlines, keys.AllSessions, keys.RoleSessions(s.RoleArn)]
            : [keys.Session(s.Id), keys.PrincipalSessions(s.PrincipalId), keys.Deadlines, keys.AllSessions];
        return (int)await Db.ScriptEvaluateAsync(RedisSessionScripts.Add, scriptKeys, args) == 1;
    });

    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        Run("read the session", async () => Decode(await Db.HashGetAllAsync(keys.Session(id))));

    public ValueTask<IReadOnlyList<SessionRecord>> ListAsync(SessionFilter filter, string afterId, int max, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<SessionRecord>>("list sessions", async () =>
        {
            var found = new List<SessionRecord>();
            if (filter.PrincipalId.Length > 0 || filter.RoleArn.Length > 0)
            {
                var set = filter.PrincipalId.Length > 0 ? keys.PrincipalSessions(filter.PrincipalId) : keys.RoleSessions(filter.RoleArn);
                var ids = (await Db.SetMembersAsync(set)).Select(v => v.ToString())
                    .Where(id => string.CompareOrdinal(id, afterId) > 0).Order(StringComparer.Ordinal).ToList();
                for (var i = 0; i < ids.Count && found.Count < max; i += max)
                {
                    found.AddRange((await LoadAsync(ids.Skip(i).Take(max).ToList(), set)).Where(filter.Matches));
                }
                return found.Take(max).ToList();
            }
            var after = afterId;
            while (found.Count < max)
            {
                var batch = (await Db.SortedSetRangeByValueAsync(keys.AllSessions, after.Length == 0 ? default : after, default,
                        after.Length == 0 ? Exclude.None : Exclude.Start, Order.Ascending, 0, max))
                    .Select(v => v.ToString()).ToList();
                if (batch.Count == 0) break;
                found.AddRange((await LoadAsync(batch, keys.AllSessions)).Where(filter.Matches));
                after = batch[^1];
                if (batch.Count < max) break;
            }
            return found.Take(max).ToList();
        });

    public ValueTask<IReadOnlyList<string>> ActiveIdsAsync(string? principalId, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<string>>("list active sessions", async () =>
        {
            if (principalId is null) return (await Db.SortedSetRangeByRankAsync(keys.Deadlines)).Select(v => v.ToString()).ToList();
            var set = keys.PrincipalSessions(principalId);
            return (await LoadAsync((await Db.SetMembersAsync(set)).Select(v => v.ToString()).ToList(), set)).Where(s => s.IsActive).Select(s => s.Id).ToList();
        });

    public ValueTask<long> ActiveCountAsync(CancellationToken cancellationToken) =>
        Run("count sessions", () => Db.SortedSetLengthAsync(keys.Deadlines));

    public ValueTask<SessionRecord?> TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) => Run("record the activity", async () =>
    {
        await Db.ScriptEvaluateAsync(RedisSessionScripts.Touch, [keys.Session(id), keys.Deadlines], [Ms(at), id]);
        return Decode(await Db.HashGetAllAsync(keys.Session(id)));
    });

    public async ValueTask ReviseAsync(string id, DateTimeOffset expiresAt, int idleTimeoutSeconds, CancellationToken cancellationToken) =>
        await Run("cut the session's limits", () => Db.ScriptEvaluateAsync(RedisSessionScripts.Revise, [keys.Session(id), keys.Deadlines], [Ms(expiresAt), idleTimeoutSeconds, id]));

    public async ValueTask ConfirmEndingsAsync(CancellationToken cancellationToken) => await replicas.ConfirmAsync(keys.SessionsWait, "the logout");

    public ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken) => Run("record the logout", async () =>
    {
        var eventId = Guid.CreateVersion7(request.At).ToString("N");
        var set = request.PrincipalId is { } p ? keys.PrincipalSessions(p) : request.RoleArn is { } r ? keys.RoleSessions(r) : (RedisKey?)null;
        for (var attempt = 1; ; attempt++)
        {
            // Every key the script touches is passed in KEYS: a principal's or role's sessions are read first,
            // and the script ends them only if the set is still what was read (else it is read again).
            var ids = (request.SessionIds ?? (await Db.SetMembersAsync(set!.Value)).Select(v => v.ToString())).Order(StringComparer.Ordinal).ToList();
            var scriptKeys = new List<RedisKey> { keys.Deadlines, keys.LogoutLog, keys.LogEpoch, set ?? keys.Deadlines };
            scriptKeys.AddRange(ids.Select(keys.Session));
            var args = new List<RedisValue>
            {
                set is null || attempt == EndAttempts ? "ids" : "set", (int)request.Reason, request.Actor, request.Detail, Ms(request.At), request.OnlyIfDue ? "1" : "0",
                eventId, request.PrincipalId ?? "", request.RoleArn ?? "", _retention, _endedRetentionMs, keys.LogoutAppended.ToString(), LogCursor.NewEpoch(),
            };
            args.AddRange(ids.Select(id => (RedisValue)id));
            var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RedisSessionScripts.End, [.. scriptKeys], [.. args]))!;
            if (result.Length == 1) continue;
            if (result.Length < 4) return EndResult.Nothing;
            var sessions = DecodeSessions(result[2].ToString());
            var ended = new List<SessionRecord>();
            foreach (var s in await Task.WhenAll(sessions.Select(s => Db.HashGetAllAsync(keys.Session(s.Id))))) if (Decode(s) is { } e) ended.Add(e);
            var record = new LogoutRecord
            {
                Cursor = LogCursor.Format(result[3].ToString(), result[0].ToString()),
                EventId = eventId,
                Reason = (LogoutReason)int.Parse(result[1].ToString(), CultureInfo.InvariantCulture),
                Actor = request.Actor,
                PrincipalId = request.PrincipalId ?? (sessions.All(s => s.PrincipalId == sessions[0].PrincipalId) ? sessions[0].PrincipalId : ""),
                RoleArn = request.RoleArn ?? "",
                OccurredAt = request.At,
                Detail = request.Detail,
                Sessions = sessions,
            };
            Appended?.Invoke();
            return new EndResult(ended, record);
        }
    });

    public ValueTask<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<string>>("find due sessions", async () =>
            (await Db.SortedSetRangeByScoreAsync(keys.Deadlines, double.NegativeInfinity, Ms(now), Exclude.None, Order.Ascending, 0, max)).Select(v => v.ToString()).ToList());

    public ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken) => Run("read the logout log", async () =>
    {
        var epoch = await EpochAsync();
        var after = afterCursor is null ? null : LogCursor.Position(afterCursor, epoch, IsPosition);
        var info = after is null ? Task.FromResult<StreamInfo?>(null) : InfoAsync();
        var entries = Db.StreamRangeAsync(keys.LogoutLog, after is null ? "-" : "(" + after, "+", max + 1);
        await Task.WhenAll(info, entries);
        if (await info is { } i && after is not null)
        {
            // Trimming does not record what it removed; a cursor before the oldest retained event after
            // some were trimmed may have missed some, so it is refused.
            if (i.EntriesAdded > i.Length && StreamId.Compare(after, i.RecordedFirstEntryId.ToString()) < 0)
            {
                throw new CursorOutOfRangeException($"cursor {afterCursor} is older than the retained history (oldest event {LogCursor.Format(epoch, i.RecordedFirstEntryId.ToString())})");
            }
            if (StreamId.Compare(after, i.LastGeneratedId.ToString()) > 0)
            {
                throw new CursorOutOfRangeException($"cursor {afterCursor} is ahead of the log (newest event {LogCursor.Format(epoch, i.LastGeneratedId.ToString())})");
            }
        }
        else if (after is not null && after != Beginning)
        {
            throw new CursorOutOfRangeException($"cursor {afterCursor} is ahead of the log (the log is empty)");
        }
        var read = await entries;
        return new LogPage(read.Take(max).Select(e => DecodeEvent(e, epoch)).ToList(), read.Length > max);
    });

    public ValueTask<string?> LatestCursorAsync(CancellationToken cancellationToken) => Run<string?>("read the logout log", async () =>
    {
        var epoch = await EpochAsync();
        return LogCursor.Format(epoch, await InfoAsync() is { } info ? info.LastGeneratedId.ToString() : Beginning);
    });

    /// <summary>The stream position before the first event.</summary>
    private const string Beginning = "0-0";

    public int CompareCursors(string a, string b)
    {
        var epoch = a[..Math.Max(0, a.IndexOf('.'))];
        return StreamId.Compare(LogCursor.Position(a, epoch, IsPosition), LogCursor.Position(b, epoch, IsPosition));
    }

    private static bool IsPosition(string position) => StreamId.TryParse(position, out _);

    /// <summary>The log's incarnation, made when the log has none yet (first use, or after the store lost it).</summary>
    private async Task<string> EpochAsync()
    {
        var epoch = await Db.StringGetAsync(keys.LogEpoch);
        if (!epoch.IsNullOrEmpty) return epoch.ToString();
        await Db.StringSetAsync(keys.LogEpoch, LogCursor.NewEpoch(), when: When.NotExists);
        return (await Db.StringGetAsync(keys.LogEpoch)).ToString();
    }

    /// <summary>
    /// The stream's state, or null before its first event. (Trimming never deletes the stream; one lost between
    /// the two calls fails this read as a store fault, and the reader tries again.)
    /// </summary>
    private async Task<StreamInfo?> InfoAsync() =>
        await Db.KeyExistsAsync(keys.LogoutLog) ? await Db.StreamInfoAsync(keys.LogoutLog) : null;

    private static ValueTask<T> Run<T>(string operation, Func<Task<T>> call) => new(RedisFailures.RunAsync(operation, call));

    /// <summary>The sessions of <paramref name="ids"/> still held; ids whose session is gone are dropped from <paramref name="index"/>.</summary>
    private async Task<List<SessionRecord>> LoadAsync(IReadOnlyList<string> ids, RedisKey index)
    {
        var loaded = await Task.WhenAll(ids.Select(id => Db.HashGetAllAsync(keys.Session(id))));
        var sessions = new List<SessionRecord>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (Decode(loaded[i]) is { } s) sessions.Add(s);
            else if (index.Equals(keys.AllSessions)) _ = Db.SortedSetRemoveAsync(keys.AllSessions, ids[i], CommandFlags.FireAndForget);
            else _ = Db.SetRemoveAsync(index, ids[i], CommandFlags.FireAndForget);
        }
        return sessions;
    }

    private static SessionRecord? Decode(HashEntry[] fields)
    {
        if (fields.Length == 0) return null;
        var h = fields.ToDictionary(f => f.Name.ToString(), f => f.Value);
        var ended = (long)h["ended"];
        return new SessionRecord
        {
            Id = h["id"].ToString(),
            PrincipalId = h["principal"].ToString(),
            RoleArn = h["role"].ToString(),
            Audiences = JsonSerializer.Deserialize<string[]>(h["aud"].ToString()) ?? [],
            IssuedAt = FromMs((long)h["issued"]),
            ExpiresAt = FromMs((long)h["expires"]),
            IdleTimeoutSeconds = (int)h["idle"],
            LastActivityAt = FromMs((long)h["last"]),
            Origin = h["origin"].ToString(),
            DecisionId = h["decision"].ToString(),
            PolicyVersion = h["version"].ToString(),
            Request = (byte[])h["request"]!,
            State = (SessionState)(int)h["state"],
            EndedReason = (LogoutReason)(int)h["reason"],
            EndedAt = ended == 0 ? null : FromMs(ended),
        };
    }

    private static LogoutRecord DecodeEvent(StreamEntry entry, string epoch)
    {
        var f = entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value);
        return new LogoutRecord
        {
            Cursor = LogCursor.Format(epoch, entry.Id.ToString()),
            EventId = f["id"].ToString(),
            Reason = (LogoutReason)(int)f["reason"],
            Actor = f["actor"].ToString(),
            PrincipalId = f["principal"].ToString(),
            RoleArn = f["role"].ToString(),
            OccurredAt = FromMs((long)f["at"]),
            Detail = f["detail"].ToString(),
            Sessions = DecodeSessions(f["sessions"].ToString()),
        };
    }

    private static List<EndedSession> DecodeSessions(string json)
    {
        using var doc = JsonDocument.Parse(json);
        // cjson encodes an empty list as {}; an event always has sessions, but read defensively.
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return [];
        return doc.RootElement.EnumerateArray().Select(e => new EndedSession(
            e.GetProperty("id").GetString()!,
            e.GetProperty("principal").GetString()!,
            e.GetProperty("role").GetString()!,
            e.GetProperty("aud").ValueKind == JsonValueKind.Array ? [.. e.GetProperty("aud").EnumerateArray().Select(a => a.GetString()!)] : [])).ToList();
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
