using System.Collections.Concurrent;

namespace SessionPolicy.Server.Revocation;

/// <summary>
/// The revocations of every role, by role ARN: in this process (embedded) or in Redis (shared, so they survive a restart
/// and another replica carries on). One replica at a time writes them (the revoker's lease).
/// </summary>
internal interface IRevocationLedger
{
    Task<IReadOnlyList<RevocationEntry>> ListAsync();

    Task<RevocationEntry?> GetAsync(string roleArn);

    Task SetAsync(RevocationEntry entry);

    Task RemoveAsync(string roleArn);
}

/// <summary>The embedded ledger.</summary>
internal sealed class InMemoryRevocationLedger : IRevocationLedger
{
    private readonly ConcurrentDictionary<string, RevocationEntry> _entries = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<RevocationEntry>> ListAsync() => Task.FromResult<IReadOnlyList<RevocationEntry>>([.. _entries.Values.OrderBy(e => e.RoleArn, StringComparer.Ordinal)]);

    public Task<RevocationEntry?> GetAsync(string roleArn) => Task.FromResult(_entries.GetValueOrDefault(roleArn));

    public Task SetAsync(RevocationEntry entry)
    {
        _entries[entry.RoleArn] = entry;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string roleArn)
    {
        _entries.TryRemove(roleArn, out _);
        return Task.CompletedTask;
    }
}
