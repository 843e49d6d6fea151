using System.CommandLine;
using SessionPolicy.Cli.Commands;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Cli.Report;

/// <summary>
/// <c>policyctl report POLICY --roles FILE</c>: every role's MaxSessionDuration against what the policy decides for the
/// principals that assume it, with the durations CloudTrail saw them ask for, as a table, JSON or SARIF. Everything is
/// read and checked before anything is printed, so a malformed input prints one error and no half report.
/// </summary>
internal static class ReportCommand
{
    private static readonly Dictionary<string, FindingLevel> Levels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["error"] = FindingLevel.Error, ["warning"] = FindingLevel.Warning, ["note"] = FindingLevel.Note,
    };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var policy = new Argument<FileInfo>("policy") { Description = "The policy file the roles are checked against." };
        var roles = new Option<string[]>("--roles") { Description = "The output of 'aws iam list-roles' (JSON; repeatable, one per account or page).", Required = true };
        var details = new Option<string[]>("--role-details") { Description = "Outputs of 'aws iam get-role' (JSON, one role each or a list of them), for the roles' tags (repeatable)." };
        var trail = new Option<string[]>("--trail") { Description = "CloudTrail log files as delivered to S3 (.json or .json.gz), or folders of them (repeatable)." };
        var format = new Option<string>("--format") { Description = $"Output: {string.Join(", ", ReportWriters.Formats)} (default table).", DefaultValueFactory = _ => "table" };
        var failOn = new Option<string>("--fail-on") { Description = "Exit 1 when a finding of this level or above is reported: error, warning or note." };
        var environmentTag = new Option<string>("--environment-tag") { Description = "The role tag that names its environment (default environment).", DefaultValueFactory = _ => "environment" };
        var command = new Command("report", "Roles whose session duration does not match their risk: each role's MaxSessionDuration and the durations requested of it against what the policy decides; the share of roles an explicit profile covers.")
        {
            policy, roles, details, trail, format, failOn, environmentTag,
        };
        command.SetAction(parse =>
        {
            var chosen = parse.GetValue(format)!;
            if (!ReportWriters.Formats.Contains(chosen)) return Fail(error, $"--format {chosen}: not one of {string.Join(", ", ReportWriters.Formats)}");
            FindingLevel? threshold = null;
            if (parse.GetValue(failOn) is { } level)
            {
                if (!Levels.TryGetValue(level, out var known)) return Fail(error, $"--fail-on {level}: not one of error, warning, note");
                threshold = known;
            }
            var policyFile = parse.GetValue(policy)!;
            if (PolicyFiles.Load(policyFile, error) is not { } loaded) return PolicyCtl.InputError;
            if (loaded.Policy is null)
            {
                foreach (var e in loaded.Errors) error.WriteLine($"{policyFile.Name}:{e}");
                return Fail(error, $"{policyFile.Name}: refused; no report was made");
            }
            RoleReportResult result;
            try
            {
                var inventory = RoleInventory.Load(parse.GetValue(roles) ?? [], parse.GetValue(details) ?? []);
                var report = new RoleReport(new PolicyEngine(loaded.Policy, loaded.Version), parse.GetValue(environmentTag)!, inventory);
                foreach (var file in CloudTrailFiles.Expand(parse.GetValue(trail) ?? [])) report.AddTrail(file);
                result = report.Build();
            }
            catch (InputFileException ex)
            {
                return Fail(error, ex.Message);
            }
            output.Write(ReportWriters.Render(chosen, result, Path.GetRelativePath(Environment.CurrentDirectory, policyFile.FullName)));
            return threshold is { } t && result.Findings.Any(f => f.Finding.Level >= t) ? PolicyCtl.Failed : 0;
        });
        return command;
    }

    private static int Fail(TextWriter error, string message)
    {
        error.WriteLine(message);
        return PolicyCtl.InputError;
    }
}
