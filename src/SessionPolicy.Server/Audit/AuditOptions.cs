using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Audit;

/// <summary>The audit trail (section <c>SessionPolicy:Audit</c>): structured records, apart from diagnostic logs.</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Audit";

    /// <summary>Turns the trail off when given as <see cref="Path"/>.</summary>
    public const string Off = "off";

    /// <summary>
    /// A JSON-lines file the records are appended to, <c>-</c> for standard output, or <c>off</c>; empty (the default) is
    /// <see cref="DefaultPath"/>.
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>Share of decisions (Decide, DecideBatch) also audited, 0..1; 0 audits none.</summary>
    [Range(0.0, 1.0, ErrorMessage = "SessionPolicy:Audit:DecisionSampleRate must be between 0 and 1")]
    public double DecisionSampleRate { get; set; }

    /// <summary>Principal attribute keys whose values are masked in audit records.</summary>
    public string[] MaskedAttributes { get; set; } = [];

    /// <summary>Whether records are written (everything but <c>off</c>).</summary>
    public bool IsConfigured => !string.Equals(Path.Trim(), Off, StringComparison.OrdinalIgnoreCase);

    /// <summary>Where records go: the configured path, or <see cref="DefaultPath"/> when none is.</summary>
    public string ResolvedPath => string.IsNullOrWhiteSpace(Path) ? DefaultPath() : Path;

    /// <summary>
    /// The trail's place when none is configured, the XDG base directory for state: <c>$XDG_STATE_HOME/session-policy/audit.jsonl</c>,
    /// or <c>~/.local/state/session-policy/audit.jsonl</c>.
    /// </summary>
    public static string DefaultPath()
    {
        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(state) || !System.IO.Path.IsPathRooted(state))
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (string.IsNullOrEmpty(home)) throw new InvalidOperationException($"{Section}:Path is not set and there is no home directory for its default; set it to a file, '-' for standard output, or '{Off}'");
            state = System.IO.Path.Combine(home, ".local", "state");
        }
        return System.IO.Path.Combine(state, "session-policy", "audit.jsonl");
    }
}
