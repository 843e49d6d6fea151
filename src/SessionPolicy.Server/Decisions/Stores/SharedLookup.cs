using SessionPolicy.Server.Signals;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions.Stores;

/// <summary>What one round trip to the shared store found: the principal's state and a stored decision, if any.</summary>
internal sealed record SharedLookup(bool Available, PrincipalState State, Decision? Decision)
{
    public static readonly SharedLookup Unavailable = new(false, PrincipalState.None, null);
}
