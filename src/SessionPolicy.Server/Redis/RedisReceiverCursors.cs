using SessionPolicy.Server.Receivers;
using StackExchange.Redis;

namespace SessionPolicy.Server.Redis;

/// <summary>Receivers' cursors and delivery leases in Redis: per receiver, a cursor and a lease under the receiver's tag.</summary>
internal sealed class RedisReceiverCursors(RedisConnection redis, RedisKeys keys) : IReceiverCursors
{
    // KEYS: lease. ARGV: holder, lease ms. Takes a free lease or renews one's own.
    private const string Hold = """
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """;

    // KEYS: lease, cursor. ARGV: holder, cursor. Moves the cursor only for the lease's holder.
    private const string Move = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[2], ARGV[2])
        return 1
        """;

    // KEYS: lease. ARGV: holder.
    private const string Release = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 1";

    public Task ReleaseAsync(string receiver, string holder) => RedisFailures.RunAsync("release a receiver's lease", () =>
        redis.Database.ScriptEvaluateAsync(Release, [keys.ReceiverLease(receiver)], [holder]));

    // KEYS: counts. ARGV: outcome, error, at (ms), count.
    private const string Record = """
        if ARGV[1] == 'delivered' then
          redis.call('HINCRBY', KEYS[1], 'delivered', ARGV[4])
          redis.call('HSET', KEYS[1], 'success', ARGV[3])
        else
          if ARGV[1] == 'failed' then redis.call('HINCRBY', KEYS[1], 'failed', ARGV[4]) end
          redis.call('HSET', KEYS[1], 'error', ARGV[2], 'errorAt', ARGV[3])
        end
        return 1
        """;

    public Task RecordAsync(string receiver, DeliveryOutcome outcome, string error, DateTimeOffset at, int count = 1) => RedisFailures.RunAsync("count a receiver's delivery", () =>
        redis.Database.ScriptEvaluateAsync(Record, [keys.ReceiverCounts(receiver)], [outcome.ToString().ToLowerInvariant(), error, at.ToUnixTimeMilliseconds(), count]));

    public Task<DeliveryCounts> CountsAsync(string receiver) => RedisFailures.RunAsync("read a receiver's counts", async () =>
    {
        var h = (await redis.Database.HashGetAllAsync(keys.ReceiverCounts(receiver))).ToDictionary(e => e.Name.ToString(), e => e.Value);
        static DateTimeOffset? At(Dictionary<string, RedisValue> h, string field) =>
            h.TryGetValue(field, out var v) && v.TryParse(out long ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        static long Count(Dictionary<string, RedisValue> h, string field) => h.TryGetValue(field, out var v) && v.TryParse(out long n) ? n : 0;
        return new DeliveryCounts(At(h, "success"), h.TryGetValue("error", out var e) ? e.ToString() : "", At(h, "errorAt"), Count(h, "delivered"), Count(h, "failed"));
    });

    public async Task<string?> GetAsync(string receiver) =>
        await RedisFailures.RunAsync("read a receiver's cursor", async () => (string?)await redis.Database.StringGetAsync(keys.ReceiverCursor(receiver)));

    public Task<bool> SetAsync(string receiver, string holder, string cursor) => RedisFailures.RunAsync("move a receiver's cursor", async () =>
        (int)await redis.Database.ScriptEvaluateAsync(Move, [keys.ReceiverLease(receiver), keys.ReceiverCursor(receiver)], [holder, cursor]) == 1);

    public Task<bool> HoldAsync(string receiver, string holder, TimeSpan lease) => RedisFailures.RunAsync("hold a receiver's lease", async () =>
        (int)await redis.Database.ScriptEvaluateAsync(Hold, [keys.ReceiverLease(receiver)], [holder, (long)lease.TotalMilliseconds]) == 1);

    // KEYS: cursor, acked. ARGV: expected ('' with ARGV[2] '1': none), none flag, next, passed jti...
    private const string Swap = """
        local current = redis.call('GET', KEYS[1])
        if ARGV[2] == '1' then
          if current then return 0 end
        elseif current ~= ARGV[1] then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[3])
        for i = 4, #ARGV do redis.call('SREM', KEYS[2], ARGV[i]) end
        return 1
        """;

    public Task<bool> SwapAsync(string receiver, string? expected, string next, IReadOnlyCollection<string> passed) => RedisFailures.RunAsync("move a poll receiver's cursor", async () =>
        (int)await redis.Database.ScriptEvaluateAsync(Swap, [keys.ReceiverCursor(receiver), keys.ReceiverAcked(receiver)],
            [expected ?? "", expected is null ? "1" : "0", next, .. passed.Select(j => (RedisValue)j)]) == 1);

    public Task<IReadOnlySet<string>> AcknowledgedAsync(string receiver) => RedisFailures.RunAsync("read a poll receiver's acknowledgements", async () =>
        (IReadOnlySet<string>)(await redis.Database.SetMembersAsync(keys.ReceiverAcked(receiver))).Select(v => v.ToString()).ToHashSet(StringComparer.Ordinal));

    public Task AcknowledgeAsync(string receiver, IReadOnlyCollection<string> jtis) => jtis.Count == 0 ? Task.CompletedTask
        : RedisFailures.RunAsync("record a poll receiver's acknowledgements", () => redis.Database.SetAddAsync(keys.ReceiverAcked(receiver), [.. jtis.Select(j => (RedisValue)j)]));

    // KEYS: control (a list of jti, then SET, pairs). ARGV: jti, set, max.
    private const string AddControl = """
        redis.call('RPUSH', KEYS[1], ARGV[1], ARGV[2])
        redis.call('LTRIM', KEYS[1], -2 * tonumber(ARGV[3]), -1)
        return 1
        """;

    public Task AddControlAsync(string receiver, string jti, string set, int max) => RedisFailures.RunAsync("keep a receiver's verification", () =>
        redis.Database.ScriptEvaluateAsync(AddControl, [keys.ReceiverControl(receiver)], [jti, set, max]));

    public Task<IReadOnlyList<(string Jti, string Set)>> ControlAsync(string receiver) => RedisFailures.RunAsync("read a receiver's verifications", async () =>
    {
        var items = await redis.Database.ListRangeAsync(keys.ReceiverControl(receiver));
        return (IReadOnlyList<(string, string)>)[.. Enumerable.Range(0, items.Length / 2).Select(i => (items[2 * i].ToString(), items[2 * i + 1].ToString()))];
    });

    // KEYS: control. ARGV: jti... Removes each pair whose jti is given.
    private const string DropControl = """
        local items = redis.call('LRANGE', KEYS[1], 0, -1)
        local drop = {}
        for i = 1, #ARGV do drop[ARGV[i]] = true end
        redis.call('DEL', KEYS[1])
        for i = 1, #items, 2 do
          if not drop[items[i]] then redis.call('RPUSH', KEYS[1], items[i], items[i + 1]) end
        end
        return 1
        """;

    public Task DropControlAsync(string receiver, IReadOnlyCollection<string> jtis) => jtis.Count == 0 ? Task.CompletedTask
        : RedisFailures.RunAsync("drop a receiver's verifications", () => redis.Database.ScriptEvaluateAsync(DropControl, [keys.ReceiverControl(receiver)], [.. jtis.Select(j => (RedisValue)j)]));

    public Task ForgetAsync(string receiver) => RedisFailures.RunAsync("forget a removed receiver", () => redis.Database.KeyDeleteAsync(
        [keys.ReceiverCursor(receiver), keys.ReceiverLease(receiver), keys.ReceiverCounts(receiver), keys.ReceiverAcked(receiver), keys.ReceiverControl(receiver)]));
}
