using System.Globalization;
using System.Net;
using SessionPolicy.Core.Evaluation;

namespace SessionPolicy.Cli.Report;

/// <summary>How a role is covered by the policy: every case by an explicit profile, some, or only by <c>defaults</c>.</summary>
internal enum Coverage { Explicit, Partial, Defaults }

/// <summary>How much a finding matters, as SARIF names its levels.</summary>
internal enum FindingLevel { Note, Warning, Error }

/// <summary>A role whose duration does not match its risk: the rule it breaks, how much it matters, what is wrong, and the command that closes it.</summary>
internal sealed record Finding(string Rule, FindingLevel Level, string Message, string? Fix);

/// <summary>The durations an AWS caller asked for: how many calls, their median (nearest rank), the longest, and how many asked for more than the policy decides.</summary>
internal sealed record Requested(long Count, int Median, int Max, long AboveDecision);

/// <summary>One role of the report.</summary>
internal sealed record RoleRow(IamRole Role, int DecidedSeconds, IReadOnlyList<string> Profiles, Coverage Coverage, IReadOnlyList<string> Principals,
    Requested Requested, IReadOnlyList<Finding> Findings);

/// <summary>The report over every role: rows by ARN, the coverage KPI, and the trail's calls for roles the inventory does not hold.</summary>
internal sealed record RoleReportResult(string PolicyVersion, IReadOnlyList<RoleRow> Roles, long TrailRecords, long AssumeRoleCalls, long CallsForUnknownRoles)
{
    public int Covered => Roles.Count(r => r.Coverage == Coverage.Explicit);

    /// <summary>The share of roles covered by an explicit profile (0 when there are none).</summary>
    public double CoverageShare => Roles.Count == 0 ? 0 : (double)Covered / Roles.Count;

    public IEnumerable<(RoleRow Row, Finding Finding)> Findings => Roles.SelectMany(r => r.Findings.Select(f => (r, f)));
}

/// <summary>
/// Decides, for each role, what the policy grants the principals that assumed it (from the trail), or a person and a
/// workload when the trail names none, in the role's environment (its environment tag) or in each declared environment,
/// each at the most favourable sign-in (MFA, AAL2 and AAL3, a managed device, a private address, each channel): the
/// longest of these is the most the policy ever grants through the role, so a role maximum above it is a finding, and a
/// requested duration above its principal's decision is one too.
/// </summary>
internal sealed class RoleReport(PolicyEngine engine, string environmentTag)
{
    /// <summary>Distinct principals kept per role; the calls of further ones are counted under one principal of their kind.</summary>
    public const int MaxPrincipalsPerRole = 256;

    public const string RoleMaximumRule = "role-maximum-above-decision";
    public const string RequestedRule = "requested-duration-above-decision";
    public const string DefaultsRule = "covered-by-defaults-only";

    private static readonly IPAddress PrivateAddress = IPAddress.Parse("10.0.0.1");

    private readonly Dictionary<string, Usage> _usage = new(StringComparer.Ordinal);
    private long _records, _calls;

    /// <summary>Reads one trail file into the counts.</summary>
    public void AddTrail(string file) => _records += CloudTrailFiles.Read(file, Add);

    /// <summary>Counts one AssumeRole call.</summary>
    public void Add(AssumeRoleCall call)
    {
        _calls++;
        if (!_usage.TryGetValue(call.RoleArn, out var usage)) _usage[call.RoleArn] = usage = new Usage();
        var key = (call.PrincipalId, call.Kind);
        if (!usage.Principals.TryGetValue(key, out var durations))
        {
            if (usage.Principals.Count >= MaxPrincipalsPerRole) key = (call.Kind == PrincipalKind.Human ? "(other people)" : "(other workloads)", call.Kind);
            if (!usage.Principals.TryGetValue(key, out durations)) usage.Principals[key] = durations = [];
        }
        // STS's default when the call names no duration.
        var seconds = call.DurationSeconds ?? StsLimits.DefaultDurationSeconds;
        durations[seconds] = durations.GetValueOrDefault(seconds) + 1;
    }

    public RoleReportResult Build(IEnumerable<IamRole> roles)
    {
        var rows = new List<RoleRow>();
        var known = 0L;
        foreach (var role in roles)
        {
            _usage.TryGetValue(role.Arn.Value, out var usage);
            known += usage?.Calls ?? 0;
            rows.Add(Row(role, usage));
        }
        return new RoleReportResult(engine.Version, rows, _records, _calls, _calls - known);
    }

