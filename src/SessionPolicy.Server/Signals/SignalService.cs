using SessionPolicy.Server.Decisions.Stores;
using SessionPolicy.Server.Signals.Stores;

namespace SessionPolicy.Server.Signals;

/// <summary>
/// Records risk signals and revocations: in Redis for every replica when configured (the call fails rather than claim a
/// signal it could not record), in memory otherwise; either way cached decisions for the principal are
/// dropped at once, here and, through the shared store, on every other replica.
/// </summary>
internal sealed class SignalService(PrincipalGenerations generations, InMemoryPrincipalStates localStates, SharedDecisionCache? shared = null)
{
    public async Task ReportAsync(string principalId, int riskScore, TimeSpan ttl, bool revoke, CancellationToken cancellationToken)
    {
        if (shared is null) localStates.Report(principalId, riskScore, ttl, revoke);
        else await shared.ReportAsync(principalId, riskScore, ttl, revoke, cancellationToken);
        generations.Bump(principalId);
    }
}
