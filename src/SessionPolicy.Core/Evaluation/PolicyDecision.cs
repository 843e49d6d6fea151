namespace SessionPolicy.Core.Evaluation;

/// <summary>What the engine decided for one request; deterministic for a request and a policy version.</summary>
public sealed class PolicyDecision
{
    /// <summary>What the caller must do.</summary>
    public required Outcome Outcome { get; init; }
    /// <summary>Maximum session length in seconds.</summary>
    public required int MaxSessionSeconds { get; init; }
    /// <summary>Idle timeout in seconds; 0 for none.</summary>
    public required int IdleTimeoutSeconds { get; init; }
    /// <summary>The profile that set the base.</summary>
    public required string Profile { get; init; }
    /// <summary>Every guardrail that shortened the session or idle timeout, or raised the outcome, in policy order.</summary>
    public required AppliedGuardrail[] Guardrails { get; init; }
    /// <summary>Guardrails that matched but allowed no less than the session already got and no stricter outcome, in policy order.</summary>
    public AppliedGuardrail[] GuardrailsWithoutEffect { get; init; } = [];
    /// <summary>The constraint that bound <see cref="MaxSessionSeconds"/>.</summary>
    public required Constraint Binding { get; init; }
    /// <summary>The constraint that bound <see cref="IdleTimeoutSeconds"/>.</summary>
    public required Constraint IdleBinding { get; init; }
    /// <summary>Version of the policy that decided.</summary>
    public required string PolicyVersion { get; init; }
    /// <summary>How the request's environment was read.</summary>
    public EnvironmentResolution Environment { get; init; } = EnvironmentResolution.AsGiven;
    /// <summary>When a time window of the policy may next change this decision; null when the policy has none.</summary>
    public DateTimeOffset? ValidUntil { get; init; }
    /// <summary>The evaluation trace, when it was asked for.</summary>
    public TraceEntry[]? Trace { get; init; }
}

/// <summary>A guardrail that applied, with what it allows.</summary>
public sealed record AppliedGuardrail(string Name, int MaxSessionSeconds, int IdleTimeoutSeconds, Outcome Outcome, string Reason);

/// <summary>One step of an explained evaluation.</summary>
public sealed record TraceEntry(string Stage, string Subject, bool Applied, string Detail);
