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

    /// <summary>Decides the limits for <paramref name="request"/>; with <paramref name="explain"/>, records a trace.</summary>
    public PolicyDecision Evaluate(SessionRequest request, bool explain = false)
    {
        var trace = explain ? new List<TraceEntry>() : null;
        var buckets = new BucketSet();
        _index.Find(request, ref buckets);
        var profile = ChooseProfile(request, ref buckets, trace);
        var applied = ApplyGuardrails(request, ref buckets, trace, out var guardrailMax, out var guardrailIdle, out var outcome);
        if (profile.Outcome > outcome) outcome = profile.Outcome;

        var (max, binding) = Clamps.Session(request, profile, guardrailMax, Policy.MaxSessionSeconds, trace);
        var (idle, idleBinding) = Clamps.Idle(profile, guardrailIdle, max, Policy.MaxIdleSeconds, trace);

        return new PolicyDecision
        {
            Outcome = outcome,
            MaxSessionSeconds = max,
            IdleTimeoutSeconds = idle,
            Profile = profile.Name,
            Guardrails = applied,
            Binding = binding,
            IdleBinding = idleBinding,
            PolicyVersion = Version,
            Trace = trace?.ToArray(),
        };
    }

    private ProfileRule ChooseProfile(SessionRequest request, ref BucketSet buckets, List<TraceEntry>? trace)
    {
        var state = new ProfileSearch(this, request, trace);
        for (var b = 0; b < buckets.Count; b++) state.ConsiderAll(buckets[b].Profiles);
        state.ConsiderAll(_index.UnindexedProfiles);
        var chosen = state.Best >= 0 ? _profiles[state.Best] : Policy.Default;
        trace?.Add(new TraceEntry("profile", chosen.Name, true,
            state.Best >= 0 ? $"most specific match (specificity {_profileSpecificity[state.Best]}): {chosen.MaxSessionSeconds}s, idle {chosen.IdleTimeoutSeconds}s"
                            : $"no profile matched; default: {chosen.MaxSessionSeconds}s, idle {chosen.IdleTimeoutSeconds}s"));
        return chosen;
    }

    private struct ProfileSearch(PolicyEngine engine, SessionRequest request, List<TraceEntry>? trace)
    {
        public int Best = -1;

        public void ConsiderAll(int[] candidates)
        {
            foreach (var i in candidates)
            {
                if (!Consider(i)) return;
            }
        }

        private bool Consider(int i)
        {
            var spec = engine._profileSpecificity[i];
            if (Best >= 0 && trace is null)
            {
                // Only a more specific profile, or an equally specific earlier one, can win; the bucket
                // is ordered that way, so nothing after this one can either.
                var bestSpec = engine._profileSpecificity[Best];
                if (spec < bestSpec || (spec == bestSpec && i > Best)) return false;
            }
            var profile = engine._profiles[i];
            var mismatch = profile.Match.FirstMismatch(request);
            trace?.Add(new TraceEntry("profile-candidate", profile.Name, mismatch is null,
                mismatch is null ? $"matched, specificity {spec}" : $"{mismatch} does not match"));
            if (mismatch is not null) return true;
            if (Best < 0 || spec > engine._profileSpecificity[Best] || (spec == engine._profileSpecificity[Best] && i < Best)) Best = i;
            return true;
        }
    }

    private AppliedGuardrail[] ApplyGuardrails(SessionRequest request, ref BucketSet buckets, List<TraceEntry>? trace, out int max, out int idle, out Outcome outcome)
    {
        var state = new GuardrailSearch(this, request, trace);
        for (var b = 0; b < buckets.Count; b++) state.ConsiderAll(buckets[b].Guardrails);
        state.ConsiderAll(_index.UnindexedGuardrails);
        max = state.Max;
        idle = state.Idle;
        outcome = state.Outcome;
        if (state.Count == 0) return [];
        Span<int> matched = state.Overflow is { } all ? System.Runtime.InteropServices.CollectionsMarshal.AsSpan(all) : ((Span<int>)state.Buffer)[..state.Count];
        matched.Sort();
        var applied = new AppliedGuardrail[matched.Length];
        for (var k = 0; k < applied.Length; k++) applied[k] = _applied[matched[k]];
        return applied;
    }

    private struct GuardrailSearch(PolicyEngine engine, SessionRequest request, List<TraceEntry>? trace)
    {
        public int Max;
        public int Idle;
        public Outcome Outcome = Outcome.Allow;
        // Matched guardrail indexes: inline for the usual handful, a list only past that.
        public MatchBuffer Buffer;
        public int Count;
        public List<int>? Overflow;

        public void ConsiderAll(int[] candidates)
        {
            foreach (var i in candidates) Consider(i);
        }

        private void Consider(int i)
        {
            // A rule filed under groups is visited once per shared group; count it once.
            if (Overflow is not null ? Overflow.Contains(i) : ((ReadOnlySpan<int>)Buffer)[..Count].Contains(i)) return;
            var g = engine._guardrails[i];
            var mismatch = g.When.FirstMismatch(request);
            trace?.Add(new TraceEntry("guardrail", g.Name, mismatch is null,
                mismatch is null ? $"applies: max {g.MaxSessionSeconds}s, idle {g.IdleTimeoutSeconds}s, outcome {g.Outcome}" : $"{mismatch} does not match"));
            if (mismatch is null) Apply(g, i);
        }

        private void Apply(GuardrailRule g, int i)
        {
            Add(i);
            if (g.MaxSessionSeconds > 0 && (Max == 0 || g.MaxSessionSeconds < Max)) Max = g.MaxSessionSeconds;
            if (g.IdleTimeoutSeconds > 0 && (Idle == 0 || g.IdleTimeoutSeconds < Idle)) Idle = g.IdleTimeoutSeconds;
            if (g.Outcome > Outcome) Outcome = g.Outcome;
        }

        private void Add(int i)
        {
            if (Overflow is null && Count < MatchBuffer.Length)
            {
                Buffer[Count++] = i;
                return;
            }
            Overflow ??= [.. ((ReadOnlySpan<int>)Buffer)[..Count]];
            Overflow.Add(i);
            Count++;
        }
    }

    [System.Runtime.CompilerServices.InlineArray(Length)]
    private struct MatchBuffer
    {
        public const int Length = 16;
        private int _first;
    }
}
