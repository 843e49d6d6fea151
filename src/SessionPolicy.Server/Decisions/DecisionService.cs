using Google.Protobuf;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Audit;
using SessionPolicy.Server.Decisions.Stores;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Signals;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// Decides through the caches: this replica's (L1), then, when Redis is configured, the one every replica
/// shares (L2), then the engine, with the principal's reported risk taken into account. A cached decision
/// keeps its decision id and says where it came from, and is dropped when the policy or the principal's
/// state changes, or when a time window of the policy may change it. With the shared store unreachable,
/// decisions are made by the local engine under the state this replica last saw of the principal
/// (<see cref="SeenStates"/>; a change heard of and not read asks for re-authentication), flagged degraded,
/// counted, and never cached: once the store answers again, nothing decided without it is served.
/// </summary>
internal sealed class DecisionService(PolicyStore store, DecisionCache cache, PrincipalGenerations generations, IDecisionStore shared,
    SeenStates seen, DecisionMetrics metrics, AuditTrail audit, TimeProvider time)
{

    /// <summary>The cached decision for a request (by its protobuf bytes) already decided under the current policy and principal state.</summary>
    public bool TryGetCached(ReadOnlySpan<byte> encoded, out CachedDecision cached)
    {
        if (!cache.TryGet(encoded, store.Current.Version, out cached)) return false;
        metrics.CacheLookup(hit: true);
        metrics.Decided(cached.Decision);
        if (audit.SampleDecision()) audit.Write(new AuditRecord
        {
            Type = "decision", Time = audit.Now, PrincipalId = cached.PrincipalId, Outcome = cached.Decision.Outcome.ToString().ToLowerInvariant(),
            MaxSessionSeconds = cached.Decision.MaxSessionSeconds, IdleTimeoutSeconds = cached.Decision.IdleTimeoutSeconds,
            DecisionId = cached.Decision.DecisionId, PolicyVersion = cached.Decision.PolicyVersion, Detail = cached.Decision.Summary,
        });
        return true;
    }

    /// <summary>
    /// Decides a validated request that arrived as <paramref name="encoded"/>: from a cache when an equal
    /// request (same normalised input) was decided under the current policy and principal state,
    /// otherwise by evaluation, stored for the next time. Explained decisions are always evaluated and
    /// never stored.
    /// </summary>
    /// <param name="record">False for the service's own re-evaluations (sessions under a new policy or signal), which are not callers' decisions.</param>
    public async ValueTask<Decision> DecideAsync(SessionRequest request, bool explain, byte[] encoded, CancellationToken cancellationToken, bool record = true)
    {
        var snapshot = store.Current;
        // Taken first: a change that lands while this decision is made leaves it stale at once.
        var generation = generations.Current(request.PrincipalId);
        var key = DecisionKey.For(snapshot.Version, request);
        if (!explain && cache.TryGet(key, encoded, out var cached))
        {
            if (record)
            {
                Recorded(cached.Decision, hit: true);
                Audited(request, cached.Decision);
            }
            return cached.Decision;
        }
        if (record && !explain) metrics.CacheLookup(hit: false);

        var lookup = await shared.LookupAsync(request.PrincipalId, key, cancellationToken);
        var degraded = !lookup.Available;
        var state = lookup.State;
        var unread = false;
        if (degraded)
        {
            metrics.Degraded();
            unread = !seen.TryRecall(request.PrincipalId, generation, out state);
        }
        // Read before a change landed: the next decision reads again.
        else if (generations.Current(request.PrincipalId) == generation) seen.Read(request.PrincipalId, state, generation);
        if (!explain && lookup.Decision is { } stored && stored.PolicyVersion == snapshot.Version)
        {
            stored.Source = DecisionSource.SharedCache;
            // Kept here no longer than the signal, nor past the next edge of a time window (as it was there).
            Remember(key, encoded, stored, request.PrincipalId, generation, Earliest(state.ExpiresAt, snapshot.Engine.ValidUntil(time.GetUtcNow())));
            if (record)
            {
                metrics.Decided(stored);
                Audited(request, stored);
            }
            return stored;
        }

        var effective = state.RiskScore is { } signal && !(request.RiskScore >= signal) ? request with { RiskScore = signal } : request;
        var (decision, evaluated) = Evaluate(snapshot, effective, explain, degraded);
        if (state.Revokes(request.AuthenticatedAt)) RequireReauthentication(decision, $"principal revoked at {state.RevokedBefore:O}");
        if (unread) RequireReauthentication(decision, "the principal's state changed and the shared store cannot be read");
        // Strict: the principal may carry a signal or revocation this replica cannot see.
        if (degraded && snapshot.Engine.Policy.StrictSharedState) RequireReauthentication(decision, "shared state unknown (shared_state: strict)");
        if (record)
        {
            metrics.Decided(decision);
            metrics.RoleDecided(request.Role.Value, decision.Profile);
            metrics.Environment(evaluated.Environment);
            Audited(request, decision);
        }
        if (explain || degraded) return decision;
        // A decision made under a signal lives no longer than the signal, nor past a time window's edge.
        var notAfter = Earliest(state.ExpiresAt, evaluated.ValidUntil);
        if (notAfter <= time.GetUtcNow()) return decision;
        var kept = Remember(key, encoded, decision, request.PrincipalId, generation, notAfter);
        await shared.SetAsync(request.PrincipalId, key, state, kept, notAfter, cancellationToken);
        return decision;
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private void Recorded(Decision decision, bool hit)
    {
        metrics.CacheLookup(hit);
        metrics.Decided(decision);
    }

    /// <summary>A caller's decision, audited when sampled.</summary>
    private void Audited(SessionRequest request, Decision decision)
    {
        if (!audit.SampleDecision()) return;
        audit.Write(new AuditRecord
        {
            Type = "decision", Time = audit.Now, PrincipalId = request.PrincipalId, RoleArn = request.Role.Value,
            Outcome = decision.Outcome.ToString().ToLowerInvariant(), MaxSessionSeconds = decision.MaxSessionSeconds,
            IdleTimeoutSeconds = decision.IdleTimeoutSeconds, DecisionId = decision.DecisionId, PolicyVersion = decision.PolicyVersion,
            Detail = decision.Summary,
        });
    }

    /// <summary>Raises an allow to re-authenticate (a deny stays a deny), saying why first in the summary.</summary>
    private static void RequireReauthentication(Decision decision, string why)
    {
        if (decision.Outcome >= V1.Outcome.Reauthenticate) return;
        decision.Outcome = V1.Outcome.Reauthenticate;
        decision.Summary = DecisionMapper.Summary(decision, why);
    }

    /// <summary>Keeps a copy in this replica's cache, marked as coming from it, no longer than the signal it was made under.</summary>
    private Decision Remember(string key, byte[] encoded, Decision decision, string principalId, long generation, DateTimeOffset? notAfter)
    {
        var stored = decision.Clone();
        stored.Source = DecisionSource.LocalCache;
        cache.Set(key, encoded, new CachedDecision(stored, new DecideResponse { Decision = stored }.ToByteArray(), principalId, generation), notAfter);
        return stored;
    }

    private (Decision, PolicyDecision) Evaluate(PolicySnapshot snapshot, SessionRequest request, bool explain, bool degraded)
    {
        var now = time.GetUtcNow();
        var result = snapshot.Engine.Evaluate(request, explain, now);
        var decision = DecisionMapper.ToProto(result, Guid.CreateVersion7(now).ToString("N"), now, DecisionSource.Computed);
        decision.Degraded = degraded;
        return (decision, result);
    }
}
