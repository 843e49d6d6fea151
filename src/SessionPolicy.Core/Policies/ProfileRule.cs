using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Policies;

/// <summary>A profile: when it is the most specific match, it sets the base limits.</summary>
public sealed record ProfileRule
{
    /// <summary>Unique name, reported in decisions.</summary>
    public required string Name { get; init; }
    /// <summary>What the profile is for.</summary>
    public string Description { get; init; } = "";
    /// <summary>When the profile applies.</summary>
    public MatchSpec Match { get; init; } = MatchSpec.Any;
    /// <summary>Base session length in seconds.</summary>
    public required int MaxSessionSeconds { get; init; }
    /// <summary>Base idle timeout in seconds; 0 for none.</summary>
    public int IdleTimeoutSeconds { get; init; }
    /// <summary>Outcome for requests this profile sets (a profile can deny outright).</summary>
    public Outcome Outcome { get; init; } = Outcome.Allow;
    /// <summary>Position in the file; breaks ties between equally specific profiles.</summary>
    public int Order { get; init; }
}
