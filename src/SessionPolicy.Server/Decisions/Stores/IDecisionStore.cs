using SessionPolicy.Server.Signals;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions.Stores;

/// <summary>
/// What a decision needs beyond this replica's cache, in one lookup: the principal's state (risk signal,
/// revocation) and, in the shared mode, a decision another replica already made for the same input.
/// Embedded, state comes from this process and no second copy of decisions is kept; shared, from Redis.
/// </summary>
internal interface IDecisionStore
{
    /// <summary>The principal's state and a stored decision for <paramref name="key"/>; never throws for a store fault, it answers <see cref="SharedLookup.Unavailable"/>.</summary>
    ValueTask<SharedLookup> LookupAsync(string principalId, string key, CancellationToken cancellationToken);

    /// <summary>Keeps a decision of <paramref name="principalId"/> made under <paramref name="state"/> for the other replicas (best effort), no later than <paramref name="notAfter"/>.</summary>
    ValueTask SetAsync(string principalId, string key, PrincipalState state, Decision decision, DateTimeOffset? notAfter, CancellationToken cancellationToken);

    /// <summary>Raised when this replica may have missed invalidations (the connection came back): nothing cached may be served.</summary>
    event Action? InvalidationsMissed;
}
