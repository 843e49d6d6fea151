using System.Text.Json;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Telemetry;
using SessionPolicy.V1;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// Carries what a deployment kept under an earlier key layout into the current one, once, so an upgrade loses
/// nothing a decision or a logout depends on: risk signals and revocations (without them a principal disabled
/// before the upgrade would be allowed after it), sessions, and the logout log with its incarnation (a cursor taken
/// before the upgrade still resumes). A key that keeps its form is moved with its time to live (<c>PTTL</c> and
/// <c>DUMP</c> read together, <c>RESTORE</c>, then the old key deleted); a session (a hash before layout 3) is
/// written again in this layout's form into its partition, with its indexes, keeping its time to live; the old
/// indexes are deleted. What the current layout already holds wins. Stored decisions are caches and are left to
/// expire. Runs at start, before the service serves, and after a reconnect until it has run once;
/// <see cref="RedisKeys.Layout"/> marks it done for every replica.
/// </summary>
internal sealed class RedisLayoutUpgrade(RedisConnection redis, RedisKeys keys, ILogger<RedisLayoutUpgrade> logger) : IStartupTask
{
    /// <summary>The layout this version writes.</summary>
    internal const string Version = "3";

    private const int Batch = 256;

    // One key's remaining life and its serialized value, read atomically.
    private const string Read = "return { redis.call('PTTL', KEYS[1]), redis.call('DUMP', KEYS[1]) }";

    // A session of an earlier layout: its remaining life and its fields (nothing for a key that is not a hash).
    private const string ReadSession = """
        if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return { -2 } end
        return { redis.call('PTTL', KEYS[1]), redis.call('HGETALL', KEYS[1]) }
        """;

    private volatile bool _done;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.Restored += () => _ = UpgradeAsync();
        await UpgradeAsync();
    }

    /// <summary>Moves the keys of the earlier layouts unless that was done; never throws (a fault leaves it for the next start or reconnect).</summary>
    public Task UpgradeAsync() => _done ? Task.CompletedTask
        : RedisFailures.BestEffortAsync(logger, "carry keys over from the earlier key layout", MoveAllAsync, false);

    private async Task<bool> MoveAllAsync()
    {
        var db = redis.Database;
        if (await db.StringGetAsync(keys.Layout) == Version)
        {
            _done = true;
            return true;
        }
        var moved = 0;
        foreach (var server in redis.Multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            var pending = new List<(RedisKey From, EarlierKey To)>();
            await foreach (var key in server.KeysAsync(pattern: Glob(keys.Prefix) + "*", pageSize: 1000))
            {
                if (keys.FromEarlierLayout(key.ToString()) is { } to) pending.Add((key, to));
                if (pending.Count < Batch) continue;
                moved += await CarryAsync(db, pending);
                pending.Clear();
            }
            moved += await CarryAsync(db, pending);
        }
        await db.StringSetAsync(keys.Layout, Version);
        _done = true;
        if (moved > 0) Log.LayoutUpgraded(logger, moved);
        return true;
    }

    private async Task<int> CarryAsync(IDatabase db, List<(RedisKey From, EarlierKey To)> pairs) =>
        (await Task.WhenAll(pairs.Select(p => p.To switch
        {
            { To: { } to } => MoveAsync(db, p.From, to),
            { SessionId: { } id } => RewriteSessionAsync(db, p.From, id),
            _ => DeleteAsync(db, p.From),
        }))).Count(m => m);

    private static async Task<bool> MoveAsync(IDatabase db, RedisKey from, RedisKey to)
    {
        var read = (RedisResult[])(await db.ScriptEvaluateAsync(Read, [from]))!;
        var ttl = (long)read[0];
        if (ttl == -2 || read[1].IsNull) return false; // gone meanwhile (expired, or moved by another replica)
        try
        {
            await db.KeyRestoreAsync(to, (byte[])read[1]!, ttl > 0 ? TimeSpan.FromMilliseconds(ttl) : null);
        }
        catch (RedisServerException e) when (RedisFailures.HasCode(e, "BUSYKEY"))
        {
            // The current layout already holds it: what was written since the upgrade is newer.
        }
        await db.KeyDeleteAsync(from);
        return true;
    }

    private async Task<bool> RewriteSessionAsync(IDatabase db, RedisKey from, string id)
    {
        var read = (RedisResult[])(await db.ScriptEvaluateAsync(ReadSession, [from]))!;
        var ttl = (long)read[0];
        if (ttl == -2) return false;
        var fields = (RedisResult[])read[1]!;
        var hash = new Dictionary<string, RedisValue>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < fields.Length; i += 2) hash[fields[i].ToString()] = (RedisValue)fields[i + 1];
        // A session that cannot be read is dropped rather than guessed at: it could not be used or ended as it was.
        if (FromHash(id, hash) is { } session)
        {
            await RedisSessionStore.AddAsync(db, keys, session, ttl > 0 ? TimeSpan.FromMilliseconds(ttl) : null);
        }
        await db.KeyDeleteAsync(from);
        return true;
    }

    private static async Task<bool> DeleteAsync(IDatabase db, RedisKey index)
    {
        await db.KeyDeleteAsync(index);
        return true;
    }

    /// <summary>A session as layouts 1 and 2 kept it, one hash field per property; null when a field is missing or malformed.</summary>
    internal static SessionRecord? FromHash(string id, IReadOnlyDictionary<string, RedisValue> fields)
    {
        try
        {
            var h = fields.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
            var ended = long.Parse(h["ended"]);
            return new SessionRecord
            {
                Id = id,
                PrincipalId = h["principal"],
                RoleArn = h["role"],
                Audiences = JsonSerializer.Deserialize<string[]>(h["aud"]) ?? [],
                IssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(h["issued"])),
                ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(h["expires"])),
                IdleTimeoutSeconds = int.Parse(h["idle"]),
                LastActivityAt = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(h["last"])),
                Origin = h["origin"],
                DecisionId = h["decision"],
                PolicyVersion = h["version"],
                Request = (byte[]?)fields["request"] ?? [],
                State = (SessionState)int.Parse(h["state"]),
                EndedReason = (LogoutReason)int.Parse(h["reason"]),
                EndedAt = ended == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ended),
            };
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException or JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The prefix as a literal in a SCAN pattern.</summary>
    private static string Glob(string prefix) =>
        string.Concat(prefix.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));
}
