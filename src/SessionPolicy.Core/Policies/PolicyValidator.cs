using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Policies;

/// <summary>
/// Checks a policy as a whole: names unique, rules that do something, and the choices that fail open
/// flagged as warnings: people with no idle timeout, limits above what STS or a role allows, rules that can
/// never apply, environments not declared, patterns that differ only by case, and risk read the wrong way
/// round (a profile chosen by how risky a sign-in is, a guardrail that a riskier sign-in escapes).
/// </summary>
internal static class PolicyValidator
{
    /// <summary>Most profiles compared pairwise for reachability.</summary>
    public const int MaxReachabilityProfiles = 2000;

    public static void Validate(PolicyDocument policy, YamlNodeReader r, IReadOnlyDictionary<string, int>? roleMaximums = null)
    {
        if (policy.MaxSessionSeconds > StsLimits.MaxDurationSeconds)
        {
            r.Warning("limits.max_session", $"above 12h: role sessions never exceed {StsLimits.MaxDurationSeconds}s, so decisions are cut to 12h");
        }
        CheckSession(r, "defaults", policy.Default, policy);
        CheckIdleForPeople(r, "defaults", policy.Default);

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var profile in policy.Profiles)
        {
            var path = $"profiles[{profile.Order}]";
            Unique(r, names, profile.Name, path, "profile");
            CheckSession(r, path, profile, policy);
            CheckIdleForPeople(r, path, profile);
            CheckMatch(r, path + ".match", profile.Match, policy.Environments);
            CheckProfileRisk(r, path + ".match", profile.Match);
            if (roleMaximums is not null) CheckRoleMaximums(r, path, profile, roleMaximums);
        }
        CheckReachable(r, policy);
        CheckEnvironmentsDeclared(r, policy);

