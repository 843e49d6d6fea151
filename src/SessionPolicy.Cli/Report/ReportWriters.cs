using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SessionPolicy.Cli.Report;

/// <summary>The report as a table (people), JSON (scripts) or SARIF 2.1.0 (CI and code-scanning tools).</summary>
internal static class ReportWriters
{
    public static readonly string[] Formats = ["table", "json", "sarif"];

    private static readonly (string Id, FindingLevel Level, string Text)[] Rules =
    [
        (RoleReport.RoleMaximumRule, FindingLevel.Error, "The role's MaxSessionDuration is above the longest session the policy decides for it."),
        (RoleReport.RequestedRule, FindingLevel.Warning, "AssumeRole calls asked for longer sessions than the policy decides for their principal."),
        (RoleReport.DefaultsRule, FindingLevel.Note, "No explicit profile covers the role; only the policy's defaults do."),
    ];

    public static string Render(string format, RoleReportResult report, string policyFile) => format switch
    {
        "json" => Json(report),
        "sarif" => Sarif(report, policyFile),
        _ => Table(report),
    };

    public static string Level(FindingLevel level) => level switch
    {
        FindingLevel.Error => "error",
        FindingLevel.Warning => "warning",
        _ => "note",
    };

    private static string CoverageName(Coverage coverage) => coverage switch
    {
        Coverage.Explicit => "explicit",
        Coverage.Partial => "partial",
        _ => "defaults",
    };

