using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Telemetry;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>
/// Carries what a deployment kept under the earlier key layout (before hash tags) into the current one, once, so
/// an upgrade loses nothing a decision or a logout depends on: risk signals and revocations (without them a
/// principal disabled before the upgrade would be allowed after it), sessions with their indexes, and the logout
/// log with its incarnation (a cursor taken before the upgrade still resumes). Each key is moved with its time to
/// live (<c>PTTL</c> and <c>DUMP</c> read together, <c>RESTORE</c>, then the old key deleted); a key the current layout
/// already holds wins. Stored decisions are caches and are left to expire. Runs at start, before the service
/// serves, and after a reconnect until it has run once; <see cref="RedisKeys.Layout"/> marks it done for every replica.
/// </summary>
internal sealed class RedisLayoutUpgrade(RedisConnection redis, RedisKeys keys, ILogger<RedisLayoutUpgrade> logger) : IStartupTask
{
    /// <summary>The layout this version writes.</summary>
    internal const string Version = "2";

    private const int Batch = 256;

    // One key's remaining life and its serialized value, read atomically.
    private const string Read = "return { redis.call('PTTL', KEYS[1]), redis.call('DUMP', KEYS[1]) }";

    private volatile bool _done;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        redis.Restored += () => _ = UpgradeAsync();
        await UpgradeAsync();
    }

    /// <summary>Moves the keys of the earlier layout unless that was done; never throws (a fault leaves it for the next start or reconnect).</summary>
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
            var pending = new List<(RedisKey From, RedisKey To)>();
            await foreach (var key in server.KeysAsync(pattern: Glob(keys.Prefix) + "*", pageSize: 1000))
            {
                if (keys.FromEarlierLayout(key.ToString()) is { } to) pending.Add((key, to));
                if (pending.Count < Batch) continue;
                moved += await MoveAsync(db, pending);
                pending.Clear();
            }
            moved += await MoveAsync(db, pending);
        }
        await db.StringSetAsync(keys.Layout, Version);
        _done = true;
        if (moved > 0) Log.LayoutUpgraded(logger, moved);
        return true;
    }

    private static async Task<int> MoveAsync(IDatabase db, List<(RedisKey From, RedisKey To)> pairs) =>
        (await Task.WhenAll(pairs.Select(p => MoveAsync(db, p.From, p.To)))).Count(m => m);

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

    /// <summary>The prefix as a literal in a SCAN pattern.</summary>
    private static string Glob(string prefix) =>
        string.Concat(prefix.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? "\\" + c : c.ToString()));
}
