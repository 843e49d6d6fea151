using Google.Protobuf;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Server.Policies;
using SessionPolicy.V1;
using SessionPolicy.V1.Mapping;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// Decides through the in-process cache: a hit returns the stored decision (same decision id, source
/// LOCAL_CACHE); a miss evaluates with the current policy and stores the result.
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

    /// <summary>
    /// Decides a validated request that arrived as <paramref name="encoded"/>: from the cache when an
    /// equal request (same normalised input) was decided under the current policy, otherwise by
    /// evaluation, stored for the next time. Explained decisions are always evaluated and never stored.
    /// </summary>
    public Decision Decide(SessionRequest request, bool explain, ReadOnlySpan<byte> encoded)
    {
        var snapshot = _store.Current;
        if (explain) return Evaluate(snapshot, request, explain: true);

        var key = DecisionKey.For(snapshot.Version, request);
        if (_cache.TryGet(key, encoded, out var cached)) return cached.Decision;

        var decision = Evaluate(snapshot, request, explain: false);
        var stored = decision.Clone();
        stored.Source = DecisionSource.LocalCache;
        _cache.Set(key, encoded, new CachedDecision(stored, new DecideResponse { Decision = stored }.ToByteArray()));
        return decision;
    }

    private Decision Evaluate(PolicySnapshot snapshot, SessionRequest request, bool explain)
    {
        var result = snapshot.Engine.Evaluate(request, explain);
        var now = _time.GetUtcNow();
        return DecisionMapper.ToProto(result, Guid.CreateVersion7(now).ToString("N"), now, DecisionSource.Computed);
    }
}
