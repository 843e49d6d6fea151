using SessionPolicy.Server.Signals;
using SessionPolicy.Server.Signals.Stores;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions.Stores;

/// <summary>
/// The embedded mode: principal state from this process's signal store; decisions live in the in-process
/// cache alone (a second in-memory copy would only repeat it), so nothing is stored or found here.
/// </summary>
internal sealed class InMemoryDecisionStore(InMemorySignalStore signals) : IDecisionStore
{
    public ValueTask<SharedLookup> LookupAsync(string principalId, string key, CancellationToken cancellationToken)
    {
        var state = signals.Get(principalId);
        return ValueTask.FromResult(ReferenceEquals(state, PrincipalState.None) ? SharedLookup.NothingKnown : new SharedLookup(true, state, null));
    }

    public ValueTask SetAsync(string principalId, string key, PrincipalState state, Decision decision, DateTimeOffset? notAfter, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>One process sees every change it makes: never raised.</summary>
    public event Action? InvalidationsMissed { add { } remove { } }
}
