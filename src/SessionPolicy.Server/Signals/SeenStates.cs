using System.Collections.Concurrent;

namespace SessionPolicy.Server.Signals;

/// <summary>
/// What this replica last saw of each principal with a signal or revocation, or a change it has heard of
/// and not yet read, so that while the shared store cannot be reached no principal is answered more
/// permissively than that. Holds only principals with something to remember, each until what it remembers
/// lapses (a signal's expiry; a revocation's lifetime), at most <see cref="MaxEntries"/>.
/// </summary>
internal sealed class SeenStates
{
    /// <summary>Most principals remembered; past it, lapsed entries are dropped first, then the change is not remembered (and counted in the log by the caller).</summary>
    public const int MaxEntries = 1_000_000;

    private readonly ConcurrentDictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private volatile bool _any;

    /// <summary>One principal: its state when read (null: changed, not read since), and until when to remember it.</summary>
    private sealed record Seen(PrincipalState? State, DateTimeOffset Until);

    public SeenStates(PrincipalGenerations generations, TimeProvider time)
    {
        _time = time;
        // Every change, reported here or announced by another replica, is a change not yet read.
        generations.Changed += id => Put(id, new Seen(null, _time.GetUtcNow() + PrincipalState.RevocationLifetime));
    }

    /// <summary>The state the store answered for the principal: kept when there is something to keep, else forgotten.</summary>
    public void Read(string principalId, PrincipalState state)
    {
        if (state.RiskScore is null && state.RevokedBefore is null)
        {
            if (_any) _seen.TryRemove(principalId, out _);
            return;
        }
        var until = state.RevokedBefore is { } before ? before + PrincipalState.RevocationLifetime : DateTimeOffset.MinValue;
        if (state.ExpiresAt is { } expires && expires > until) until = expires;
        Put(principalId, new Seen(state, until));
    }

    /// <summary>
    /// What to assume of the principal while the store cannot be asked: the state last read (its lapsed signal
    /// left out), <see cref="PrincipalState.None"/> when nothing is remembered, or null for a change heard of and not read.
    /// </summary>
    public bool TryRecall(string principalId, out PrincipalState? state)
    {
        state = PrincipalState.None;
        if (!_any || !_seen.TryGetValue(principalId, out var seen)) return true;
        var now = _time.GetUtcNow();
        if (seen.Until <= now)
        {
            _seen.TryRemove(principalId, out _);
            return true;
        }
        state = seen.State is { ExpiresAt: { } expires } s && expires <= now ? s with { RiskScore = null, ExpiresAt = null } : seen.State;
        return state is not null;
    }

    /// <summary>Principals remembered.</summary>
    public int Count => _seen.Count;

    private void Put(string principalId, Seen seen)
    {
        if (_seen.Count >= MaxEntries && !_seen.ContainsKey(principalId))
        {
            var now = _time.GetUtcNow();
            foreach (var (id, old) in _seen)
            {
                if (old.Until <= now) _seen.TryRemove(id, out _);
            }
            if (_seen.Count >= MaxEntries) return;
        }
        _seen[principalId] = seen;
        _any = true;
    }
}
