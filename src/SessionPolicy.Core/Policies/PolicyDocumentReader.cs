using SessionPolicy.Core.Evaluation;
using SessionPolicy.Core.Matching;
using YamlDotNet.RepresentationModel;

namespace SessionPolicy.Core.Policies;

/// <summary>Reads the policy model out of the YAML tree; each bad element is recorded and skipped.</summary>
internal sealed class PolicyDocumentReader(YamlNodeReader r)
{
    private static readonly Dictionary<string, Outcome> ProfileOutcomes = new() { ["allow"] = Outcome.Allow, ["reauthenticate"] = Outcome.Reauthenticate, ["deny"] = Outcome.Deny };
    private static readonly Dictionary<string, bool> SharedStateModes = new() { ["best_effort"] = false, ["strict"] = true };
    private static readonly Dictionary<string, Outcome> GuardrailActions = new() { ["shorten"] = Outcome.Allow, ["reauthenticate"] = Outcome.Reauthenticate, ["deny"] = Outcome.Deny };

    public PolicyDocument? Read(YamlNode root)
    {
        var top = r.Mapping(root, "", "version", "name", "description", "shared_state", "environments", "limits", "defaults", "profiles", "guardrails");
        if (top is null) return null;

        if (!top.TryGetValue("version", out var versionNode)) r.Error(root, "version", $"is required (version: {PolicyParser.FormatVersion})");
        else if (r.Int(versionNode, "version", PolicyParser.FormatVersion, PolicyParser.FormatVersion) is null) { }

        var name = top.TryGetValue("name", out var n) ? r.String(n, "name") ?? "" : "";
        if (top.TryGetValue("description", out var d)) r.String(d, "description", 4096);
        var strict = top.TryGetValue("shared_state", out var ss) && r.Enum(ss, "shared_state", SharedStateModes) == true;

        int maxSession = StsLimits.MaxDurationSeconds, maxIdle = 0;
        if (top.TryGetValue("limits", out var limitsNode) && r.Mapping(limitsNode, "limits", "max_session", "max_idle") is { } limits)
        {
            if (limits.TryGetValue("max_session", out var ms)) maxSession = r.Duration(ms, "limits.max_session", false) ?? maxSession;
            if (limits.TryGetValue("max_idle", out var mi)) maxIdle = r.Duration(mi, "limits.max_idle", true) ?? 0;
        }

        var environments = top.TryGetValue("environments", out var envNode) ? ReadEnvironments(envNode) : EnvironmentTable.None;
        _environments = environments;

        ProfileRule? fallback = null;
        if (!top.TryGetValue("defaults", out var defaultsNode)) r.Error(root, "defaults", "is required: the limits used when no profile matches");
        else if (r.Mapping(defaultsNode, "defaults", "max_session", "idle_timeout") is { } defaults)
        {
            fallback = new ProfileRule
            {
                Name = "default",
                Description = "used when no profile matches",
                MaxSessionSeconds = Required(defaults, "max_session", "defaults", defaultsNode, n2 => r.Duration(n2, "defaults.max_session", false)) ?? StsLimits.DefaultDurationSeconds,
                IdleTimeoutSeconds = Required(defaults, "idle_timeout", "defaults", defaultsNode, n2 => r.Duration(n2, "defaults.idle_timeout", true)) ?? 0,
            };
        }

        var profiles = new List<ProfileRule>();
        if (top.TryGetValue("profiles", out var profilesNode)) ReadItems(profilesNode, "profiles", (node, path, i) => ReadProfile(node, path, i), profiles);
        var guardrails = new List<GuardrailRule>();
        if (top.TryGetValue("guardrails", out var guardrailsNode)) ReadItems(guardrailsNode, "guardrails", (node, path, i) => ReadGuardrail(node, path, i), guardrails);

        if (fallback is null) return null;
        return new PolicyDocument { Name = name, StrictSharedState = strict, MaxSessionSeconds = maxSession, MaxIdleSeconds = maxIdle, Default = fallback, Profiles = profiles, Guardrails = guardrails, Environments = environments };
    }

    private EnvironmentTable _environments = EnvironmentTable.None;

