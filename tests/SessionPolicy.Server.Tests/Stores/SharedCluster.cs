using SessionPolicy.Server.Tests.Helpers;

namespace SessionPolicy.Server.Tests.Stores;

/// <summary>One Redis Cluster for every test of the collection; each test keeps to keys under a prefix of its own.</summary>
public sealed class SharedCluster : IAsyncLifetime
{
    public const string Collection = "shared redis cluster";

    public RedisCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await RedisCluster.StartAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(SharedCluster.Collection)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>;
