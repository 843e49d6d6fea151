using SessionPolicy.Core.Evaluation;
using Outcome = SessionPolicy.V1.Outcome;
using SessionPolicy.Server.Audit;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// A call that starts a session met a decision that does not allow it: deny is PERMISSION_DENIED,
/// re-authenticate FAILED_PRECONDITION; either way the decision and a <c>google.rpc.ErrorInfo</c>
/// (DECISION_DENY, REAUTHENTICATION_REQUIRED) travel in the status details.
/// </summary>
internal sealed class DecisionRefusedException(Decision decision, string what)
    : ServiceFailure(decision.Outcome == Outcome.Deny ? FailureKind.PermissionDenied : FailureKind.FailedPrecondition, $"no {what}: {decision.Summary}")
{
    public Decision Decision { get; } = decision;

    /// <summary>Throws unless <paramref name="decision"/> allows; the refusal is audited (<c>session.denied</c>).</summary>
    public static void ThrowUnlessAllowed(Decision decision, string what, AuditTrail audit, SessionRequest request)
    {
        if (decision.Outcome == Outcome.Allow) return;
        audit.Write(audit.Decided("session.denied", request, decision));
        throw new DecisionRefusedException(decision, what) { Reason = decision.Outcome == Outcome.Deny ? "DECISION_DENY" : "REAUTHENTICATION_REQUIRED" };
    }
}
