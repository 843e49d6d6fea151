using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>A cached decision, with the Decide reply that carries it already encoded.</summary>
internal sealed record CachedDecision(Decision Decision, byte[] EncodedResponse);
