using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Stores;

/// <summary>One redis-server for every test of the collection; each test keeps to keys under a prefix of its own.</summary>
public sealed class SharedRedis : IAsyncLifetime
{
    public const string Collection = "shared redis";

    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(SharedRedis.Collection)]
public sealed class SharedRedisCollection : ICollectionFixture<SharedRedis>;
