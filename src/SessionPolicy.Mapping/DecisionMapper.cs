using Google.Protobuf.WellKnownTypes;
using SessionPolicy.Core.Evaluation;
using CoreConstraint = SessionPolicy.Core.Evaluation.Constraint;
using CoreOutcome = SessionPolicy.Core.Evaluation.Outcome;
using ProtoConstraint = SessionPolicy.V1.Constraint;
using ProtoOutcome = SessionPolicy.V1.Outcome;
using SessionPolicy.V1;

namespace SessionPolicy.Mapping;

/// <summary>Maps an engine decision onto the v1 contract.</summary>
public static class DecisionMapper
{
    public static Decision ToProto(PolicyDecision d, string decisionId, DateTimeOffset decidedAt, DecisionSource source)
    {
        var proto = new Decision
        {
            DecisionId = decisionId,
            Outcome = Map(d.Outcome),
            MaxSessionSeconds = d.MaxSessionSeconds,
            IdleTimeoutSeconds = d.IdleTimeoutSeconds,
            Profile = d.Profile,
            BindingConstraint = Map(d.Binding),
            IdleBindingConstraint = Map(d.IdleBinding),
            PolicyVersion = d.PolicyVersion,
            Source = source,
            DecidedAt = Timestamp.FromDateTimeOffset(decidedAt),
        };
        foreach (var g in d.Guardrails)
        {
            proto.Guardrails.Add(new GuardrailEffect
            {
                Name = g.Name,
                MaxSessionSeconds = g.MaxSessionSeconds,
                IdleTimeoutSeconds = g.IdleTimeoutSeconds,
                Outcome = Map(g.Outcome),
                Reason = g.Reason,
            });
        }
        foreach (var g in d.GuardrailsWithoutEffect) proto.GuardrailsWithoutEffect.Add(g.Name);
        proto.Summary = Summary(proto, null);
        if (d.Trace is { } trace)
        {
            foreach (var t in trace) proto.Trace.Add(new TraceStep { Stage = t.Stage, Subject = t.Subject, Applied = t.Applied, Detail = t.Detail });
        }
        return proto;
    }

    public static ProtoOutcome Map(CoreOutcome o) => o switch
    {
        CoreOutcome.Allow => ProtoOutcome.Allow,
        CoreOutcome.Reauthenticate => ProtoOutcome.Reauthenticate,
        CoreOutcome.Deny => ProtoOutcome.Deny,
        _ => ProtoOutcome.Unspecified,
    };

    public static ProtoConstraint Map(CoreConstraint c) => c switch
    {
        CoreConstraint.Profile => ProtoConstraint.Profile,
        CoreConstraint.Guardrail => ProtoConstraint.Guardrail,
        CoreConstraint.Requested => ProtoConstraint.Requested,
        CoreConstraint.StsMinimum => ProtoConstraint.StsMinimum,
        CoreConstraint.StsMaximum => ProtoConstraint.StsMaximum,
        CoreConstraint.RoleMaximum => ProtoConstraint.RoleMaximum,
        CoreConstraint.RoleChaining => ProtoConstraint.RoleChaining,
        CoreConstraint.PolicyMaximum => ProtoConstraint.PolicyMaximum,
        CoreConstraint.SessionLength => ProtoConstraint.SessionLength,
        _ => ProtoConstraint.Unspecified,
    };

    /// <summary>
    /// The one-line explanation of <paramref name="d"/> as it stands, final outcome first; <paramref name="why"/>
    /// says what raised the outcome beyond the policy's rules (a revocation, unknown shared state).
    /// </summary>
    public static string Summary(Decision d, string? why)
    {
        var outcome = d.Outcome switch { ProtoOutcome.Deny => "deny", ProtoOutcome.Reauthenticate => "re-authenticate", _ => "allow" };
        var idle = d.IdleTimeoutSeconds == 0 ? "no idle timeout" : $"idle {d.IdleTimeoutSeconds}s";
        var guardrails = d.Guardrails.Count == 0 ? "" : $"; guardrails: {string.Join(", ", d.Guardrails.Select(g => g.Name))}";
        var because = why is null ? "" : $" ({why})";
        return $"{outcome}{because}: {d.MaxSessionSeconds}s bound by {d.BindingConstraint}, {idle}; profile {d.Profile}{guardrails}";
    }
}
