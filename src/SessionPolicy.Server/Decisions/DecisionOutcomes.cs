using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>What a call that starts a session does with a decision that does not allow it.</summary>
internal static class DecisionOutcomes
{
    /// <summary>
    /// Deny is PERMISSION_DENIED, re-authenticate FAILED_PRECONDITION; either way the decision and a
    /// <c>google.rpc.ErrorInfo</c> (DECISION_DENY, REAUTHENTICATION_REQUIRED) travel in the status details.
    /// </summary>
    /// <remarks>The refusal is audited (<c>session.denied</c>).</remarks>
    public static void ThrowUnlessAllowed(Decision decision, string what, Audit.AuditTrail audit, Principal principal, string roleArn)
    {
        if (decision.Outcome == Outcome.Allow) return;
        audit.Write(audit.Decided("session.denied", "", principal, roleArn, decision));
        var (code, reason) = decision.Outcome == Outcome.Deny
            ? (Code.PermissionDenied, "DECISION_DENY")
            : (Code.FailedPrecondition, "REAUTHENTICATION_REQUIRED");
        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = $"no {what}: {decision.Summary}",
            Details = { Any.Pack(new ErrorInfo { Reason = reason, Domain = "sessionpolicy.v1" }), Any.Pack(decision) },
        };
        throw status.ToRpcException();
    }
}
