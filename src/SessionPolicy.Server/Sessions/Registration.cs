using SessionPolicy.Core.Evaluation;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Sessions;

/// <summary>A RegisterSession request, read and checked: the session request to decide, who hears of its end, and the Decide request kept with it.</summary>
internal sealed record Registration(SessionRequest Session, IReadOnlyList<string> Audiences, string ExternalSessionId, byte[] DecideRequest);