    private RoleRow Row(IamRole role, Usage? usage)
    {
        var principals = usage is { Principals.Count: > 0 }
            ? usage.Principals.Keys.ToList()
            : [("(a person)", PrincipalKind.Human), ("(a workload)", PrincipalKind.Service)];
        var environments = Environments(role);
        var profiles = new SortedSet<string>(StringComparer.Ordinal);
        var decided = new Dictionary<(string, PrincipalKind), int>();
        foreach (var principal in principals)
        {
            var longest = 0;
            foreach (var environment in environments)
            {
                foreach (var request in Requests(role, principal.Item1, principal.Item2, environment))
                {
                    var decision = engine.Evaluate(request);
                    profiles.Add(decision.Profile);
                    if (decision.Outcome != Outcome.Deny) longest = Math.Max(longest, decision.MaxSessionSeconds);
                }
            }
            decided[principal] = longest;
        }
        var roleDecided = decided.Values.Max();
        var defaults = engine.Policy.Default.Name;
        var coverage = !profiles.Contains(defaults) ? Coverage.Explicit : profiles.Count == 1 ? Coverage.Defaults : Coverage.Partial;
        var requested = Summarise(usage, decided);

        var findings = new List<Finding>();
        var closing = Math.Max(RoleInventory.MinRoleMaximum, roleDecided);
        var fix = role.MaxSessionDuration > closing
            ? $"aws iam update-role --role-name {role.Name} --max-session-duration {closing.ToString(CultureInfo.InvariantCulture)}"
            : null;
        if (role.MaxSessionDuration > closing)
        {
            findings.Add(new Finding(RoleMaximumRule, FindingLevel.Error, roleDecided == 0
                ? $"MaxSessionDuration is {Text(role.MaxSessionDuration)} but the policy denies every principal evaluated for this role; credentials assumed without the service last that long"
                : $"MaxSessionDuration is {Text(role.MaxSessionDuration)}, above the longest session the policy decides for this role ({Text(roleDecided)}); credentials assumed without the service last longer than the policy allows", fix));
        }
        if (requested.AboveDecision > 0)
        {
            findings.Add(new Finding(RequestedRule, FindingLevel.Warning,
                $"{requested.AboveDecision} of {requested.Count} AssumeRole calls asked for more than the policy decides for their principal (up to {Text(requested.Max)}, the policy decides at most {Text(roleDecided)})",
                fix ?? $"have the callers ask for at most {roleDecided.ToString(CultureInfo.InvariantCulture)} seconds (through IssueSession or policyctl credential-process)"));
        }
        if (coverage == Coverage.Defaults)
        {
            findings.Add(new Finding(DefaultsRule, FindingLevel.Note, $"no explicit profile covers this role: it gets only the policy's defaults ({defaults})", null));
        }
        return new RoleRow(role, roleDecided, [.. profiles], coverage, [.. principals.Select(p => p.Item1)], requested, findings);
    }

    /// <summary>The role's environment from its tag, when the policy declares it; otherwise each declared environment (or none).</summary>
    private string[] Environments(IamRole role)
    {
        var table = engine.Policy.Environments;
        var tagged = role.Tags.FirstOrDefault(t => string.Equals(t.Key, environmentTag, StringComparison.OrdinalIgnoreCase)).Value;
        if (tagged is not null && (!table.IsDeclared || table.Find(tagged) is not null)) return [tagged];
        return table.IsDeclared ? [.. table.Declared.Select(d => d.Name)] : [""];
    }

    /// <summary>The most favourable sign-ins of a principal in an environment: guardrails only shorten, so the longest of these is the most the policy grants.</summary>
    private static IEnumerable<SessionRequest> Requests(IamRole role, string principal, PrincipalKind kind, string environment)
    {
        foreach (var assurance in new[] { Assurance.Aal2, Assurance.Aal3 })
        {
            foreach (var channel in new ChannelKind?[] { ChannelKind.Web, ChannelKind.Cli, ChannelKind.Api })
            {
                yield return new SessionRequest
                {
                    PrincipalId = principal, PrincipalKind = kind, Role = role.Arn, RoleTags = role.Tags, Environment = environment,
                    PrincipalAccount = role.Arn.Account, Mfa = true, Assurance = assurance, DeviceTrust = DeviceTrustLevel.Managed, SourceIp = PrivateAddress,
                    Channel = channel, RiskScore = 0,
                };
            }
        }
    }

    private static Requested Summarise(Usage? usage, Dictionary<(string, PrincipalKind), int> decided)
    {
        if (usage is null || usage.Calls == 0) return new Requested(0, 0, 0, 0);
        var all = new SortedDictionary<int, long>();
        long above = 0;
        foreach (var (principal, durations) in usage.Principals)
        {
            foreach (var (seconds, count) in durations)
            {
                all[seconds] = all.GetValueOrDefault(seconds) + count;
                if (seconds > decided[principal]) above += count;
            }
        }
        var total = all.Values.Sum();
        var rank = (total + 1) / 2;
        var median = 0;
        long seen = 0;
        foreach (var (seconds, count) in all)
        {
            seen += count;
            if (seen >= rank)
            {
                median = seconds;
                break;
            }
        }
        return new Requested(total, median, all.Keys.Max(), above);
    }

    /// <summary>Seconds with their reading in hours or minutes: "43200 s (12h)".</summary>
    public static string Text(int seconds) => seconds switch
    {
        0 => "0 s",
        _ when seconds % 3600 == 0 => $"{seconds} s ({seconds / 3600}h)",
        _ when seconds % 60 == 0 => $"{seconds} s ({seconds / 60}m)",
        _ => $"{seconds} s",
    };

    private sealed class Usage
    {
        public Dictionary<(string Id, PrincipalKind Kind), Dictionary<int, long>> Principals { get; } = [];

        public long Calls => Principals.Values.Sum(d => d.Values.Sum());
    }
}
