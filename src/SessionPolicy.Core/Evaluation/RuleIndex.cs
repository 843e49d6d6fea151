using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using SessionPolicy.Core.Matching;

namespace SessionPolicy.Core.Evaluation;

/// <summary>
/// Finds the profiles and guardrails that may match a request without scanning them all. Each rule is
/// filed under the most selective equality condition it has (principal id, exact role ARN, the literal
/// start of a role ARN pattern's path and name, group, account, environment, network zone, principal
/// type); rules with none are candidates for every request. Profiles and guardrails share one lookup per
/// request value. Each dimension compares as its condition does: role paths and names, groups, environments
/// and zones without regard to case; ids, accounts and partitions as written. A candidate still has all its
/// conditions checked.
/// </summary>
internal sealed class RuleIndex
{
    private enum Dimension { PrincipalId, RoleArn, RolePrefix, Group, Account, Environment, NetworkZone, PrincipalKind }

    private static readonly int DimensionCount = Enum.GetValues<Dimension>().Length;
    private static readonly string[] KindKeys = ["", "human", "service"];

    // Exact ARNs are filed without regard to case as a whole: a superset of the rules that can match (the
    // partition and account, compared as written, are checked with every candidate's conditions), and the
    // frozen dictionary's fast case-insensitive lookup.
    private static IEqualityComparer<string> Comparer(Dimension d) => d switch
    {
        Dimension.RoleArn or Dimension.RolePrefix or Dimension.Group or Dimension.Environment or Dimension.NetworkZone => StringComparer.OrdinalIgnoreCase,
        _ => StringComparer.Ordinal,
    };

    // The condition a rule found under each dimension is known to meet. Role ARNs are not among them: exact ARNs
    // are filed without regard to case as a whole, patterns by their literal start, both supersets.
    private static MatchSpec.FiledBy FiledBy(Dimension d) => d switch
    {
        Dimension.PrincipalId => MatchSpec.FiledBy.PrincipalIds,
        Dimension.Group => MatchSpec.FiledBy.Groups,
        Dimension.Account => MatchSpec.FiledBy.Accounts,
        Dimension.Environment => MatchSpec.FiledBy.Environments,
        Dimension.NetworkZone => MatchSpec.FiledBy.NetworkZones,
        Dimension.PrincipalKind => MatchSpec.FiledBy.PrincipalKind,
        _ => MatchSpec.FiledBy.None,
    };

    /// <summary>The rules filed under one value of one dimension, and the condition each of them meets by being found there.</summary>
    internal sealed record Bucket(int[] Profiles, int[] Guardrails, MatchSpec.FiledBy FiledBy);

    private readonly FrozenDictionary<string, Bucket>?[] _buckets;
    private readonly FrozenDictionary<string, Bucket>.AlternateLookup<ReadOnlySpan<char>> _rolePrefixes;
    private readonly int[] _rolePrefixLengths = [];

    /// <summary>Indexes both rule sets; each bucket lists its profiles in <paramref name="profileOrder"/>, its guardrails in policy order.</summary>
    public RuleIndex(IReadOnlyList<MatchSpec> profiles, IComparer<int> profileOrder, IReadOnlyList<MatchSpec> guardrails)
    {
        var files = new Dictionary<string, (List<int> Profiles, List<int> Guardrails)>?[DimensionCount];
        var unindexedProfiles = File(profiles, files, isProfile: true);
        var unindexedGuardrails = File(guardrails, files, isProfile: false);
        _buckets = [.. files.Select((m, d) => m?.ToFrozenDictionary(
            p => p.Key,
            p => new Bucket([.. p.Value.Profiles.Distinct().Order(profileOrder)], [.. p.Value.Guardrails.Distinct().Order()], FiledBy((Dimension)d)),
            Comparer((Dimension)d)))];
        if (_buckets[(int)Dimension.RolePrefix] is { } prefixes)
        {
            _rolePrefixes = prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
            _rolePrefixLengths = [.. prefixes.Keys.Select(k => k.Length).Distinct().Order()];
        }
        UnindexedProfiles = [.. unindexedProfiles.Order(profileOrder)];
        UnindexedGuardrails = [.. unindexedGuardrails];
    }

    /// <summary>Profiles with no indexable condition: candidates for every request.</summary>
    public int[] UnindexedProfiles { get; }

    /// <summary>Guardrails with no indexable condition: candidates for every request.</summary>
    public int[] UnindexedGuardrails { get; }