    /// <summary>
    /// <c>environments: { declared: { production: [prod, prd], staging: [stage] }, undeclared: most_restrictive, missing: most_restrictive }</c>:
    /// names most restrictive first, each with its aliases; names and aliases unique without regard to case.
    /// </summary>
    private EnvironmentTable ReadEnvironments(YamlNode node)
    {
        var m = r.Mapping(node, "environments", "declared", "undeclared", "missing");
        if (m is null) return EnvironmentTable.None;
        if (!m.TryGetValue("declared", out var declaredNode))
        {
            r.Error(node, "environments.declared", "is required: the environment names, most restrictive first, each with its aliases");
            return EnvironmentTable.None;
        }
        if (declaredNode is not YamlMappingNode map || map.Children.Count == 0)
        {
            r.Error(declaredNode, "environments.declared", "must be a non-empty mapping of environment names to their aliases, e.g. production: [prod, prd]");
            return EnvironmentTable.None;
        }
        var declared = new List<DeclaredEnvironment>();
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (keyNode, value) in map.Children)
        {
            var path = YamlNodeReader.Join("environments.declared", (keyNode as YamlScalarNode)?.Value ?? "");
            var name = r.String(keyNode, path, 64);
            if (name is null) continue;
            string[] aliases = value is YamlScalarNode { Value: null or "" or "~" or "null" } ? [] : r.List(value, path, (x, xp) => r.String(x, xp, 64), 32) ?? [];
            foreach (var n in (string[])[name, .. aliases])
            {
                if (seen.TryGetValue(n, out var owner)) r.Error(keyNode, path, $"'{n}' is already a name or alias of {owner} (names compare without regard to case)");
                else seen[n] = name;
            }
            declared.Add(new DeclaredEnvironment(name, aliases));
        }
        var probe = new EnvironmentTable(declared, null, null);
        return new EnvironmentTable(declared, ReadFallback(m, "undeclared", probe), ReadFallback(m, "missing", probe));
    }

    /// <summary><c>most_restrictive</c> (the default: the first declared), a declared name or alias, or <c>unknown</c> (null).</summary>
    private string? ReadFallback(Dictionary<string, YamlNode> m, string key, EnvironmentTable table)
    {
        var mostRestrictive = table.Declared.Count > 0 ? table.Declared[0].Name : null;
        if (!m.TryGetValue(key, out var node)) return mostRestrictive;
        var path = "environments." + key;
        var text = r.String(node, path, 64);
        if (text is null) return mostRestrictive;
        if (text == "most_restrictive") return mostRestrictive;
        if (text == "unknown") return null;
        if (table.Find(text) is { } name) return name;
        r.Error(node, path, $"must be most_restrictive, unknown, or a declared environment; '{text}' is not declared");
        return mostRestrictive;
    }

    private void ReadItems<T>(YamlNode node, string path, Func<YamlNode, string, int, T?> read, List<T> into) where T : class
    {
        r.Locations[path] = ((int)node.Start.Line, (int)node.Start.Column);
        if (node is not YamlSequenceNode seq)
        {
            r.Error(node, path, "must be a list");
            return;
        }
        for (var i = 0; i < seq.Children.Count; i++)
        {
            if (read(seq.Children[i], $"{path}[{i}]", i) is { } item) into.Add(item);
        }
    }

    private T? Required<T>(Dictionary<string, YamlNode> map, string key, string path, YamlNode parent, Func<YamlNode, T?> read) where T : struct
    {
        if (map.TryGetValue(key, out var node)) return read(node);
        r.Error(parent, YamlNodeReader.Join(path, key), "is required");
        return null;
    }

    private ProfileRule? ReadProfile(YamlNode node, string path, int order)
    {
        var map = r.Mapping(node, path, "name", "description", "match", "max_session", "idle_timeout", "outcome");
        if (map is null) return null;
        var name = map.TryGetValue("name", out var n) ? r.String(n, path + ".name", 128) : Missing<string>(node, path + ".name");
        var match = map.TryGetValue("match", out var m) ? new MatchSpecReader(r, _environments).Read(m, path + ".match") : MatchSpec.Any;
        var max = Required(map, "max_session", path, node, x => r.Duration(x, path + ".max_session", false));
        var idle = Required(map, "idle_timeout", path, node, x => r.Duration(x, path + ".idle_timeout", true));
        var outcome = map.TryGetValue("outcome", out var o) ? r.Enum(o, path + ".outcome", ProfileOutcomes) : Outcome.Allow;
        if (map.TryGetValue("description", out var d)) r.String(d, path + ".description", 4096);
        if (name is null || match is null || max is null || idle is null || outcome is null) return null;
        return new ProfileRule { Name = name, Match = match, MaxSessionSeconds = max.Value, IdleTimeoutSeconds = idle.Value, Outcome = outcome.Value, Order = order };
    }

    private GuardrailRule? ReadGuardrail(YamlNode node, string path, int order)
    {
        var map = r.Mapping(node, path, "name", "reason", "when", "max_session", "idle_timeout", "action");
        if (map is null) return null;
        var name = map.TryGetValue("name", out var n) ? r.String(n, path + ".name", 128) : Missing<string>(node, path + ".name");
        var when = map.TryGetValue("when", out var w) ? new MatchSpecReader(r, _environments).Read(w, path + ".when") : Missing<MatchSpec>(node, path + ".when");
        int? max = map.TryGetValue("max_session", out var ms) ? r.Duration(ms, path + ".max_session", false) : 0;
        int? idle = map.TryGetValue("idle_timeout", out var it) ? r.Duration(it, path + ".idle_timeout", false) : 0;
        var action = map.TryGetValue("action", out var a) ? r.Enum(a, path + ".action", GuardrailActions) : Outcome.Allow;
        var reason = map.TryGetValue("reason", out var re) ? r.String(re, path + ".reason", 1024) : "";
        if (name is null || when is null || max is null || idle is null || action is null || reason is null) return null;
        return new GuardrailRule { Name = name, Reason = reason, When = when, MaxSessionSeconds = max.Value, IdleTimeoutSeconds = idle.Value, Outcome = action.Value, Order = order };
    }

    private T? Missing<T>(YamlNode parent, string path) where T : class
    {
        r.Error(parent, path, "is required");
        return null;
    }
}
