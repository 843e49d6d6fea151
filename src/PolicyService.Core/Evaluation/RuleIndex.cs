using System.Collections.Frozen;
using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Evaluation;

/// <summary>
/// Finds the rules that may match a request without scanning them all. Each rule is filed under the
/// most selective equality condition it has (principal id, exact role ARN, group, account, environment,
/// network zone, principal type); rules with none are candidates for every request. A candidate still
/// has all its conditions checked.
/// </summary>
internal sealed class RuleIndex
{
    private enum Dimension { PrincipalId, RoleArn, Group, Account, Environment, NetworkZone, PrincipalKind }

    private static readonly int DimensionCount = Enum.GetValues<Dimension>().Length;
    private static readonly string[] KindKeys = ["", "human", "service"];

    private readonly FrozenDictionary<string, int[]>?[] _buckets;
    private readonly int[] _unindexed;

    public RuleIndex(IReadOnlyList<MatchSpec> specs)
    {
        var lists = new Dictionary<string, List<int>>?[DimensionCount];
        var unindexed = new List<int>();
        for (var i = 0; i < specs.Count; i++)
        {
            var (dimension, keys) = Choose(specs[i]);
            if (keys is null)
            {
                unindexed.Add(i);
                continue;
            }
            var map = lists[(int)dimension] ??= new Dictionary<string, List<int>>(StringComparer.Ordinal);
            foreach (var key in keys.Distinct(StringComparer.Ordinal))
            {
                if (!map.TryGetValue(key, out var list)) map[key] = list = [];
                list.Add(i);
            }
        }
        _buckets = lists.Select(m => m?.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal)).ToArray();
        _unindexed = [.. unindexed];
    }

    /// <summary>Rules with no indexable condition: checked for every request.</summary>
    public int UnindexedCount => _unindexed.Length;

    /// <summary>
    /// Calls <paramref name="visit"/> with the index of every rule that may match. A rule filed under
    /// groups can be visited once per group it shares with the request.
    /// </summary>
    public void ForEachCandidate<TState>(SessionRequest r, ref TState state, CandidateVisitor<TState> visit)
    {
        Visit(Dimension.PrincipalId, r.PrincipalId, ref state, visit);
        Visit(Dimension.RoleArn, r.Role.Value, ref state, visit);
        if (_buckets[(int)Dimension.Group] is not null)
        {
            foreach (var g in r.Groups) Visit(Dimension.Group, g, ref state, visit);
        }
        Visit(Dimension.Account, r.Role.Account, ref state, visit);
        Visit(Dimension.Environment, r.Environment, ref state, visit);
        Visit(Dimension.NetworkZone, r.NetworkZone, ref state, visit);
        Visit(Dimension.PrincipalKind, KindKeys[(int)r.PrincipalKind], ref state, visit);
        foreach (var i in _unindexed) visit(i, ref state);
    }

    private void Visit<TState>(Dimension d, string key, ref TState state, CandidateVisitor<TState> visit)
    {
        if (_buckets[(int)d] is { } map && map.TryGetValue(key, out var rules))
        {
            foreach (var i in rules) visit(i, ref state);
        }
    }

    private static (Dimension, IEnumerable<string>?) Choose(MatchSpec s)
    {
        if (s.PrincipalIds is { Length: > 0 } ids) return (Dimension.PrincipalId, ids);
        if (s.RoleArns is { Length: > 0 } arns && arns.All(a => a.IsExact)) return (Dimension.RoleArn, arns.Select(a => a.Pattern));
        if (s.Groups is { Length: > 0 } groups) return (Dimension.Group, groups);
        if (s.Accounts is { Length: > 0 } accounts) return (Dimension.Account, accounts);
        if (s.Environments is { Length: > 0 } envs) return (Dimension.Environment, envs);
        if (s.NetworkZones is { Length: > 0 } zones) return (Dimension.NetworkZone, zones);
        if (s.PrincipalKind is { } kind) return (Dimension.PrincipalKind, [KindKeys[(int)kind]]);
        return (default, null);
    }
}

/// <summary>Receives one candidate rule index.</summary>
internal delegate void CandidateVisitor<TState>(int rule, ref TState state);
