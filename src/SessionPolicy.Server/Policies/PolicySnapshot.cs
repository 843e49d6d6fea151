using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Server.Policies;

/// <summary>A loaded policy: the compiled engine, where it came from, when, and its warnings.</summary>
internal sealed record PolicySnapshot(PolicyEngine Engine, string Source, DateTimeOffset LoadedAt, IReadOnlyList<PolicyProblem> Warnings)
{
    public string Version => Engine.Version;
}

/// <summary>A policy file that was refused, with every error found in it.</summary>
internal sealed record RejectedPolicy(string Source, string Version, DateTimeOffset At, IReadOnlyList<PolicyProblem> Errors);

/// <summary>What reading the policy file gave: its bytes, or why there are none.</summary>
internal sealed record PolicyFileRead(string Source, byte[]? Bytes, string? Failure)
{
    /// <summary>The policy version of the bytes; for a failure, one per reason, so the same failure is reported once.</summary>
    public string Version { get; } = Bytes is { } b ? SessionPolicy.Core.Policies.PolicyParser.ComputeVersion(b) : "unreadable:" + Failure;

    /// <summary>Whether both reads saw the same bytes (or the same failure).</summary>
    public bool SameAs(PolicyFileRead other) => Version == other.Version;
}
