using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SessionPolicy.Core.Matching;
using SessionPolicy.Core.Policies;

namespace SessionPolicy.Core.Evaluation;

/// <summary>
/// A policy compiled for evaluation: profiles and guardrails indexed, so a decision looks at the few
/// rules that may match instead of all of them. Immutable and safe to share between threads.
/// </summary>
public sealed class PolicyEngine
{
    private readonly ProfileRule[] _profiles;
    private readonly int[] _profileSpecificity;
    private readonly GuardrailRule[] _guardrails;
    private readonly AppliedGuardrail[] _applied;
    private readonly TimeWindow[] _windows;
    private readonly RuleIndex _index;

    /// <summary>Compiles <paramref name="policy"/>, identified by <paramref name="version"/>.</summary>
    public PolicyEngine(PolicyDocument policy, string version)
    {
        Policy = policy;
        Version = version;
        _profiles = [.. policy.Profiles];
        _profileSpecificity = [.. _profiles.Select(p => p.Match.Specificity)];
        _guardrails = [.. policy.Guardrails];
        // Built once: a decision lists these shared, immutable entries instead of allocating its own.
        _applied = [.. _guardrails.Select(g => new AppliedGuardrail(g.Name, g.MaxSessionSeconds, g.IdleTimeoutSeconds, g.Outcome, g.Reason))];
        _windows = [.. _profiles.Select(p => p.Match).Concat(_guardrails.Select(g => g.When)).SelectMany(m => m.Time ?? []).Distinct()];
        // Profiles most specific first, so a bucket stops at the first rule that can no longer win.
        var specificity = _profileSpecificity;
        _index = new RuleIndex([.. _profiles.Select(p => p.Match)],
            Comparer<int>.Create((a, b) => specificity[a] != specificity[b] ? specificity[b].CompareTo(specificity[a]) : a.CompareTo(b)),
            [.. _guardrails.Select(g => g.When)]);
    }

    /// <summary>The policy being evaluated.</summary>
    public PolicyDocument Policy { get; }

    /// <summary>The policy version (content hash).</summary>
    public string Version { get; }