    private static string Table(RoleReportResult report)
    {
        var text = new StringBuilder();
        var width = Math.Clamp(report.Roles.Count == 0 ? 4 : report.Roles.Max(r => r.Role.Arn.Value.Length), 4, 100);
        text.AppendLine(CultureInfo.InvariantCulture, $"{"ROLE".PadRight(width)} {"MAX",6} {"DECIDED",7} {"COVERAGE",-8} {"CALLS",8} {"MEDIAN",6} {"LONGEST",7} {"FINDINGS",-13} PROFILES");
        foreach (var r in report.Roles)
        {
            var findings = r.Findings.Count == 0 ? "-" : string.Join(",", r.Findings.Select(f => Level(f.Level)));
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Role.Arn.Value.PadRight(width)} {r.Role.MaxSessionDuration,6} {r.DecidedSeconds,7} {CoverageName(r.Coverage),-8} {r.Requested.Count,8} {(r.Requested.Count > 0 ? r.Requested.Median.ToString(CultureInfo.InvariantCulture) : "-"),6} {(r.Requested.Count > 0 ? r.Requested.Max.ToString(CultureInfo.InvariantCulture) : "-"),7} {findings,-13} {string.Join(",", r.Profiles)}");
        }
        var findingsList = report.Findings.ToList();
        if (findingsList.Count > 0)
        {
            text.AppendLine();
            foreach (var (row, f) in findingsList.OrderByDescending(f => f.Finding.Level))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{Level(f.Level)} {f.Rule} {row.Role.Arn.Value}: {f.Message}");
                if (f.Fix is not null) text.AppendLine(CultureInfo.InvariantCulture, $"  fix: {f.Fix}");
            }
        }
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"coverage: {report.Covered} of {report.Roles.Count} roles ({report.CoverageShare * 100:0.0}%) covered by an explicit profile");
        text.AppendLine(CultureInfo.InvariantCulture, $"findings: {Count(findingsList, FindingLevel.Error)} errors, {Count(findingsList, FindingLevel.Warning)} warnings, {Count(findingsList, FindingLevel.Note)} notes");
        if (report.TrailRecords > 0 || report.AssumeRoleCalls > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"trail: {report.TrailRecords} records, {report.AssumeRoleCalls} AssumeRole calls, {report.CallsForUnknownRoles} for roles not in the role list");
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"policy version {report.PolicyVersion}");
        return text.ToString();
    }

    private static int Count(List<(RoleRow, Finding Finding)> findings, FindingLevel level) => findings.Count(f => f.Finding.Level == level);

    private static string Json(RoleReportResult report) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("policyVersion", report.PolicyVersion);
        w.WriteStartObject("coverage");
        w.WriteNumber("explicit", report.Covered);
        w.WriteNumber("roles", report.Roles.Count);
        w.WriteNumber("share", Math.Round(report.CoverageShare, 4));
        w.WriteEndObject();
        w.WriteStartObject("trail");
        w.WriteNumber("records", report.TrailRecords);
        w.WriteNumber("assumeRoleCalls", report.AssumeRoleCalls);
        w.WriteNumber("callsForUnknownRoles", report.CallsForUnknownRoles);
        w.WriteEndObject();
        w.WriteStartArray("roles");
        foreach (var r in report.Roles)
        {
            w.WriteStartObject();
            w.WriteString("arn", r.Role.Arn.Value);
            w.WriteString("name", r.Role.Name);
            w.WriteNumber("maxSessionDuration", r.Role.MaxSessionDuration);
            w.WriteNumber("decidedSeconds", r.DecidedSeconds);
            w.WriteString("coverage", CoverageName(r.Coverage));
            Strings(w, "profiles", r.Profiles);
            Strings(w, "principals", r.Principals);
            w.WriteStartObject("requested");
            w.WriteNumber("count", r.Requested.Count);
            if (r.Requested.Count > 0)
            {
                w.WriteNumber("medianSeconds", r.Requested.Median);
                w.WriteNumber("maxSeconds", r.Requested.Max);
            }
            w.WriteNumber("aboveDecision", r.Requested.AboveDecision);
            w.WriteEndObject();
            w.WriteStartArray("findings");
            foreach (var f in r.Findings)
            {
                w.WriteStartObject();
                w.WriteString("rule", f.Rule);
                w.WriteString("level", Level(f.Level));
                w.WriteString("message", f.Message);
                if (f.Fix is not null) w.WriteString("fix", f.Fix);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>SARIF 2.1.0: one result per finding, located in the policy file (the artifact to change) and at the role (a logical location).</summary>
    private static string Sarif(RoleReportResult report, string policyFile) => Write(w =>
    {
        var uri = policyFile.Replace('\\', '/');
        w.WriteStartObject();
        w.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        w.WriteString("version", "2.1.0");
        w.WriteStartArray("runs");
        w.WriteStartObject();
        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", "policyctl");
        w.WriteStartArray("rules");
        foreach (var (id, level, text) in Rules)
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteStartObject("shortDescription");
            w.WriteString("text", text);
            w.WriteEndObject();
            w.WriteStartObject("defaultConfiguration");
            w.WriteString("level", Level(level));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteStartArray("results");
        foreach (var (row, f) in report.Findings)
        {
            w.WriteStartObject();
            w.WriteString("ruleId", f.Rule);
            w.WriteNumber("ruleIndex", Array.FindIndex(Rules, r => r.Id == f.Rule));
            w.WriteString("level", Level(f.Level));
            w.WriteStartObject("message");
            w.WriteString("text", f.Fix is null ? $"{row.Role.Arn.Value}: {f.Message}" : $"{row.Role.Arn.Value}: {f.Message}. Fix: {f.Fix}");
            w.WriteEndObject();
            w.WriteStartArray("locations");
            w.WriteStartObject();
            w.WriteStartObject("physicalLocation");
            w.WriteStartObject("artifactLocation");
            w.WriteString("uri", uri);
            w.WriteEndObject();
            w.WriteStartObject("region");
            w.WriteNumber("startLine", 1);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("logicalLocations");
            w.WriteStartObject();
            w.WriteString("fullyQualifiedName", row.Role.Arn.Value);
            w.WriteString("kind", "resource");
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteStartObject("partialFingerprints");
            w.WriteString("role/v1", $"{f.Rule}:{row.Role.Arn.Value}");
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteNumber("maxSessionDuration", row.Role.MaxSessionDuration);
            w.WriteNumber("decidedSeconds", row.DecidedSeconds);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("invocations");
        w.WriteStartObject();
        w.WriteBoolean("executionSuccessful", true);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + Environment.NewLine;
    }
}
