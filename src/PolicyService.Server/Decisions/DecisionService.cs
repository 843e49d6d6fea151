using Google.Protobuf;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Server.Policies;
using SessionPolicy.V1;
using SessionPolicy.V1.Mapping;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// Decides through the in-process cache: a hit returns the stored decision (same decision id, source
/// LOCAL_CACHE); a miss evaluates with the current policy and stores the result. Explained decisions are
/// always evaluated and never stored.
/// </summary>
internal sealed class DecisionService
{
    private readonly PolicyStore _store;
    private readonly DecisionCache _cache;
    private readonly TimeProvider _time;

    public DecisionService(PolicyStore store, DecisionCache cache, TimeProvider time)
    {
        _store = store;
        _cache = cache;
        _time = time;
        // Entries carry their policy version, so stale ones are never served; clearing frees them at once.
        store.Changed += _ => cache.Clear();
    }

    /// <summary>The cached decision for a request (by its protobuf bytes) already decided under the current policy.</summary>
    public bool TryGetCached(ReadOnlySpan<byte> key, out CachedDecision cached) => _cache.TryGet(key, _store.Current.Version, out cached);

    /// <summary>Evaluates <paramref name="request"/>; unless explained, stores the decision under <paramref name="key"/>.</summary>
    public Decision Decide(SessionRequest request, bool explain, ReadOnlySpan<byte> key)
    {
        var snapshot = _store.Current;
        var result = snapshot.Engine.Evaluate(request, explain);
        var now = _time.GetUtcNow();
        var decision = DecisionMapper.ToProto(result, Guid.CreateVersion7(now).ToString("N"), now, DecisionSource.Computed);
        if (explain) return decision;

        var stored = decision.Clone();
        stored.Source = DecisionSource.LocalCache;
        _cache.Set(key, new CachedDecision(stored, new DecideResponse { Decision = stored }.ToByteArray()));
        return decision;
    }
}
