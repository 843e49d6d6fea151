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
