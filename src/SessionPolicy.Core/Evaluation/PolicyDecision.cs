namespace SessionPolicy.Core.Evaluation;

/// <summary>
/// What the engine decided for one request; deterministic for a request and a policy version. Laid out to stay
/// one small object per decision: the matched guardrails share one array (those with an effect first), the
/// enums are bytes and the validity instant is held as ticks.
/// </summary>
public sealed class PolicyDecision
{
    private readonly AppliedGuardrail[] _matched = [];
    private readonly int _effective;
    private readonly long _validUntilTicks;

    /// <summary>What the caller must do.</summary>
    public required Outcome Outcome { get; init; }
    /// <summary>Maximum session length in seconds.</summary>
    public required int MaxSessionSeconds { get; init; }
    /// <summary>Idle timeout in seconds; 0 for none.</summary>
    public required int IdleTimeoutSeconds { get; init; }
    /// <summary>The profile that set the base.</summary>
    public required string Profile { get; init; }
    /// <summary>Every guardrail that shortened the session or idle timeout, or raised the outcome, in policy order.</summary>
    public ArraySegment<AppliedGuardrail> Guardrails => new(_matched, 0, _effective);
    /// <summary>Guardrails that matched but allowed no less than the session already got and no stricter outcome, in policy order.</summary>
    public ArraySegment<AppliedGuardrail> GuardrailsWithoutEffect => new(_matched, _effective, _matched.Length - _effective);

    /// <summary>
    /// Every matched guardrail: the first <c>Effective</c> had an effect, the rest did not, each part in
    /// policy order.
    /// </summary>
    internal (AppliedGuardrail[] All, int Effective) Matched
    {
        init
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)value.Effective, (uint)value.All.Length, nameof(value));
            (_matched, _effective) = value;
        }
    }
    /// <summary>The constraint that bound <see cref="MaxSessionSeconds"/>.</summary>
    public required Constraint Binding { get; init; }
    /// <summary>The constraint that bound <see cref="IdleTimeoutSeconds"/>.</summary>
    public required Constraint IdleBinding { get; init; }
    /// <summary>Version of the policy that decided.</summary>
    public required string PolicyVersion { get; init; }
    /// <summary>How the request's environment was read.</summary>
    public EnvironmentResolution Environment { get; init; } = EnvironmentResolution.AsGiven;
    /// <summary>When a time window of the policy may next change this decision; null when the policy has none.</summary>
    public DateTimeOffset? ValidUntil
    {
        get => _validUntilTicks == 0 ? null : new DateTimeOffset(_validUntilTicks, TimeSpan.Zero);
        init => _validUntilTicks = value?.UtcTicks ?? 0;
    }
    /// <summary>The evaluation trace, when it was asked for.</summary>
    public TraceEntry[]? Trace { get; init; }
}

/// <summary>A guardrail that applied, with what it allows.</summary>
public sealed record AppliedGuardrail(string Name, int MaxSessionSeconds, int IdleTimeoutSeconds, Outcome Outcome, string Reason);

/// <summary>One step of an explained evaluation.</summary>
public sealed record TraceEntry(string Stage, string Subject, bool Applied, string Detail);
