using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Redis;
using SessionPolicy.V1;
using StackExchange.Redis;
using static SessionPolicy.Server.Sessions.Stores.RedisSessionValue;

namespace SessionPolicy.Server.Sessions.Stores;

/// <summary>
/// The shared store. Sessions are split over <see cref="RedisKeys.SessionPartitions"/> partitions by id; each
/// partition keeps its sessions (one string each, <see cref="RedisSessionValue"/>), indexes by principal and role
/// (sets), by id (a sorted set read by range) and by deadline (a sorted set, so due sessions are a range query),
/// and an outbox of endings whose event is not yet in the log. The logout log is one Redis Stream trimmed to about
/// <see cref="SessionLifecycleOptions.EventRetention"/> events, whose entry ids are the cursors; every append is
/// announced on a channel so each replica's feed reads the stream at once (the stream, not the announcement, is
/// what counts: a lost announcement is caught by the feed's poll).
/// </summary>
/// <remarks>
/// An ending spans partitions (a principal's sessions are spread by id) and the log, which a cluster cannot change
/// in one atomic step, so it takes three: each partition involved ends its sessions and keeps the event in its
/// outbox in one script; the event is appended to the log, once (a marker by event id); the outbox entries are
/// dropped. A fault after the first step leaves the sessions ended (never running) and the event in the outbox: the
/// sweep finds an entry older than <see cref="_pendingFor"/> and appends it (<see cref="FinishEndingsAsync"/>), so
/// every ending reaches the log, at least once. The replicas share the sweeping: each claims a place in
/// <see cref="RedisKeys.Sweepers"/> and sweeps the partitions that rendezvous hashing gives it, so no replica reads
/// every deadline and every partition has a sweeper while one replica lives.
/// </remarks>
internal sealed class RedisSessionStore(RedisConnection redis, RedisKeys keys, RedisReplicaWait replicas, IOptions<SessionLifecycleOptions> options)
    : ISessionStore, IStartupTask, IDisposable
{
    /// <summary>
    /// How often a principal's or role's logout reads a partition's set of sessions again when the set changed before
    /// the script ran; the last attempt ends the sessions it read.
    /// </summary>
    private const int EndAttempts = 8;

    private const int Partitions = RedisKeys.SessionPartitions;

    private static readonly IReadOnlyList<int> AllPartitions = Enumerable.Range(0, Partitions).ToArray();

    /// <summary>How long an appended event's marker is kept: far longer than an ending stays pending.</summary>
    private static readonly TimeSpan AppendedMarker = TimeSpan.FromMinutes(2);

    private readonly int _retention = options.Value.EventRetention;
    private readonly long _endedRetentionMs = (long)options.Value.EndedRetention.TotalMilliseconds;
    // An ending not in the log this long after it happened was left by a fault: the call that made it has given up.
    private readonly TimeSpan _pendingFor = TimeSpan.FromSeconds(10) + 2 * redis.OperationTimeout + RedisFailures.TryAgainFor;
    // A claim to sweep outlives a few missed sweeps; a replica gone lets its partitions go when its claim lapses.
    private readonly long _claimMs = (long)Math.Max(3 * options.Value.SweepInterval.TotalMilliseconds, 10_000);
    private readonly string _sweeper = Guid.NewGuid().ToString("N");
    // One claim serves a whole sweep (pending endings, then each batch of due sessions): renewed once half an interval passed.
    private readonly TimeSpan _claimServes = options.Value.SweepInterval / 2;
    private volatile Claim? _claim;

    public event Action? Appended;

    /// <summary>Listens to appends by other replicas (and reads the log again after any gap in the connection).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        redis.Subscriber.Subscribe(keys.LogoutAppended, (_, _) => Appended?.Invoke(), CommandFlags.FireAndForget);
        redis.Restored += () => Appended?.Invoke();
        return Task.CompletedTask;
    }

    /// <summary>Gives up this replica's claim to sweep, so the others take its partitions at once.</summary>
    public void Dispose()
    {
        if (redis.IsConnected) _ = Db.SortedSetRemoveAsync(keys.Sweepers, _sweeper, CommandFlags.FireAndForget);
    }

    private IDatabase Db => redis.Database;

    // A read of the log's node, which every ending reaches.
    public async ValueTask CheckWritableAsync(CancellationToken cancellationToken) => await Run("reach the shared store to register the session", async () =>
        await Db.KeyExistsAsync(keys.LogEpoch));

    public ValueTask<bool> AddAsync(SessionRecord s, CancellationToken cancellationToken) => Run("register the session", () => AddAsync(Db, keys, s, null));

    /// <summary>Writes a session and its indexes unless its id is taken (also used to carry sessions over from an earlier layout).</summary>
    internal static async Task<bool> AddAsync(IDatabase db, RedisKeys keys, SessionRecord s, TimeSpan? ttl)
    {
        var k = RedisKeys.PartitionOf(s.Id);
        RedisValue[] args = [s.Id, s.IsActive ? Ms(s.Deadline) : "", Encode(s), ttl is { } t ? Math.Max(1, (long)t.TotalMilliseconds) : 0];
        RedisKey[] scriptKeys = s.RoleArn.Length > 0
            ? [keys.Session(s.Id), keys.PrincipalSessions(k, s.PrincipalId), keys.Deadlines(k), keys.AllSessions(k), keys.RoleSessions(k, s.RoleArn)]
            : [keys.Session(s.Id), keys.PrincipalSessions(k, s.PrincipalId), keys.Deadlines(k), keys.AllSessions(k)];
        return (int)await db.ScriptEvaluateAsync(RedisSessionScripts.Add, scriptKeys, args) == 1;
    }

    public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) =>
        Run("read the session", async () => Decode(id, (byte[]?)await Db.StringGetAsync(keys.Session(id))));

    public ValueTask<IReadOnlyList<SessionRecord>> ListAsync(SessionFilter filter, string afterId, int max, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<SessionRecord>>("list sessions", async () =>
        {
            var found = new List<SessionRecord>();
            if (filter.PrincipalId.Length > 0 || filter.RoleArn.Length > 0)
            {
                var set = SetOf(filter.PrincipalId.Length > 0 ? filter.PrincipalId : null, filter.RoleArn)!;
                var ids = (await MembersAsync(set)).SelectMany(m => m).Where(id => string.CompareOrdinal(id, afterId) > 0).Order(StringComparer.Ordinal).ToList();
                for (var i = 0; i < ids.Count && found.Count < max; i += max)
                {
                    found.AddRange((await LoadAsync(ids.Skip(i).Take(max).ToList(), set)).Where(filter.Matches));
                }
                return found.Take(max).ToList();
            }
            // Each partition's ids after the last one seen, merged: the first max of the union are the next max overall.
            var after = afterId;
            while (found.Count < max)
            {
                var reads = await Task.WhenAll(AllPartitions.Select(k => Db.SortedSetRangeByValueAsync(keys.AllSessions(k),
                    after.Length == 0 ? default : after, default, after.Length == 0 ? Exclude.None : Exclude.Start, Order.Ascending, 0, max)));
                var batch = reads.SelectMany(r => r).Select(v => v.ToString()).Order(StringComparer.Ordinal).Take(max).ToList();
                if (batch.Count == 0) break;
                found.AddRange((await LoadAsync(batch, new SessionIndex(keys.AllSessions, Sorted: true))).Where(filter.Matches));
                after = batch[^1];
                if (batch.Count < max) break;
            }
            return found.Take(max).ToList();
        });

    public ValueTask<IReadOnlyList<string>> ActiveIdsAsync(string? principalId, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<string>>("list active sessions", async () =>
        {
            if (principalId is null)
            {
                return (await Task.WhenAll(AllPartitions.Select(k => Db.SortedSetRangeByRankAsync(keys.Deadlines(k))))).SelectMany(r => r).Select(v => v.ToString()).ToList();
            }
            var set = SetOf(principalId, null)!;
            return (await LoadAsync((await MembersAsync(set)).SelectMany(m => m).ToList(), set)).Where(s => s.IsActive).Select(s => s.Id).ToList();
        });

    public ValueTask<long> ActiveCountAsync(CancellationToken cancellationToken) =>
        Run("count sessions", async () => (await Task.WhenAll(AllPartitions.Select(k => Db.SortedSetLengthAsync(keys.Deadlines(k))))).Sum());

    public ValueTask<SessionRecord?> TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) => Run("record the activity", async () =>
        Decode(id, (byte[]?)await Db.ScriptEvaluateAsync(RedisSessionScripts.Touch, [keys.Session(id), keys.Deadlines(RedisKeys.PartitionOf(id))], [Ms(at), id])));

    public async ValueTask ReviseAsync(string id, DateTimeOffset expiresAt, int idleTimeoutSeconds, CancellationToken cancellationToken) =>
        await Run("cut the session's limits", () => Db.ScriptEvaluateAsync(RedisSessionScripts.Revise,
            [keys.Session(id), keys.Deadlines(RedisKeys.PartitionOf(id))], [Ms(expiresAt), idleTimeoutSeconds, id]));

    /// <summary>The nodes the target's endings were written to: the log's and those of the partitions holding its sessions (one wait per node).</summary>
    public async ValueTask ConfirmEndingsAsync(EndTarget target, CancellationToken cancellationToken)
    {
        if (!replicas.Enabled) return;
        var set = SetOf(target.PrincipalId, target.RoleArn);
        var partitions = set is null
            ? (target.SessionIds ?? []).Select(RedisKeys.PartitionOf).Distinct()
            : (await Run("find the sessions to confirm", () => MembersAsync(set))).Select((ids, k) => (ids, k)).Where(t => t.ids.Count > 0).Select(t => t.k);
        await replicas.ConfirmEachNodeAsync([keys.LogWait, .. partitions.Select(keys.PartitionWait)], "the logout");
    }

    /// <summary>Where each partition keeps a principal's or a role's sessions; null for neither.</summary>
    private SessionIndex? SetOf(string? principalId, string? roleArn) =>
        principalId is { } p ? new SessionIndex(k => keys.PrincipalSessions(k, p), Sorted: true)
        : roleArn is { Length: > 0 } r ? new SessionIndex(k => keys.RoleSessions(k, r), Sorted: false) : null;

    /// <summary>
    /// One partition-local index of session ids. A principal's sessions are a sorted set of equal scores: a partition
    /// holds a few of them, which Redis keeps compact (a listpack) up to 128; a role's, many, are a set (no compact form
    /// for strings before Redis 7.2, and a set's table is smaller than a large sorted set's).
    /// </summary>
    private sealed record SessionIndex(Func<int, RedisKey> Key, bool Sorted)
    {
        public Task<RedisValue[]> ReadAsync(IDatabase db, int k) => Sorted ? db.SortedSetRangeByRankAsync(Key(k)) : db.SetMembersAsync(Key(k));

        public void Forget(IDatabase db, string id)
        {
            var key = Key(RedisKeys.PartitionOf(id));
            _ = Sorted ? db.SortedSetRemoveAsync(key, id, CommandFlags.FireAndForget) : db.SetRemoveAsync(key, id, CommandFlags.FireAndForget);
        }
    }

    public ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken) => Run("record the logout", async () =>
    {
        var eventId = Guid.CreateVersion7(request.At).ToString("N");
        var set = SetOf(request.PrincipalId, request.RoleArn);
        // The partitions involved and the ids each holds: named, or each partition's set as read now.
        var targets = set is null
            ? request.SessionIds!.Distinct(StringComparer.Ordinal).GroupBy(RedisKeys.PartitionOf).ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g])
            : (await MembersAsync(set)).Select((ids, k) => (ids, k)).Where(t => t.ids.Count > 0).ToDictionary(t => t.k, t => (IReadOnlyList<string>)t.ids);
        if (targets.Count == 0) return EndResult.Nothing;
        var pending = new PendingEvent(eventId, (int)request.Reason, request.Actor, request.PrincipalId ?? "", request.RoleArn ?? "",
            Ms(request.At), request.Detail, request.OnlyIfDue, [.. targets.Keys.Order()]);
        var entry = JsonSerializer.Serialize(pending, PendingEvent.Json);
        var ended = (await Task.WhenAll(targets.Select(t => EndInPartitionAsync(t.Key, t.Value, set, request, eventId, entry)))).SelectMany(e => e).ToList();
        if (ended.Count == 0) return EndResult.Nothing;
        var (record, _) = await AppendAsync(pending, ended);
        foreach (var k in pending.Parts) _ = Db.HashDeleteAsync(keys.Outbox(k), eventId, CommandFlags.FireAndForget);
        return new EndResult(ended, record);
    });

    /// <summary>Ends what <paramref name="request"/> names in one partition and keeps its event in the outbox; returns the sessions ended.</summary>
    private async Task<List<SessionRecord>> EndInPartitionAsync(int k, IReadOnlyList<string> read, SessionIndex? set, EndRequest request, string eventId, string entry)
    {
        var ids = read;
        for (var attempt = 1; ; attempt++)
        {
            // Every key the script touches is passed in KEYS: a principal's or role's sessions are read first,
            // and the script ends them only if the set is still what was read (else it is read again).
            if (attempt > 1) ids = (await set!.ReadAsync(Db, k)).Select(v => v.ToString()).ToList();
            var sorted = ids.Order(StringComparer.Ordinal).ToList();
            var scriptKeys = new List<RedisKey> { keys.Deadlines(k), keys.Outbox(k), set is null ? keys.Deadlines(k) : set.Key(k) };
            scriptKeys.AddRange(sorted.Select(keys.Session));
            var args = new List<RedisValue>
            {
                set is null || attempt == EndAttempts ? "ids" : "set", (int)request.Reason, Ms(request.At), request.OnlyIfDue ? "1" : "0",
                eventId, _endedRetentionMs, entry,
            };
            args.AddRange(sorted.Select(id => (RedisValue)id));
            var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RedisSessionScripts.End, [.. scriptKeys], [.. args]))!;
            if (result.Length == 1) continue;
            return DecodePairs(result.Select(v => ((string)v!, (byte[])v!)).ToList());
        }
    }

    /// <summary>Puts the event of <paramref name="ended"/> in the log, once; false when it was there already.</summary>
    private async Task<(LogoutRecord Record, bool Appended)> AppendAsync(PendingEvent e, List<SessionRecord> ended)
    {
        var reason = e.OnlyIfDue ? ended[0].EndedReason : (LogoutReason)e.Reason;
        var principal = e.Principal.Length > 0 ? e.Principal : ended.All(s => s.PrincipalId == ended[0].PrincipalId) ? ended[0].PrincipalId : "";
        var sessions = ended.Select(EndedSession.Of).ToList();
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RedisSessionScripts.Append, [keys.LogoutLog, keys.LogEpoch, keys.Appended(e.Id)],
        [
            e.Id, (int)reason, e.Actor, principal, e.Role, e.At, e.Detail, EncodeSessions(sessions), _retention, keys.LogoutAppended.ToString(),
            LogCursor.NewEpoch(), (long)AppendedMarker.TotalMilliseconds, e.Principal.Length > 0 ? "principal" : "",
        ]))!;
        Appended?.Invoke();
        var record = new LogoutRecord
        {
            Cursor = LogCursor.Format(result[1].ToString(), result[0].ToString()),
            EventId = e.Id,
            Reason = reason,
            Actor = e.Actor,
            PrincipalId = principal,
            RoleArn = e.Role,
            ByPrincipal = e.Principal.Length > 0,
            OccurredAt = FromMs(e.At),
            Detail = e.Detail,
            Sessions = sessions,
        };
        return (record, result[2].ToString() == "appended");
    }

    public async ValueTask<IReadOnlyList<EndResult>> FinishEndingsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outboxes = await EachOwnedAsync("read the pending endings", k => Db.HashGetAllAsync(keys.Outbox(k)));
        var finished = new List<EndResult>();
        var cutoff = Ms(now - _pendingFor);
        foreach (var (k, entries) in outboxes)
        {
            foreach (var entry in entries)
            {
                var (pending, _) = ReadOutbox(entry.Value.ToString());
                if (pending is null)
                {
                    _ = Db.HashDeleteAsync(keys.Outbox(k), entry.Name, CommandFlags.FireAndForget);
                    continue;
                }
                if (pending.At > cutoff) continue;
                finished.AddRange(await Run("log a pending ending", () => FinishAsync(pending)));
            }
        }
        return finished;
    }

    /// <summary>Gathers an event's endings from every partition it spans, appends it unless it is in the log, and drops it from the outboxes.</summary>
    private async Task<IEnumerable<EndResult>> FinishAsync(PendingEvent pending)
    {
        var parts = await Task.WhenAll(pending.Parts.Select(j => Db.HashGetAsync(keys.Outbox(j), pending.Id)));
        var ended = parts.Where(v => !v.IsNull).SelectMany(v => ReadOutbox(v.ToString()) is (not null, var s) ? s : []).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        var appended = false;
        LogoutRecord? record = null;
        if (ended.Count > 0) (record, appended) = await AppendAsync(pending, ended);
        await Task.WhenAll(pending.Parts.Select(j => Db.HashDeleteAsync(keys.Outbox(j), pending.Id)));
        return appended ? [new EndResult(ended, record)] : [];
    }

    public async ValueTask<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var due = await EachOwnedAsync("find due sessions", k => Db.SortedSetRangeByScoreAsync(keys.Deadlines(k), double.NegativeInfinity, Ms(now), Exclude.None, Order.Ascending, 0, max));
        return due.SelectMany(d => d.Value).Take(max).Select(v => v.ToString()).ToList();
    }

    /// <summary>
    /// <paramref name="read"/> on each partition this replica sweeps, by partition; a partition whose node fails is left
    /// for the next sweep, so the others are still swept. Throws only when none answered.
    /// </summary>
    private async Task<IReadOnlyList<(int Partition, T Value)>> EachOwnedAsync<T>(string operation, Func<int, Task<T>> read)
    {
        var owned = await OwnedPartitionsAsync();
        var reads = owned.Select(k => (k, Task: RedisFailures.RunAsync(operation, () => read(k)))).ToList();
        try
        {
            await Task.WhenAll(reads.Select(r => r.Task));
        }
        catch (SharedStoreUnavailableException) when (reads.Any(r => r.Task.IsCompletedSuccessfully))
        {
        }
        return reads.Where(r => r.Task.IsCompletedSuccessfully).Select(r => (r.k, r.Task.Result)).ToList();
    }

    /// <summary>
    /// The partitions this replica sweeps: each goes to the live sweeper with the highest hash of (sweeper, partition),
    /// so replicas agree without talking, and a replica joining or leaving moves only its share. Without the list of
    /// sweepers (its node down), every partition: sweeping one twice is harmless, leaving one unswept is not.
    /// </summary>
    private async Task<IReadOnlyList<int>> OwnedPartitionsAsync()
    {
        if (_claim is { } last && System.Diagnostics.Stopwatch.GetElapsedTime(last.At) < _claimServes) return last.Partitions;
        var at = System.Diagnostics.Stopwatch.GetTimestamp();
        RedisValue[] sweepers;
        try
        {
            sweepers = (RedisValue[])(await RedisFailures.RunAsync("claim a share of the sweeping", () =>
                Db.ScriptEvaluateAsync(RedisSessionScripts.Sweepers, [keys.Sweepers], [_sweeper, _claimMs])))!;
        }
        catch (SharedStoreUnavailableException)
        {
            _claim = null;
            return AllPartitions;
        }
        var owned = Owned(_sweeper, sweepers.Select(v => v.ToString()).ToList());
        _claim = new Claim(owned, at);
        return owned;
    }

    /// <summary>The partitions this replica's last claim gave it, and when it was made (a Stopwatch timestamp).</summary>
    private sealed record Claim(IReadOnlyList<int> Partitions, long At);

    /// <summary>The partitions <paramref name="me"/> sweeps among <paramref name="sweepers"/> (rendezvous hashing).</summary>
    internal static IReadOnlyList<int> Owned(string me, IReadOnlyList<string> sweepers)
    {
        if (!sweepers.Contains(me)) sweepers = [.. sweepers, me];
        return AllPartitions.Where(k => sweepers.MaxBy(s => RendezvousWeight(s, k)) == me).ToList();
    }

    private static uint RendezvousWeight(string sweeper, int partition)
    {
        var hash = RedisKeys.Fnv1a(sweeper + ":" + partition.ToString(CultureInfo.InvariantCulture));
        // FNV-1a's low bits mix poorly for near-equal inputs; a final avalanche spreads them.
        hash ^= hash >> 16;
        hash *= 0x85ebca6b;
        hash ^= hash >> 13;
        return hash;
    }

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

    /// <summary>Each partition's members of a set of sessions (a principal's or a role's), by partition.</summary>
    private async Task<List<string>[]> MembersAsync(SessionIndex set) =>
        (await Task.WhenAll(AllPartitions.Select(k => set.ReadAsync(Db, k)))).Select(m => m.Select(v => v.ToString()).ToList()).ToArray();

    /// <summary>The sessions of <paramref name="ids"/> still held; ids whose session is gone are dropped from their <paramref name="index"/>.</summary>
    private async Task<List<SessionRecord>> LoadAsync(IReadOnlyList<string> ids, SessionIndex index)
    {
        var loaded = await Task.WhenAll(ids.Select(id => Db.StringGetAsync(keys.Session(id))));
        var sessions = new List<SessionRecord>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (Decode(ids[i], (byte[]?)loaded[i]) is { } s) sessions.Add(s);
            else if (loaded[i].IsNull) index.Forget(Db, ids[i]);
        }
        return sessions;
    }

    /// <summary>Sessions from the End script's answer or an outbox entry: id, value, id, value, ...</summary>
    private static List<SessionRecord> DecodePairs(IReadOnlyList<(string Text, byte[] Bytes)> pairs)
    {
        var sessions = new List<SessionRecord>(pairs.Count / 2);
        for (var i = 0; i + 1 < pairs.Count; i += 2) if (Decode(pairs[i].Text, pairs[i + 1].Bytes) is { } s) sessions.Add(s);
        return sessions;
    }

    /// <summary>An outbox entry: the event and the sessions its partition ended; (null, []) for an entry this version cannot read.</summary>
    private static (PendingEvent? Event, List<SessionRecord> Ended) ReadOutbox(string entry)
    {
        try
        {
            using var doc = JsonDocument.Parse(entry);
            var e = JsonSerializer.Deserialize<PendingEvent>(doc.RootElement.GetProperty("e").GetString()!, PendingEvent.Json);
            var s = doc.RootElement.GetProperty("s");
            return (e, s.ValueKind == JsonValueKind.Array ? DecodePairs([.. s.EnumerateArray().Select(v => v.GetString()!).Select(v => (v, Encoding.UTF8.GetBytes(v)))]) : []);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or ArgumentNullException)
        {
            return (null, []);
        }
    }

    /// <summary>The sessions of an event: <c>external</c> only when true, <c>cx</c> (credentials expiry, Unix ms) and <c>si</c> (source identity) only for sessions with AWS credentials.</summary>
    private static string EncodeSessions(IReadOnlyList<EndedSession> sessions) =>
        JsonSerializer.Serialize(sessions.Select(s => s switch
        {
            { IsExternal: true } => (object)new { id = s.Id, principal = s.PrincipalId, role = s.RoleArn, aud = s.Audiences, external = true },
            { CredentialsExpireAt: { } cx } => new { id = s.Id, principal = s.PrincipalId, role = s.RoleArn, aud = s.Audiences, cx = RedisSessionValue.Ms(cx), si = s.SourceIdentity },
            _ => new { id = s.Id, principal = s.PrincipalId, role = s.RoleArn, aud = s.Audiences },
        }));

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
            ByPrincipal = f.TryGetValue("target", out var target) && target == "principal",
            OccurredAt = FromMs((long)f["at"]),
            Detail = f["detail"].ToString(),
            Sessions = DecodeSessions(f["sessions"].ToString()),
        };
    }

    private static List<EndedSession> DecodeSessions(string json)
    {
        using var doc = JsonDocument.Parse(json);
        // Events of earlier versions were encoded by cjson, which writes an empty list as {}.
        if (doc.RootElement.ValueKind != JsonValueKind.Array) return [];
        return doc.RootElement.EnumerateArray().Select(e => new EndedSession(
            e.GetProperty("id").GetString()!,
            e.GetProperty("principal").GetString()!,
            e.GetProperty("role").GetString()!,
            e.GetProperty("aud").ValueKind == JsonValueKind.Array ? [.. e.GetProperty("aud").EnumerateArray().Select(a => a.GetString()!)] : [],
            e.TryGetProperty("external", out var external) && external.ValueKind == JsonValueKind.True,
            e.TryGetProperty("cx", out var cx) && cx.TryGetInt64(out var ms) ? FromMs(ms) : null,
            e.TryGetProperty("si", out var si) && si.ValueKind == JsonValueKind.String ? si.GetString()! : "")).ToList();
    }

    /// <summary>An ending's event as each partition's outbox keeps it until it is in the log.</summary>
    private sealed record PendingEvent(string Id, int Reason, string Actor, string Principal, string Role, long At, string Detail, bool OnlyIfDue, int[] Parts)
    {
        public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    }
}
