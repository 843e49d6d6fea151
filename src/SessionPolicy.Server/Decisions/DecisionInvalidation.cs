using SessionPolicy.Server.Decisions.Stores;
using SessionPolicy.Server.Hosting;
using SessionPolicy.Server.Policies;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// Empties this replica's decision cache when nothing in it may be served any more: a new policy (entries
/// carry their version, so stale ones are never served; clearing frees them at once), and invalidations
/// possibly missed while cut off from the shared store. Hooked at start.
/// </summary>
internal sealed class DecisionInvalidation(PolicyStore policies, DecisionCache cache, IDecisionStore store) : IStartupTask
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        policies.Changed += _ => cache.Clear();
        store.InvalidationsMissed += cache.Clear;
        return Task.CompletedTask;
    }
}