    /// <summary>
    /// Adds to <paramref name="found"/> the bucket of every value of the request that has one. A rule filed
    /// under groups is in as many found buckets as the groups it shares with the request.
    /// </summary>
    public void Find(in RequestFacts facts, ref BucketSet found)
    {
        var r = facts.Request;
        Look(Dimension.PrincipalId, r.PrincipalId, ref found);
        Look(Dimension.RoleArn, r.Role.Value, ref found);
        var pathAndName = r.Role.PathAndName.AsSpan();
        foreach (var length in _rolePrefixLengths)
        {
            if (length > pathAndName.Length) break;
            if (_rolePrefixes.TryGetValue(pathAndName[..length], out var bucket)) found.Add(bucket);
        }
        if (_buckets[(int)Dimension.Group] is not null)
        {
            foreach (var g in r.Groups) Look(Dimension.Group, g, ref found);
        }
        Look(Dimension.Account, r.Role.Account, ref found);
        Look(Dimension.Environment, facts.Environment, ref found);
        Look(Dimension.NetworkZone, r.NetworkZone, ref found);
        Look(Dimension.PrincipalKind, KindKeys[(int)r.PrincipalKind], ref found);
    }

    private void Look(Dimension d, string key, ref BucketSet found)
    {
        // No rule is filed under an empty value, so an unset request value costs nothing.
        if (key.Length != 0 && _buckets[(int)d] is { } map && map.TryGetValue(key, out var bucket)) found.Add(bucket);
    }

    private static List<int> File(IReadOnlyList<MatchSpec> specs, Dictionary<string, (List<int>, List<int>)>?[] files, bool isProfile)
    {
        var unindexed = new List<int>();
        for (var i = 0; i < specs.Count; i++)
        {
            var (dimension, keys) = Choose(specs[i]);
            if (keys is null)
            {
                unindexed.Add(i);
                continue;
            }
            var map = files[(int)dimension] ??= new Dictionary<string, (List<int>, List<int>)>(Comparer(dimension));
            foreach (var key in keys.Distinct(Comparer(dimension)))
            {
                if (!map.TryGetValue(key, out var lists)) map[key] = lists = ([], []);
                (isProfile ? lists.Item1 : lists.Item2).Add(i);
            }
        }
        return unindexed;
    }

    private static (Dimension, IEnumerable<string>?) Choose(MatchSpec s)
    {
        if (s.PrincipalIds is { Length: > 0 } ids) return (Dimension.PrincipalId, ids);
        if (s.RoleArns is { Length: > 0 } arns && arns.All(a => a.IsExact)) return (Dimension.RoleArn, arns.Select(a => a.Pattern));
        if (s.RoleArns is { Length: > 0 } patterns && patterns.All(a => a.IsExact || a.RolePrefix.Length > 0))
        {
            // An exact ARN among patterns is filed by its whole path and name, which starts with itself.
            return (Dimension.RolePrefix, patterns.Select(a => a.IsExact ? a.Pattern[(a.Pattern.IndexOf(":role/", StringComparison.Ordinal) + 6)..] : a.RolePrefix));
        }
        if (s.Groups is { Length: > 0 } groups) return (Dimension.Group, groups);
        if (s.Accounts is { Length: > 0 } accounts) return (Dimension.Account, accounts);
        if (s.Environments is { Length: > 0 } envs) return (Dimension.Environment, envs);
        if (s.NetworkZones is { Length: > 0 } zones) return (Dimension.NetworkZone, zones);
        if (s.PrincipalKind is { } kind) return (Dimension.PrincipalKind, [KindKeys[(int)kind]]);
        return (default, null);
    }
}

/// <summary>The buckets found for one request: inline for the usual handful, a list only past that.</summary>
internal struct BucketSet
{
    private Buffer _inline;
    private List<RuleIndex.Bucket>? _overflow;

    public int Count { get; private set; }

    public readonly RuleIndex.Bucket this[int i] => _overflow is { } all ? all[i] : _inline[i];

    public void Add(RuleIndex.Bucket bucket)
    {
        if (_overflow is null && Count < Buffer.Length) _inline[Count] = bucket;
        else
        {
            if (_overflow is null)
            {
                _overflow = new List<RuleIndex.Bucket>(Count * 2);
                for (var i = 0; i < Count; i++) _overflow.Add(_inline[i]);
            }
            _overflow.Add(bucket);
        }
        Count++;
    }

    [InlineArray(Length)]
    private struct Buffer
    {
        public const int Length = 16;
        private RuleIndex.Bucket _first;
    }
}