        names.Clear();
        foreach (var guardrail in policy.Guardrails)
        {
            var path = $"guardrails[{guardrail.Order}]";
            Unique(r, names, guardrail.Name, path, "guardrail");
            CheckMatch(r, path + ".when", guardrail.When, policy.Environments);
            CheckGuardrailRisk(r, path + ".when", guardrail.When);
            if (guardrail.MaxSessionSeconds == 0 && guardrail.IdleTimeoutSeconds == 0 && guardrail.Outcome == Outcome.Allow)
            {
                r.ErrorAt(path, "does nothing: set max_session, idle_timeout, or action reauthenticate/deny");
            }
            if (guardrail.When.Specificity == 0)
            {
                r.Warning(path + ".when", "matches every request; prefer the profiles' own limits for a policy-wide cap");
            }
        }
    }

    private static void CaseDuplicates(YamlNodeReader r, string path, IEnumerable<string>? values, string why)
    {
        if (values is null) return;
        foreach (var group in values.GroupBy(v => v, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            r.Warning(path, $"{string.Join(" and ", group.Select(v => $"'{v}'"))} are the same: {why}");
        }
    }

    private static void Unique(YamlNodeReader r, Dictionary<string, string> seen, string name, string path, string kind)
    {
        if (seen.TryGetValue(name, out var first))
        {
            r.ErrorAt(path + ".name", $"{kind} name '{name}' is already used by {first}");
            return;
        }
        seen[name] = path;
    }

    private static void CheckSession(YamlNodeReader r, string path, ProfileRule profile, PolicyDocument policy)
    {
        // A value that failed to read stands at its default; judging it would only add noise.
        if (r.HasErrorAt(path)) return;
        if (profile.MaxSessionSeconds > StsLimits.MaxDurationSeconds)
        {
            r.Warning(path + ".max_session", "above 12h: decisions are cut to 12h, the longest role session STS allows");
        }
        else if (profile.MaxSessionSeconds > policy.MaxSessionSeconds)
        {
            r.Warning(path + ".max_session", $"above limits.max_session ({DurationText.Format(policy.MaxSessionSeconds)}): decisions are cut to it");
        }
        if (profile.MaxSessionSeconds < StsLimits.MinDurationSeconds)
        {
            r.Warning(path + ".max_session", "below 15m: STS sessions are at least 900s, so decisions are raised to 15m");
        }
        if (profile.IdleTimeoutSeconds > profile.MaxSessionSeconds)
        {
            r.Warning(path + ".idle_timeout", "longer than max_session: it is cut to the session length");
        }
    }

    private static void CheckIdleForPeople(YamlNodeReader r, string path, ProfileRule profile)
    {
        if (r.HasErrorAt(path)) return;
        if (profile.IdleTimeoutSeconds == 0 && profile.Match.PrincipalKind != PrincipalKind.Service && profile.Outcome != Outcome.Deny)
        {
            r.Warning(path + ".idle_timeout", "a profile that can match people has no idle timeout; forgotten sessions stay open (NIST SP 800-63B: at most 1h at AAL2)");
        }
    }

    /// <summary>Profiles that a higher-ranked profile always takes over, and defaults that no request reaches.</summary>
    private static void CheckReachable(YamlNodeReader r, PolicyDocument policy)
    {
        var profiles = policy.Profiles;
        // Each profile against each other: bounded, so a huge policy is still checked in about a second.
        if (profiles.Count > MaxReachabilityProfiles)
        {
            r.Warning("profiles", $"more than {MaxReachabilityProfiles} profiles: only the first {MaxReachabilityProfiles} are checked for profiles that can never apply");
        }
        for (var i = 0; i < Math.Min(profiles.Count, MaxReachabilityProfiles); i++)
        {
            var p = profiles[i];
            var winner = profiles.Take(MaxReachabilityProfiles).FirstOrDefault(q => !ReferenceEquals(q, p) && Outranks(q, p) && MatchImplication.Covers(q.Match, p.Match));
            if (winner is not null)
            {
                r.Warning($"profiles[{p.Order}]", $"profile '{p.Name}' can never apply: '{winner.Name}' matches every request it matches and ranks higher");
            }
        }
        var everyone = profiles.FirstOrDefault(p => p.Match.Specificity == 0);
        var kindOnly = profiles.Where(p => p.Match.Specificity == 1 && p.Match.PrincipalKind is not null).ToList();
        var people = kindOnly.FirstOrDefault(p => p.Match.PrincipalKind == PrincipalKind.Human);
        var workloads = kindOnly.FirstOrDefault(p => p.Match.PrincipalKind == PrincipalKind.Service);
        if (everyone is not null || (people is not null && workloads is not null))
        {
            var by = everyone is not null ? $"'{everyone.Name}' matches every request" : $"'{people!.Name}' matches every person and '{workloads!.Name}' every workload";
            r.Warning("defaults", $"the defaults can never apply: {by}");
        }
    }

    /// <summary>Whether <paramref name="q"/> wins over <paramref name="p"/> when both match: more specific, or as specific and earlier.</summary>
    private static bool Outranks(ProfileRule q, ProfileRule p) =>
        q.Match.Specificity > p.Match.Specificity || (q.Match.Specificity == p.Match.Specificity && q.Order < p.Order);

    private static void CheckEnvironmentsDeclared(YamlNodeReader r, PolicyDocument policy)
    {
        var rules = policy.Profiles.Select(p => ($"profiles[{p.Order}].match", p.Match))
            .Concat(policy.Guardrails.Select(g => ($"guardrails[{g.Order}].when", g.When)));
        foreach (var (path, spec) in rules)
        {
            if (spec.Environments is not { } names) continue;
            if (!policy.Environments.IsDeclared)
            {
                r.Warning(path + ".context.environments", "environments are not declared: a request's alias, misspelling or missing environment cannot be read as one of these; declare them under environments.declared");
                return;
            }
            foreach (var name in names.Where(n => policy.Environments.Find(n) is null))
            {
                r.Warning(path + ".context.environments", $"'{name}' is not a declared environment (nor an alias of one): no request is read as it");
            }
        }
    }

    /// <summary>A profile chosen by a risk fact lets a riskier sign-in land on another profile, which may be longer.</summary>
    private static void CheckProfileRisk(YamlNodeReader r, string path, MatchSpec spec)
    {
        var facts = new List<string>();
        if (spec.Mfa is not null) facts.Add("mfa");
        if (spec.MinAssurance is not null || spec.BelowAssurance is not null) facts.Add("assurance");
        if (spec.DeviceTrust is not null) facts.Add("device_trust");
        if (spec.RiskAtLeast is not null || spec.RiskBelow is not null) facts.Add("risk_score");
        if (spec.SourceCidrs is not null || spec.OutsideCidrs is not null || spec.NetworkZones is not null) facts.Add("network");
        if (spec.Unknown is not null) facts.Add("unknown");
        if (facts.Count == 0) return;
        r.Warning(path + ".context", $"the profile is chosen by how risky the sign-in is ({string.Join(", ", facts)}): a riskier sign-in falls to another profile, which may be longer; respond to risk with guardrails, which only shorten");
    }

    /// <summary>A guardrail that holds only for the safer value is escaped by a riskier sign-in.</summary>
    private static void CheckGuardrailRisk(YamlNodeReader r, string path, MatchSpec spec)
    {
        var safer = new List<string>();
        if (spec.Mfa == true) safer.Add("mfa: true (a sign-in without MFA escapes it)");
        if (spec.MinAssurance is not null) safer.Add("min_assurance (a lower or unknown level escapes it)");
        if (spec.RiskBelow is not null) safer.Add("risk_score_below (a higher score escapes it)");
        if (spec.SourceCidrs is not null) safer.Add("source_cidrs (an address outside them, or none, escapes it)");
        if (spec.DeviceTrust is { } d && (d.Contains(DeviceTrustLevel.Managed) && !d.Contains(DeviceTrustLevel.Unmanaged) || !d.Contains(DeviceTrustLevel.Unknown)))
        {
            safer.Add("device_trust without every riskier level (list unknown, and unmanaged with managed)");
        }
        if (safer.Count == 0) return;
        r.Warning(path + ".context", $"the guardrail holds only for safer sign-ins: {string.Join("; ", safer)}");
    }

    /// <summary>A profile that gives a role more than the role's MaxSessionDuration: every session is cut to it.</summary>
    private static void CheckRoleMaximums(YamlNodeReader r, string path, ProfileRule profile, IReadOnlyDictionary<string, int> roleMaximums)
    {
        if (profile.Match.RoleArns is not { } patterns || r.HasErrorAt(path)) return;
        var over = roleMaximums.Where(role => role.Value < profile.MaxSessionSeconds && patterns.Any(p => p.IsMatch(role.Key)))
            .OrderBy(role => role.Key, StringComparer.Ordinal).ToList();
        if (over.Count == 0) return;
        var named = string.Join(", ", over.Take(3).Select(role => $"{role.Key} ({DurationText.Format(role.Value)})"));
        r.Warning(path + ".max_session", $"longer than the MaxSessionDuration of {over.Count} role(s) it matches: {named}{(over.Count > 3 ? ", ..." : "")}; their sessions are cut to it");
    }

    private static void CheckMatch(YamlNodeReader r, string path, MatchSpec spec, EnvironmentTable environments)
    {
        if (MatchImplication.NeverMatches(spec, environments) is { } why) r.Warning(path, $"can never match: {why}");
        CaseDuplicates(r, path + ".role.arns", spec.RoleArns?.Select(a => a.Pattern), "role names compare without regard to case");
        CaseDuplicates(r, path + ".principal.groups", spec.Groups, "groups compare without regard to case");
        CaseDuplicates(r, path + ".context.environments", spec.Environments, "environments compare without regard to case");
        CaseDuplicates(r, path + ".context.network_zones", spec.NetworkZones, "network zones compare without regard to case");
        if (spec.MinAssurance is { } min && spec.BelowAssurance is { } below && min >= below)
        {
            r.ErrorAt(path + ".context", "min_assurance and below_assurance together match nothing");
        }
        if (spec.RiskAtLeast is { } atLeast && spec.RiskBelow is { } riskBelow && atLeast >= riskBelow)
        {
            r.ErrorAt(path + ".context", "risk_score_at_least and risk_score_below together match nothing");
        }
    }
}
