using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
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
internal sealed class RedisSessionStore : ISessionStore
{
    private readonly RedisConnection _redis;
    private readonly RedisKey _deadlines, _all, _stream;
    private readonly RedisChannel _notify;
    private readonly int _retention;
    private readonly long _endedRetentionMs;

    public RedisSessionStore(RedisConnection redis, IOptions<SessionLifecycleOptions> options)
    {
        _redis = redis;
        _deadlines = redis.KeyPrefix + "deadlines";
        _all = redis.KeyPrefix + "sessions";
        _stream = redis.KeyPrefix + "logouts";
        _notify = RedisChannel.Literal(redis.KeyPrefix + "logouts:notify");
        _retention = options.Value.EventRetention;
        _endedRetentionMs = (long)options.Value.EndedRetention.TotalMilliseconds;
        redis.Subscriber.Subscribe(_notify, (_, _) => Appended?.Invoke(), CommandFlags.FireAndForget);
        redis.Restored += () => Appended?.Invoke();
    }

    public event Action? Appended;

    private IDatabase Db => _redis.Database;

    private RedisKey SessionKey(string id) => _redis.KeyPrefix + "session:" + id;
    private RedisKey PrincipalKey(string id) => _redis.KeyPrefix + "psessions:" + id;
    private RedisKey RoleKey(string arn) => _redis.KeyPrefix + "rsessions:" + arn;

    public async ValueTask<bool> AddAsync(SessionRecord s, CancellationToken cancellationToken)
    {
        RedisValue[] args =
        [
            s.Id, Ms(s.Deadline), s.RoleArn.Length > 0 ? "1" : "0",
            "id", s.Id, "principal", s.PrincipalId, "role", s.RoleArn, "aud", JsonSerializer.Serialize(s.Audiences),
            "issued", Ms(s.IssuedAt), "expires", Ms(s.ExpiresAt), "idle", s.IdleTimeoutSeconds, "last", Ms(s.LastActivityAt),
            "origin", s.Origin, "decision", s.DecisionId, "version", s.PolicyVersion, "request", s.Request,
            "state", (int)SessionState.Active, "reason", 0, "ended", 0,
        ];
        var added = await Db.ScriptEvaluateAsync(RedisSessionScripts.Add,
            [SessionKey(s.Id), PrincipalKey(s.PrincipalId), s.RoleArn.Length > 0 ? RoleKey(s.RoleArn) : _redis.KeyPrefix + "none", _deadlines, _all], args);
        return (int)added == 1;
    }

    public async ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        Decode(await Db.HashGetAllAsync(SessionKey(id)));

    public async ValueTask<IReadOnlyList<SessionRecord>> ListAsync(SessionFilter filter, string afterId, int max, CancellationToken cancellationToken)
    {
        var found = new List<SessionRecord>();
        if (filter.PrincipalId.Length > 0 || filter.RoleArn.Length > 0)
        {
            var set = filter.PrincipalId.Length > 0 ? PrincipalKey(filter.PrincipalId) : RoleKey(filter.RoleArn);
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
            var batch = (await Db.SortedSetRangeByValueAsync(_all, after.Length == 0 ? default : after, default,
                    after.Length == 0 ? Exclude.None : Exclude.Start, Order.Ascending, 0, max))
                .Select(v => v.ToString()).ToList();
            if (batch.Count == 0) break;
            found.AddRange((await LoadAsync(batch, _all)).Where(filter.Matches));
            after = batch[^1];
            if (batch.Count < max) break;
        }
        return found.Take(max).ToList();
    }

    public async ValueTask<IReadOnlyList<string>> ActiveIdsAsync(string? principalId, CancellationToken cancellationToken)
    {
        if (principalId is null) return (await Db.SortedSetRangeByRankAsync(_deadlines)).Select(v => v.ToString()).ToList();
        var set = PrincipalKey(principalId);
        return (await LoadAsync((await Db.SetMembersAsync(set)).Select(v => v.ToString()).ToList(), set)).Where(s => s.IsActive).Select(s => s.Id).ToList();
    }

    public async ValueTask<long> ActiveCountAsync(CancellationToken cancellationToken) => await Db.SortedSetLengthAsync(_deadlines);

