using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Evaluation;

/// <summary>The bounds every decision passes through, in order; each reports itself when it binds.</summary>
internal static class Clamps
{
    /// <summary>
    /// The session length: the profile's, shortened by guardrails and the request, then bounded by the
    /// policy's maximum, role chaining, the role's maximum and the STS range. The last bound that cut it
    /// is the binding constraint.
    /// </summary>
    public static (int Seconds, Constraint Binding) Session(SessionRequest r, ProfileRule profile, int guardrailMax, int policyMax, List<TraceEntry>? trace)
    {
        var value = profile.MaxSessionSeconds;
        var binding = Constraint.Profile;
        Lower(ref value, ref binding, guardrailMax, Constraint.Guardrail, trace);
        Lower(ref value, ref binding, r.RequestedDurationSeconds, Constraint.Requested, trace);
        Lower(ref value, ref binding, policyMax, Constraint.PolicyMaximum, trace);
        Lower(ref value, ref binding, r.RoleChaining ? StsLimits.RoleChainingMaxSeconds : 0, Constraint.RoleChaining, trace);
        Lower(ref value, ref binding, r.RoleMaxSessionSeconds, Constraint.RoleMaximum, trace);
        Lower(ref value, ref binding, StsLimits.MaxDurationSeconds, Constraint.StsMaximum, trace);
        if (value < StsLimits.MinDurationSeconds)
        {
            trace?.Add(new TraceEntry("clamp", nameof(Constraint.StsMinimum), true, $"{value}s raised to {StsLimits.MinDurationSeconds}s"));
            value = StsLimits.MinDurationSeconds;
            binding = Constraint.StsMinimum;
        }
        return (value, binding);
    }

    /// <summary>
    /// The idle timeout: the profile's (0 for none), shortened by guardrails, bounded by the policy's idle
    /// maximum for sessions that have one, and never longer than the session.
    /// </summary>
    public static (int Seconds, Constraint Binding) Idle(ProfileRule profile, int guardrailIdle, int maxSession, int policyMaxIdle, List<TraceEntry>? trace)
    {
        var idle = profile.IdleTimeoutSeconds;
        var binding = Constraint.Profile;
        if (guardrailIdle > 0 && (idle == 0 || guardrailIdle < idle))
        {
            trace?.Add(new TraceEntry("idle", nameof(Constraint.Guardrail), true, $"idle {(idle == 0 ? "none" : idle + "s")} cut to {guardrailIdle}s"));
            idle = guardrailIdle;
            binding = Constraint.Guardrail;
        }
        // The policy's idle cap bounds sessions that have an idle timeout; "none" is a profile's explicit choice.
        if (idle > 0) Lower(ref idle, ref binding, policyMaxIdle, Constraint.PolicyMaximum, trace, "idle");
        if (idle > 0) Lower(ref idle, ref binding, maxSession, Constraint.SessionLength, trace, "idle");
        return (idle, binding);
    }

    private static void Lower(ref int value, ref Constraint binding, int limit, Constraint constraint, List<TraceEntry>? trace, string stage = "clamp")
    {
        if (limit <= 0 || value <= limit) return;
        trace?.Add(new TraceEntry(stage, constraint.ToString(), true, $"{value}s cut to {limit}s"));
        value = limit;
        binding = constraint;
    }
}
