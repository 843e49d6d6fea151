using SessionPolicy.Server.Signals;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions.Stores;

/// <summary>What one lookup found: whether the store answered, the principal's state, and a stored decision, if any.</summary>
internal sealed record SharedLookup(bool Available, PrincipalState State, Decision? Decision)
{
    /// <summary>The store did not answer: the principal's state is unknown.</summary>
    public static readonly SharedLookup Unavailable = new(false, PrincipalState.None, null);

    /// <summary>The store answered: no signal, no revocation, no stored decision.</summary>
    public static readonly SharedLookup NothingKnown = new(true, PrincipalState.None, null);
}
