using SessionPolicy.Server.Caching;

namespace SessionPolicy.Server.Principals;

/// <summary>
/// Records risk signals: in Redis for every replica when configured (the call fails rather than claim a
/// signal it could not record), in memory otherwise; either way cached decisions for the principal are
/// dropped at once, here and, through the shared store, on every other replica.
/// </summary>
internal sealed class SignalService(PrincipalGenerations generations, InMemoryPrincipalStates localStates, SharedDecisionCache? shared = null)
{
    public async Task<PrincipalState> ReportAsync(string principalId, int riskScore, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var state = shared is null
            ? localStates.Report(principalId, riskScore, ttl)
            : await shared.ReportAsync(principalId, riskScore, ttl, cancellationToken);
        generations.Bump(principalId);
        return state;
    }
}
