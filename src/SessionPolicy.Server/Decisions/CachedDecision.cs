using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// A cached decision, with the Decide reply that carries it already encoded, and the principal's state
/// count it was made at (it is served only while that count holds).
/// </summary>
internal sealed record CachedDecision(Decision Decision, byte[] EncodedResponse, string PrincipalId, long Generation);
