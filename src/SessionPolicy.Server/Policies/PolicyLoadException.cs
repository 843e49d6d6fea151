using SessionPolicy.Core.Policies;
using SessionPolicy.Server.Hosting;

namespace SessionPolicy.Server.Policies;

/// <summary>
/// The configured policy could not be loaded at start-up, so there is nothing good to serve. The message
/// names the file, then every error at its line:column, one per line, as a compiler would.
/// </summary>
internal sealed class PolicyLoadException : StartupFailure
{
    public PolicyLoadException(string source, IReadOnlyList<PolicyProblem> errors)
        : base($"policy {source} was refused with {errors.Count} error{(errors.Count == 1 ? "" : "s")}; fix it or point {PolicyOptions.Section}:Path elsewhere:"
            + string.Concat(errors.Select(e => $"{Environment.NewLine}  {source}:{e}")), Policy)
    {
        Errors = errors;
    }

    /// <summary>The file is missing or unreadable: the message says which and which setting named it.</summary>
    public PolicyLoadException(string source, IOException inner) : base(inner.Message, Policy, inner)
    {
        Errors = [];
    }

    /// <summary>Every error found.</summary>
    public IReadOnlyList<PolicyProblem> Errors { get; }
}
