using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Policies;

/// <summary>
/// Checks a policy as a whole: names unique, rules that do something, and the dangerous choices
/// (people with no idle timeout, limits above what STS allows) flagged as warnings.
/// </summary>
internal static class PolicyValidator
{
    public static void Validate(PolicyDocument policy, YamlNodeReader r)
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
            CheckMatch(r, path + ".match", profile.Match);
        }

        names.Clear();
        foreach (var guardrail in policy.Guardrails)
        {
            var path = $"guardrails[{guardrail.Order}]";
            Unique(r, names, guardrail.Name, path, "guardrail");
            CheckMatch(r, path + ".when", guardrail.When);
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

    private static void CheckMatch(YamlNodeReader r, string path, MatchSpec spec)
    {
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