    /// <summary>What the rules see of <paramref name="request"/> at <paramref name="at"/> (now when not given): its environment as this policy reads it.</summary>
    public RequestFacts Facts(SessionRequest request, DateTimeOffset? at = null)
    {
        var environment = Policy.Environments.Resolve(request.Environment, out var how);
        // The clock is read only by policies with time windows.
        return new RequestFacts(request, environment, how, at ?? (_windows.Length == 0 ? default : DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// Decides the limits for <paramref name="request"/> at <paramref name="at"/> (the injected clock's now;
    /// the system clock when not given). With <paramref name="explain"/>, every profile and guardrail of the
    /// policy is checked in order and recorded in the trace, with the first condition that failed; without
    /// it, the index picks the few rules that may match. Both reach the same decision.
    /// </summary>
    public PolicyDecision Evaluate(SessionRequest request, bool explain = false, DateTimeOffset? at = null)
    {
        var facts = Facts(request, at);
        var trace = explain ? new List<TraceEntry>() : null;
        var matched = new MatchedSet();
        int best;
        if (trace is null)
        {
            var buckets = new BucketSet();
            _index.Find(facts, ref buckets);
            best = ChooseProfile(facts, ref buckets);
            for (var b = 0; b < buckets.Count; b++) MatchGuardrails(facts, buckets[b].Guardrails, buckets[b].FiledBy, ref matched);
            MatchGuardrails(facts, _index.UnindexedGuardrails, MatchSpec.FiledBy.None, ref matched);
        }
        else
        {
            TraceEnvironment(facts, trace);
            best = ScanProfiles(facts, trace);
            ScanGuardrails(facts, trace, ref matched);
        }
        var profile = best >= 0 ? _profiles[best] : Policy.Default;
        trace?.Add(new TraceEntry("profile", profile.Name, true,
            best >= 0 ? $"most specific match (specificity {_profileSpecificity[best]}): {profile.MaxSessionSeconds}s, idle {profile.IdleTimeoutSeconds}s"
                      : $"no profile matched; default: {profile.MaxSessionSeconds}s, idle {profile.IdleTimeoutSeconds}s"));

        // What the session would be without guardrails: a guardrail is reported as applied only when it
        // cut below that or raised the outcome.
        var indexes = matched.Sorted();
        var (baseMax, baseIdle) = indexes.Length == 0 ? (0, 0) : Base(request, profile);
        var guardrailMax = 0;
        var guardrailIdle = 0;
        var outcome = profile.Outcome;
        var effective = 0;
        foreach (var i in indexes)
        {
            var g = _guardrails[i];
            if (g.MaxSessionSeconds > 0 && (guardrailMax == 0 || g.MaxSessionSeconds < guardrailMax)) guardrailMax = g.MaxSessionSeconds;
            if (g.IdleTimeoutSeconds > 0 && (guardrailIdle == 0 || g.IdleTimeoutSeconds < guardrailIdle)) guardrailIdle = g.IdleTimeoutSeconds;
            if (g.Outcome > outcome) outcome = g.Outcome;
            if (HasEffect(g, profile, baseMax, baseIdle)) effective++;
        }
        // One array for both lists: those with an effect first, then those without, each in policy order.
        AppliedGuardrail[] all = indexes.Length == 0 ? [] : new AppliedGuardrail[indexes.Length];
        int a = 0, n = effective;
        foreach (var i in indexes)
        {
            var g = _guardrails[i];
            if (HasEffect(g, profile, baseMax, baseIdle)) all[a++] = _applied[i];
            else
            {
                all[n++] = _applied[i];
                trace?.Add(new TraceEntry("guardrail-without-effect", g.Name, false,
                    $"matched, but allows no less than the session already gets ({baseMax}s, idle {(baseIdle == 0 ? "none" : baseIdle + "s")}) and no stricter outcome"));
            }
        }

        var (max, binding) = Clamps.Session(request, profile, guardrailMax, Policy.MaxSessionSeconds, trace);
        var (idle, idleBinding) = Clamps.Idle(profile, guardrailIdle, max, Policy.MaxIdleSeconds, trace);

        return new PolicyDecision
        {
            Outcome = outcome,
            MaxSessionSeconds = max,
            IdleTimeoutSeconds = idle,
            Profile = profile.Name,
            Matched = (all, effective),
            Binding = binding,
            IdleBinding = idleBinding,
            PolicyVersion = Version,
            Environment = facts.Resolution,
            ValidUntil = ValidUntil(facts.At),
            Trace = trace?.ToArray(),
        };
    }

    /// <summary>The session length and idle timeout the profile and clamps give, before guardrails.</summary>
    private (int Max, int Idle) Base(SessionRequest request, ProfileRule profile)
    {
        var (max, _) = Clamps.Session(request, profile, 0, Policy.MaxSessionSeconds, null);
        var (idle, _) = Clamps.Idle(profile, 0, max, Policy.MaxIdleSeconds, null);
        return (max, idle);
    }

    /// <summary>Whether a matched guardrail shortens the session or idle timeout below what it would be without guardrails, or raises the outcome.</summary>
    private static bool HasEffect(GuardrailRule g, ProfileRule profile, int baseMax, int baseIdle) =>
        (g.MaxSessionSeconds > 0 && Math.Max(g.MaxSessionSeconds, StsLimits.MinDurationSeconds) < baseMax)
        || (g.IdleTimeoutSeconds > 0 && (baseIdle == 0 || g.IdleTimeoutSeconds < baseIdle))
        || g.Outcome > profile.Outcome;

    /// <summary>
    /// Until when a decision made at <paramref name="at"/> holds as far as the policy's time windows go (the next
    /// edge of any of them); null when the policy has none. What a cache keeps a decision of this policy for, however
    /// it got the decision.
    /// </summary>
    public DateTimeOffset? ValidUntil(DateTimeOffset at) => _windows.Length == 0 ? null : at + Stable(at);

    /// <summary>How long from <paramref name="at"/> no time window of the policy changes its answer.</summary>
    private TimeSpan Stable(DateTimeOffset at)
    {
        var span = TimeSpan.FromDays(1);
        foreach (var w in _windows)
        {
            var s = w.Stable(at);
            if (s < span) span = s;
        }
        return span;
    }

    private static void TraceEnvironment(in RequestFacts facts, List<TraceEntry> trace)
    {
        var given = facts.Request.Environment;
        var read = facts.Environment.Length == 0 ? "unknown" : facts.Environment;
        trace.Add(new TraceEntry("environment", read, facts.Resolution is EnvironmentResolution.Declared or EnvironmentResolution.AsGiven, facts.Resolution switch
        {
            EnvironmentResolution.Declared => $"'{given}' is the declared environment {read}",
            EnvironmentResolution.Undeclared => $"'{given}' is not declared; read as {read} (environments.undeclared)",
            EnvironmentResolution.Missing => $"no environment given; read as {read}",
            _ => $"'{given}' (the policy declares no environments)",
        }));
    }

    private int ChooseProfile(in RequestFacts facts, ref BucketSet buckets)
    {
        var best = -1;
        for (var b = 0; b < buckets.Count; b++) best = BestOf(facts, buckets[b].Profiles, buckets[b].FiledBy, best);
        return BestOf(facts, _index.UnindexedProfiles, MatchSpec.FiledBy.None, best);
    }

    /// <summary>The best of <paramref name="best"/> and the matching candidates, which are ordered most specific first and meet <paramref name="filedBy"/>.</summary>
    private int BestOf(in RequestFacts facts, int[] candidates, MatchSpec.FiledBy filedBy, int best)
    {
        foreach (var i in candidates)
        {
            // Only a more specific profile, or an equally specific earlier one, can win; the list is
            // ordered that way, so nothing after this one can either.
            if (best >= 0 && !Beats(i, best)) return best;
            if (_profiles[i].Match.Matches(facts, filedBy)) best = i;
        }
        return best;
    }

    private bool Beats(int i, int best) =>
        _profileSpecificity[i] > _profileSpecificity[best] || (_profileSpecificity[i] == _profileSpecificity[best] && i < best);

    private int ScanProfiles(in RequestFacts facts, List<TraceEntry> trace)
    {
        var best = -1;
        for (var i = 0; i < _profiles.Length; i++)
        {
            var mismatch = _profiles[i].Match.FirstMismatch(facts);
            trace.Add(new TraceEntry("profile-candidate", _profiles[i].Name, mismatch is null,
                mismatch is null ? $"matched, specificity {_profileSpecificity[i]}" : $"{mismatch} does not match"));
            if (mismatch is null && (best < 0 || Beats(i, best))) best = i;
        }
        return best;
    }

    private void MatchGuardrails(in RequestFacts facts, int[] candidates, MatchSpec.FiledBy filedBy, ref MatchedSet matched)
    {
        foreach (var i in candidates)
        {
            // A rule filed under groups is visited once per shared group; count it once.
            if (!matched.Contains(i) && _guardrails[i].When.Matches(facts, filedBy)) matched.Add(i);
        }
    }

    private void ScanGuardrails(in RequestFacts facts, List<TraceEntry> trace, ref MatchedSet matched)
    {
        for (var i = 0; i < _guardrails.Length; i++)
        {
            var g = _guardrails[i];
            var mismatch = g.When.FirstMismatch(facts);
            trace.Add(new TraceEntry("guardrail", g.Name, mismatch is null,
                mismatch is null ? $"matches: max {g.MaxSessionSeconds}s, idle {g.IdleTimeoutSeconds}s, outcome {g.Outcome}" : $"{mismatch} does not match"));
            if (mismatch is null) matched.Add(i);
        }
    }

    /// <summary>Matched guardrail indexes: inline for the usual handful, a list only past that.</summary>
    private struct MatchedSet
    {
        private Buffer _inline;
        private int _count;
        private List<int>? _overflow;

        public readonly bool Contains(int i) => _overflow is not null ? _overflow.Contains(i) : ((ReadOnlySpan<int>)_inline)[.._count].Contains(i);

        public void Add(int i)
        {
            if (_overflow is null && _count < Buffer.Length)
            {
                _inline[_count++] = i;
                return;
            }
            _overflow ??= [.. ((ReadOnlySpan<int>)_inline)[.._count]];
            _overflow.Add(i);
            _count++;
        }

        /// <summary>The indexes in policy order.</summary>
        [UnscopedRef]
        public Span<int> Sorted()
        {
            var span = _overflow is { } all ? CollectionsMarshal.AsSpan(all) : ((Span<int>)_inline)[.._count];
            span.Sort();
            return span;
        }

        [InlineArray(Length)]
        private struct Buffer
        {
            public const int Length = 16;
            private int _first;
        }
    }
}
