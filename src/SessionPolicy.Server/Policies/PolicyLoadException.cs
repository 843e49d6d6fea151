using SessionPolicy.Core.Policies;

namespace SessionPolicy.Server.Policies;

/// <summary>The configured policy could not be loaded at start-up, so there is nothing good to serve.</summary>
public sealed class PolicyLoadException(string source, IReadOnlyList<PolicyProblem> errors)
    : Exception($"policy {source} was refused:{Environment.NewLine}{string.Join(Environment.NewLine, errors.Select(e => $"  {source}:{e}"))}")
{
    /// <summary>Every error found.</summary>
    public IReadOnlyList<PolicyProblem> Errors { get; } = errors;
}
