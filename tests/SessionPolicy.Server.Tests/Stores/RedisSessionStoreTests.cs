using Microsoft.Extensions.Options;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using StackExchange.Redis;

namespace SessionPolicy.Server.Tests.Stores;

/// <summary>The store contract against the Redis store and its Lua scripts, on one shared server, keys unique to each test.</summary>
[Collection(SharedRedis.Collection)]
public sealed class RedisSessionStoreTests(SharedRedis redis) : SessionStoreContract
{
    private readonly RedisKeys _keys = new($"contract:{Guid.NewGuid():N}:");
    private RedisConnection? _connection;

    private protected override async Task<ISessionStore> CreateAsync(IOptions<SessionLifecycleOptions> options)
    {
        _connection = new RedisConnection(Microsoft.Extensions.Options.Options.Create(new RedisOptions
        {
            Configuration = redis.Server.Configuration, KeyPrefix = _keys.Prefix, OperationTimeout = TimeSpan.FromSeconds(5),
        }));
        var store = new RedisSessionStore(_connection, _keys, options);
        await store.StartAsync(default);
        return store;
    }

    /// <summary>What a restart without persistence does to the log: its stream and its incarnation are gone.</summary>
    private protected override async Task<ISessionStore> AfterLosingTheLogAsync()
    {
        await _connection!.Database.KeyDeleteAsync([_keys.LogoutLog, _keys.LogEpoch]);
        return Store;
    }

    public override async Task DisposeAsync()
    {
        if (_connection is null) return;
        var server = _connection.Multiplexer.GetServers()[0];
        var doomed = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: _keys.Prefix + "*")) doomed.Add(key);
        if (doomed.Count > 0) await _connection.Database.KeyDeleteAsync([.. doomed]);
        _connection.Dispose();
    }
}
