using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Tests.Helpers;
using StackExchange.Redis;

namespace SessionPolicy.Server.Tests.Stores;

/// <summary>The store contract against the Redis store and its Lua scripts, keys unique to each test.</summary>
public abstract class RedisSessionStoreContract(IRedisTarget target) : SessionStoreContract
{
    private readonly RedisKeys _keys = new($"contract:{Guid.NewGuid():N}:");
    private RedisConnection? _connection;

    private protected override async Task<ISessionStore> CreateAsync(IOptions<SessionLifecycleOptions> options)
    {
        var settings = Microsoft.Extensions.Options.Options.Create(new RedisOptions
        {
            Configuration = target.Configuration, KeyPrefix = _keys.Prefix, OperationTimeout = TimeSpan.FromSeconds(5),
        });
        _connection = new RedisConnection(settings);
        var store = new RedisSessionStore(_connection, _keys, new RedisReplicaWait(settings, NullLogger<RedisReplicaWait>.Instance), options);
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
        // Key by key: on a cluster the test's keys live in several slots.
        foreach (var server in _connection.Multiplexer.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: _keys.Prefix + "*")) await _connection.Database.KeyDeleteAsync(key);
        }
        _connection.Dispose();
    }
}

/// <summary>The store contract on one shared redis-server.</summary>
[Collection(SharedRedis.Collection)]
public sealed class RedisSessionStoreTests(SharedRedis redis) : RedisSessionStoreContract(redis.Server);

/// <summary>The store contract on a three-master Redis Cluster.</summary>
[Collection(SharedCluster.Collection)]
public sealed class ClusterSessionStoreTests(SharedCluster cluster) : RedisSessionStoreContract(cluster.Cluster);
