using System.Collections.Concurrent;

namespace SessionPolicy.Server.Principals;

/// <summary>Principal state for one replica (the embedded mode): signals held in memory until they expire.</summary>
internal sealed class InMemoryPrincipalStates(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, PrincipalState> _states = new(StringComparer.Ordinal);

    public PrincipalState Get(string principalId)
    {
        if (!_states.TryGetValue(principalId, out var state)) return PrincipalState.None;
        if (time.GetUtcNow() < state.ExpiresAt) return state;
        _states.TryRemove(new KeyValuePair<string, PrincipalState>(principalId, state));
        return PrincipalState.None;
    }

    public PrincipalState Report(string principalId, int riskScore, TimeSpan ttl)
    {
        var state = new PrincipalState(Guid.NewGuid().ToString("N"), riskScore, time.GetUtcNow() + ttl);
        _states[principalId] = state;
        return state;
    }
}
