using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Policies;

/// <summary>A guardrail: when it matches, it can only shorten, demand re-authentication, or deny.</summary>
public sealed record GuardrailRule
{
    /// <summary>Unique name, reported in decisions.</summary>
    public required string Name { get; init; }
    /// <summary>Why the guardrail exists; reported in decisions.</summary>
    public string Reason { get; init; } = "";
    /// <summary>When the guardrail applies.</summary>
    public MatchSpec When { get; init; } = MatchSpec.Any;
    /// <summary>Longest session it allows, in seconds; 0 for no limit of its own.</summary>
    public int MaxSessionSeconds { get; init; }
    /// <summary>Longest idle timeout it allows, in seconds; 0 for no limit of its own.</summary>
    public int IdleTimeoutSeconds { get; init; }
    /// <summary>Allow (shorten only), re-authenticate or deny.</summary>
    public Outcome Outcome { get; init; } = Outcome.Allow;
    /// <summary>Position in the file.</summary>
    public int Order { get; init; }
}
