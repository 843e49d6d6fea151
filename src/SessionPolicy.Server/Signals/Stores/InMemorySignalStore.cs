using System.Collections.Concurrent;

namespace SessionPolicy.Server.Signals.Stores;

/// <summary>Principal state for one replica (the embedded mode): signals and revocations held in memory until they expire.</summary>
internal sealed class InMemorySignalStore(TimeProvider time) : ISignalStore
{
    private readonly ConcurrentDictionary<string, (string Value, DateTimeOffset ExpiresAt)> _signals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Value, DateTimeOffset ExpiresAt)> _revocations = new(StringComparer.Ordinal);

    public PrincipalState Get(string principalId) => PrincipalState.Decode(Live(_signals, principalId), Live(_revocations, principalId));

    public Task ReportAsync(string principalId, int riskScore, TimeSpan ttl, bool revoke, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _signals[principalId] = (PrincipalState.EncodeSignal(Guid.NewGuid().ToString("N"), riskScore, now + ttl), now + ttl);
        if (revoke) _revocations[principalId] = (PrincipalState.EncodeRevocation(Guid.NewGuid().ToString("N"), now), now + PrincipalState.RevocationLifetime);
        return Task.CompletedTask;
    }

    /// <summary>Nothing to wait for: this process is the only copy.</summary>
    public Task ConfirmAsync(string principalId, CancellationToken cancellationToken) => Task.CompletedTask;

    private string? Live(ConcurrentDictionary<string, (string Value, DateTimeOffset ExpiresAt)> map, string principalId)
    {
        if (!map.TryGetValue(principalId, out var entry)) return null;
        if (time.GetUtcNow() < entry.ExpiresAt) return entry.Value;
        map.TryRemove(new KeyValuePair<string, (string, DateTimeOffset)>(principalId, entry));
        return null;
    }
}
