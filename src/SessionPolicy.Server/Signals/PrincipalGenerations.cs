using System.Collections.Concurrent;

namespace SessionPolicy.Server.Signals;

/// <summary>
/// This replica's count of state changes per principal. A cached decision remembers the count it was
/// made at and is served only while the count is the same; a change reported here or on another replica
/// (through the shared store's invalidation channel) bumps it.
/// </summary>
internal sealed class PrincipalGenerations
{
    private readonly ConcurrentDictionary<string, long> _generations = new(StringComparer.Ordinal);
    private volatile bool _any;

    /// <summary>Raised after a principal's state changed.</summary>
    public event Action<string>? Changed;

    /// <summary>The principal's current count; 0 until its state first changes.</summary>
    public long Current(string principalId) => _any && _generations.TryGetValue(principalId, out var g) ? g : 0;

    /// <summary>Records that the principal's state changed.</summary>
    public void Bump(string principalId)
    {
        _generations.AddOrUpdate(principalId, 1, (_, g) => g + 1);
        _any = true;
        Changed?.Invoke(principalId);
    }
}
