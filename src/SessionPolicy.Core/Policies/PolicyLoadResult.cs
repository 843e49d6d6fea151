namespace SessionPolicy.Core.Policies;

/// <summary>The outcome of reading a policy: the policy when it is valid, and every problem found.</summary>
public sealed record PolicyLoadResult(PolicyDocument? Policy, string Version, IReadOnlyList<PolicyProblem> Problems)
{
    /// <summary>Whether the policy parsed and validated without errors (warnings allowed).</summary>
    public bool IsValid => Policy is not null;

    /// <summary>The errors.</summary>
    public IEnumerable<PolicyProblem> Errors => Problems.Where(p => p.Severity == ProblemSeverity.Error);

    /// <summary>The warnings.</summary>
    public IEnumerable<PolicyProblem> Warnings => Problems.Where(p => p.Severity == ProblemSeverity.Warning);
}