    public async ValueTask<SessionRecord?> TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await Db.ScriptEvaluateAsync(RedisSessionScripts.Touch, [SessionKey(id), _deadlines], [Ms(at), id]);
        return await GetAsync(id, cancellationToken);
    }

    public async ValueTask ReviseAsync(string id, DateTimeOffset expiresAt, int idleTimeoutSeconds, CancellationToken cancellationToken) =>
        await Db.ScriptEvaluateAsync(RedisSessionScripts.Revise, [SessionKey(id), _deadlines], [Ms(expiresAt), idleTimeoutSeconds, id]);

    public async ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken)
    {
        var eventId = Guid.CreateVersion7(request.At).ToString("N");
        var setKey = request.PrincipalId is { } p ? PrincipalKey(p) : request.RoleArn is { } r ? RoleKey(r) : (RedisKey)(_redis.KeyPrefix + "none");
        var args = new List<RedisValue>
        {
            _redis.KeyPrefix, request.SessionIds is null ? "set" : "ids", (int)request.Reason, request.Actor, request.Detail, Ms(request.At),
            request.OnlyIfDue ? "1" : "0", eventId, request.PrincipalId ?? "", request.RoleArn ?? "", _retention, _endedRetentionMs, _notify.ToString(),
        };
        foreach (var id in request.SessionIds ?? []) args.Add(id);
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RedisSessionScripts.End, [_deadlines, _stream, setKey], [.. args]))!;
        if (result.Length == 0) return EndResult.Nothing;

        var sessions = DecodeSessions(result[2].ToString());
        var ended = new List<SessionRecord>();
        foreach (var s in await Task.WhenAll(sessions.Select(s => GetAsync(s.Id, cancellationToken).AsTask()))) if (s is not null) ended.Add(s);
        var record = new LogoutRecord
        {
            Cursor = result[0].ToString(),
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

    public async ValueTask<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        (await Db.SortedSetRangeByScoreAsync(_deadlines, double.NegativeInfinity, Ms(now), Exclude.None, Order.Ascending, 0, max)).Select(v => v.ToString()).ToList();

    public async ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken)
    {
        if (afterCursor is not null && !StreamId.TryParse(afterCursor, out _)) throw new CursorOutOfRangeException($"'{afterCursor}' is not a cursor of this log", malformed: true);
        var info = afterCursor is null ? Task.FromResult<StreamInfo?>(null) : InfoAsync();
        var entries = Db.StreamRangeAsync(_stream, afterCursor is null ? "-" : "(" + afterCursor, "+", max + 1);
        await Task.WhenAll(info, entries);
        if (await info is { } i && afterCursor is not null)
        {
            // Trimming does not record what it removed; a cursor before the oldest retained event after
            // some were trimmed may have missed some, so it is refused.
            if (i.EntriesAdded > i.Length && StreamId.Compare(afterCursor, i.RecordedFirstEntryId.ToString()) < 0)
            {
                throw new CursorOutOfRangeException($"cursor {afterCursor} is older than the retained history (oldest event {i.RecordedFirstEntryId})");
            }
            if (StreamId.Compare(afterCursor, i.LastGeneratedId.ToString()) > 0)
            {
                throw new CursorOutOfRangeException($"cursor {afterCursor} is ahead of the log (newest event {i.LastGeneratedId})");
            }
        }
        else if (afterCursor is not null && afterCursor != Beginning)
        {
            throw new CursorOutOfRangeException($"cursor {afterCursor} is ahead of the log (the log is empty)");
        }
        var events = (await entries).Take(max).Select(DecodeEvent).ToList();
        return new LogPage(events, (await entries).Length > max);
    }

    public async ValueTask<string?> LatestCursorAsync(CancellationToken cancellationToken) =>
        await InfoAsync() is { } info ? info.LastGeneratedId.ToString() : Beginning;

    /// <summary>The cursor before the first event.</summary>
    public const string Beginning = "0-0";

    public int CompareCursors(string a, string b) => StreamId.Compare(a, b);

    private async Task<StreamInfo?> InfoAsync()
    {
        if (!await Db.KeyExistsAsync(_stream)) return null;
        try
        {
            return await Db.StreamInfoAsync(_stream);
        }
        catch (RedisServerException e) when (e.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
    }

    /// <summary>The sessions of <paramref name="ids"/> still held; ids whose session is gone are dropped from <paramref name="index"/>.</summary>
    private async Task<List<SessionRecord>> LoadAsync(IReadOnlyList<string> ids, RedisKey index)
    {
        var loaded = await Task.WhenAll(ids.Select(id => Db.HashGetAllAsync(SessionKey(id))));
        var sessions = new List<SessionRecord>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (Decode(loaded[i]) is { } s) sessions.Add(s);
            else if (index.Equals(_all)) _ = Db.SortedSetRemoveAsync(_all, ids[i], CommandFlags.FireAndForget);
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

    private static LogoutRecord DecodeEvent(StreamEntry entry)
    {
        var f = entry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value);
        return new LogoutRecord
        {
            Cursor = entry.Id.ToString(),
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
