using SessionPolicy.Core.Evaluation;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Credentials;

/// <summary>
/// An IssueSession request, read and checked: the session request to decide, what to ask STS for, who hears
/// of the session's end, and the Decide request (as a session keeps it) the decision is made from.
/// </summary>
internal sealed record IssueOrder(SessionRequest Session, StsAsk Sts, IReadOnlyList<string> Audiences, bool Explain, DecideRequest Asked);
