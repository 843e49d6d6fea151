using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Signals;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Unit;

public sealed class DecisionCacheTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    private readonly PrincipalGenerations _generations = new();

    private DecisionCache Cache(int maxEntries = 100) =>
        new(Options.Create(new DecisionCacheOptions { MaxEntries = maxEntries, TimeToLive = TimeSpan.FromMinutes(1) }), _clock, _generations);

    private static CachedDecision Decided(string version, string id = "d1") =>
        new(new Decision { DecisionId = id, PolicyVersion = version }, [1, 2, 3], "alice", 0);

    [Fact]
    public void TryGet_ByEncoding_OnlyForThePolicyVersionThatDecided()
    {
        var cache = Cache();
        cache.Set("v1|alice", [10, 20], Decided("v1"));

        Assert.True(cache.TryGet([10, 20], "v1", out var hit));
        Assert.Equal("d1", hit.Decision.DecisionId);
        Assert.False(cache.TryGet([10, 20], "v2", out _));
        Assert.False(cache.TryGet([10, 21], "v1", out _));
    }

    [Fact]
    public void TryGet_ByKey_AddsTheNewEncodingAsAnAlias()
    {
        var cache = Cache();
        cache.Set("v1|alice", [10, 20], Decided("v1"));

        Assert.False(cache.TryGet([20, 10], "v1", out _));
        Assert.True(cache.TryGet("v1|alice", [20, 10], out _));
        Assert.True(cache.TryGet([20, 10], "v1", out var alias));
        Assert.Equal("d1", alias.Decision.DecisionId);
    }

    [Fact]
    public void TryGet_ExpiresAtTimeToLive_ByKeyAndByEncoding()
    {
        var cache = Cache();
        cache.Set("v1|alice", [10, 20], Decided("v1"));

        _clock.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet([10, 20], "v1", out _));
        Assert.True(cache.TryGet("v1|alice", [10, 20], out _));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet([10, 20], "v1", out _));
        Assert.False(cache.TryGet("v1|alice", [10, 20], out _));
    }

    [Fact]
    public void TryGet_AfterThePrincipalsStateChanged_MissesByKeyAndByEncoding()
    {
        var cache = Cache();
        cache.Set("v1|alice", [10, 20], Decided("v1"));

        _generations.Bump("alice");

        Assert.False(cache.TryGet([10, 20], "v1", out _));
        Assert.False(cache.TryGet("v1|alice", [20, 10], out _));
        Assert.False(cache.TryGet([20, 10], "v1", out _));
    }

    [Fact]
    public void Set_BeyondMaxEntries_StaysBounded()
    {
        var cache = Cache(maxEntries: 10);

        for (var i = 0; i < 100; i++) cache.Set($"v1|{i}", [(byte)i], Decided("v1", $"d{i}"));

        Assert.InRange(cache.Count, 1, 10);
        Assert.True(cache.TryGet([99], "v1", out var newest));
        Assert.Equal("d99", newest.Decision.DecisionId);
    }

    [Fact]
    public void Set_WithCacheDisabled_StoresNothing()
    {
        var cache = Cache(maxEntries: 0);

        cache.Set("v1|alice", [10, 20], Decided("v1"));

        Assert.Equal(0, cache.Count);
        Assert.False(cache.TryGet([10, 20], "v1", out _));
    }
}
