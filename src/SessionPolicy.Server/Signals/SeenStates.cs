using System.Collections.Concurrent;

namespace SessionPolicy.Server.Signals;

/// <summary>
/// What this replica last read of each principal with a signal, a revocation or a change, and at which of the
/// principal's change counts (<see cref="PrincipalGenerations"/>), so that while the shared store cannot be reached
/// no principal is answered more permissively than that: a change counted after the last read is a change heard of
/// and not read. Holds only principals with something to remember, each until what it remembers lapses (a signal's
/// expiry; a revocation's lifetime; a read after a change as long as the change count is kept), at most
/// <see cref="MaxEntries"/>.
/// </summary>
internal sealed class SeenStates(TimeProvider time)
{
    /// <summary>Most principals remembered; past it, lapsed entries are dropped first, then the read is not remembered.</summary>
    public const int MaxEntries = 1_000_000;

    private readonly ConcurrentDictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private volatile bool _any;

    /// <summary>One principal: its state when read, until when to remember it, and the change count it was read at.</summary>
    private sealed record Seen(PrincipalState State, DateTimeOffset Until, long Generation);

    /// <summary>The state the store answered for the principal at change count <paramref name="generation"/>.</summary>
    public void Read(string principalId, PrincipalState state, long generation)
    {
        if (state.RiskScore is null && state.RevokedBefore is null)
        {
            // Nothing to keep but the read itself, needed only once the principal has changed.
            if (generation > 0) Put(principalId, new Seen(PrincipalState.None, DateTimeOffset.MaxValue, generation));
            else if (_any) _seen.TryRemove(principalId, out _);
            return;
        }
        var until = state.RevokedBefore is { } before ? before + PrincipalState.RevocationLifetime : DateTimeOffset.MinValue;
        if (state.ExpiresAt is { } expires && expires > until) until = expires;
        Put(principalId, new Seen(state, until, generation));
    }

    /// <summary>
    /// What to assume of the principal at change count <paramref name="generation"/> while the store cannot be asked:
    /// the state last read (its lapsed signal left out), or <see cref="PrincipalState.None"/> when nothing is
    /// remembered; false when the principal changed after the last read (a change heard of and not read).
    /// </summary>
    public bool TryRecall(string principalId, long generation, out PrincipalState state)
    {
        state = PrincipalState.None;
        if (!_any || !_seen.TryGetValue(principalId, out var seen)) return generation == 0;
        if (seen.Generation < generation) return false;
        var now = time.GetUtcNow();
        if (seen.Until <= now) return true;
        state = seen.State is { ExpiresAt: { } expires } s && expires <= now ? s with { RiskScore = null, ExpiresAt = null } : seen.State;
        return true;
    }

    /// <summary>Principals remembered.</summary>
    public int Count => _seen.Count;

    private void Put(string principalId, Seen seen)
    {
        if (_seen.Count >= MaxEntries && !_seen.ContainsKey(principalId))
        {
            var now = time.GetUtcNow();
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
