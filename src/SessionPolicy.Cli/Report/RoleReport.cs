using System.Globalization;
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
internal sealed class RoleReport
{
    /// <summary>Principals named per role in the report; the rest are counted, not named.</summary>
    public const int NamedPrincipalsPerRole = 20;

    /// <summary>Decisions kept for principals seen again; past this the cache starts over, so memory stays flat however long the trail.</summary>
    public const int MaxCachedDecisions = 100_000;

    public const string RoleMaximumRule = "role-maximum-above-decision";
    public const string RequestedRule = "requested-duration-above-decision";
    public const string DefaultsRule = "covered-by-defaults-only";

    private readonly PolicyEngine _engine;
    private readonly string _environmentTag;
    private readonly IReadOnlyDictionary<string, IamRole> _roles;
    private readonly Dictionary<string, Usage> _usage = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Role, string Principal, PrincipalKind Kind), (int Longest, string[] Profiles)> _decisions = [];
    private readonly bool _byPrincipalId;
    private long _records, _calls, _unknown;

    /// <param name="engine">The policy.</param>
    /// <param name="environmentTag">The role tag that names its environment.</param>
    /// <param name="roles">The inventory, by ARN: calls for other roles are only counted.</param>
    public RoleReport(PolicyEngine engine, string environmentTag, IReadOnlyDictionary<string, IamRole> roles)
    {
        _engine = engine;
        _environmentTag = environmentTag;
        _roles = roles;
        // A trail names no groups or attributes: a principal's id matters only where a rule names principal ids.
        _byPrincipalId = engine.Policy.Profiles.Any(p => p.Match.PrincipalIds is not null) || engine.Policy.Guardrails.Any(g => g.When.PrincipalIds is not null);
    }

    /// <summary>Reads one trail file into the counts.</summary>
    public void AddTrail(string file) => _records += CloudTrailFiles.Read(file, Add);

    /// <summary>Counts one AssumeRole call, against what the policy decides for its principal.</summary>
    public void Add(AssumeRoleCall call)
    {
        _calls++;
        if (!_roles.TryGetValue(call.RoleArn, out var role))
        {
            _unknown++;
            return;
        }
        if (!_usage.TryGetValue(call.RoleArn, out var usage)) _usage[call.RoleArn] = usage = new Usage();
        var (longest, profiles) = Decide(role, call.PrincipalId, call.Kind);
        usage.Decided = Math.Max(usage.Decided, longest);
        usage.Profiles.UnionWith(profiles);
        if (!usage.Principals.Contains(call.PrincipalId))
        {
            if (usage.Principals.Count < NamedPrincipalsPerRole) usage.Principals.Add(call.PrincipalId);
            else usage.MorePrincipals = true;
        }
        // STS's default when the call names no duration.
        var seconds = call.DurationSeconds ?? StsLimits.DefaultDurationSeconds;
        usage.Durations[seconds] = usage.Durations.GetValueOrDefault(seconds) + 1;
        if (seconds > longest) usage.Above++;
    }

    public RoleReportResult Build() =>
        new(_engine.Version, [.. _roles.Values.OrderBy(r => r.Arn.Value, StringComparer.Ordinal).Select(Row)], _records, _calls, _unknown);

    private (int Longest, string[] Profiles) Decide(IamRole role, string principal, PrincipalKind kind)
    {
        var key = (role.Arn.Value, _byPrincipalId ? principal : "", kind);
        if (_decisions.TryGetValue(key, out var known)) return known;
        var longest = 0;
        var profiles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var environment in Environments(role))
        {
            foreach (var request in SignIns.Favourable(principal, kind, role.Arn, role.Tags, environment))
            {
                var decision = _engine.Evaluate(request);
                profiles.Add(decision.Profile);
                if (decision.Outcome != Outcome.Deny) longest = Math.Max(longest, decision.MaxSessionSeconds);
            }
        }
        if (_decisions.Count >= MaxCachedDecisions) _decisions.Clear();
        return _decisions[key] = (longest, [.. profiles]);
    }

    private RoleRow Row(IamRole role)
    {
        if (!_usage.TryGetValue(role.Arn.Value, out var usage))
        {
            // No trail for the role: a person and a workload.
            usage = new Usage();
            foreach (var (principal, kind) in new[] { ("(a person)", PrincipalKind.Human), ("(a workload)", PrincipalKind.Service) })
            {
                var (longest, profiles) = Decide(role, principal, kind);
                usage.Decided = Math.Max(usage.Decided, longest);
                usage.Profiles.UnionWith(profiles);
                usage.Principals.Add(principal);
            }
        }
        var roleDecided = usage.Decided;
        var defaults = _engine.Policy.Default.Name;
        var coverage = !usage.Profiles.Contains(defaults) ? Coverage.Explicit : usage.Profiles.Count == 1 ? Coverage.Defaults : Coverage.Partial;
        var requested = Summarise(usage);

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
        return new RoleRow(role, roleDecided, [.. usage.Profiles], coverage, [.. usage.Principals, .. usage.MorePrincipals ? new[] { "(more)" } : []], requested, findings);
    }

    /// <summary>The role's environment from its tag, when the policy declares it; otherwise each declared environment (or none).</summary>
    private string[] Environments(IamRole role)
    {
        var table = _engine.Policy.Environments;
        var tagged = role.Tags.FirstOrDefault(t => string.Equals(t.Key, _environmentTag, StringComparison.OrdinalIgnoreCase)).Value;
        if (tagged is not null && (!table.IsDeclared || table.Find(tagged) is not null)) return [tagged];
        return table.IsDeclared ? [.. table.Declared.Select(d => d.Name)] : [""];
    }

    private static Requested Summarise(Usage usage)
    {
        if (usage.Durations.Count == 0) return new Requested(0, 0, 0, 0);
        var total = usage.Durations.Values.Sum();
        var rank = (total + 1) / 2;
        var median = 0;
        long seen = 0;
        foreach (var (seconds, count) in usage.Durations.OrderBy(d => d.Key))
        {
            seen += count;
            if (seen >= rank)
            {
                median = seconds;
                break;
            }
        }
        return new Requested(total, median, usage.Durations.Keys.Max(), usage.Above);
    }

    /// <summary>Seconds with their reading in hours or minutes: "43200 s (12h)".</summary>
    public static string Text(int seconds) => seconds switch
    {
        0 => "0 s",
        _ when seconds % 3600 == 0 => $"{seconds} s ({seconds / 3600}h)",
        _ when seconds % 60 == 0 => $"{seconds} s ({seconds / 60}m)",
        _ => $"{seconds} s",
    };

    /// <summary>What the trail says of one role: bounded by the distinct durations and the named principals, never by the calls.</summary>
    private sealed class Usage
    {
        public Dictionary<int, long> Durations { get; } = [];
        public long Above { get; set; }
        public int Decided { get; set; }
        public SortedSet<string> Profiles { get; } = new(StringComparer.Ordinal);
        public List<string> Principals { get; } = [];
        public bool MorePrincipals { get; set; }
    }
}
