namespace SessionPolicy.Core.Policies;

/// <summary>A parsed, valid policy: profiles, guardrails and the policy's own limits.</summary>
public sealed record PolicyDocument
{
    /// <summary>Name of the policy.</summary>
    public string Name { get; init; } = "";
    /// <summary>The policy's absolute maximum session length in seconds.</summary>
    public int MaxSessionSeconds { get; init; } = Evaluation.StsLimits.MaxDurationSeconds;
    /// <summary>The policy's maximum idle timeout in seconds for sessions that have one; 0 for none.</summary>
    public int MaxIdleSeconds { get; init; }
    /// <summary>
    /// With a shared store configured and unreachable: false (best effort) decides from the local engine and
    /// cache; true (strict) asks every principal, whose signals cannot be known, to re-authenticate.
    /// </summary>
    public bool StrictSharedState { get; init; }

    /// <summary>The declared environments and how undeclared and missing ones are read.</summary>
    public EnvironmentTable Environments { get; init; } = EnvironmentTable.None;

    /// <summary>The profile used when no other matches.</summary>
    public required ProfileRule Default { get; init; }
    /// <summary>Profiles in declared order.</summary>
    public IReadOnlyList<ProfileRule> Profiles { get; init; } = [];
    /// <summary>Guardrails in declared order.</summary>
    public IReadOnlyList<GuardrailRule> Guardrails { get; init; } = [];
}
