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
        // The key carries the version, so stale entries are never hit; clearing frees them at once.
        store.Changed += _ => cache.Clear();
    }

    public Decision Decide(SessionRequest request, bool explain)
    {
        var snapshot = _store.Current;
        if (explain) return Compute(snapshot, request, explain: true);

        var key = DecisionKey.For(snapshot.Version, request);
        if (_cache.TryGet(key, out var cached)) return cached;

        var decision = Compute(snapshot, request, explain: false);
        var stored = decision.Clone();
        stored.Source = DecisionSource.LocalCache;
        _cache.Set(key, stored);
        return decision;
    }

    private Decision Compute(PolicySnapshot snapshot, SessionRequest request, bool explain)
    {
        var result = snapshot.Engine.Evaluate(request, explain);
        var now = _time.GetUtcNow();
        return DecisionMapper.ToProto(result, Guid.CreateVersion7(now).ToString("N"), now, DecisionSource.Computed);
    }
}
