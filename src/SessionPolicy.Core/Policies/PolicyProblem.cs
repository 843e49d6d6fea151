namespace SessionPolicy.Core.Policies;

/// <summary>How serious a policy problem is.</summary>
public enum ProblemSeverity
{
    /// <summary>The policy is refused.</summary>
    Error = 1,
    /// <summary>The policy loads, but is likely a mistake or unsafe.</summary>
    Warning = 2,
}

/// <summary>One finding of the parser or validator, with where it is.</summary>
public sealed record PolicyProblem(ProblemSeverity Severity, int Line, int Column, string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{Line}:{Column}: {(Severity == ProblemSeverity.Error ? "error" : "warning")}: {(Path.Length > 0 ? Path + ": " : "")}{Message}";
}
