using System.ComponentModel.DataAnnotations;

namespace SessionPolicy.Server.Audit;

/// <summary>The audit trail (section <c>SessionPolicy:Audit</c>): structured records, apart from diagnostic logs.</summary>
public sealed class AuditOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "SessionPolicy:Audit";

    /// <summary>A JSON-lines file the records are appended to, or <c>-</c> for standard output; empty turns the trail off.</summary>
    public string Path { get; set; } = "";

    /// <summary>Share of decisions (Decide, DecideBatch) also audited, 0..1; 0 audits none.</summary>
    [Range(0.0, 1.0, ErrorMessage = "SessionPolicy:Audit:DecisionSampleRate must be between 0 and 1")]
    public double DecisionSampleRate { get; set; }

    /// <summary>Principal attribute keys whose values are masked in audit records.</summary>
    public string[] MaskedAttributes { get; set; } = [];

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Path);
}
