using Google.Protobuf;
using SessionPolicy.Core.Evaluation;
using SessionPolicy.Server.Caching;
using SessionPolicy.Server.Internal;
using SessionPolicy.Server.Policies;
using SessionPolicy.V1;
using SessionPolicy.V1.Mapping;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// Decides through the caches: this replica's (L1), then, when Redis is configured, the one every replica
/// shares (L2), then the engine. A cached decision keeps its decision id and says where it came from.
/// With the shared store unreachable, decisions come from the local engine and cache, flagged degraded
/// and counted.
/// </summary>
internal sealed class DecisionService
{
    private readonly PolicyStore _store;
    private readonly DecisionCache _cache;
    private readonly SharedDecisionCache? _shared;
    private readonly DecisionMetrics _metrics;
    private readonly TimeProvider _time;

    public DecisionService(PolicyStore store, DecisionCache cache, DecisionMetrics metrics, TimeProvider time, SharedDecisionCache? shared = null)
    {
        _store = store;
        _cache = cache;
        _shared = shared;
        _metrics = metrics;
        _time = time;
        // Entries carry their policy version, so stale ones are never served; clearing frees them at once.
        store.Changed += _ => cache.Clear();
    }

    /// <summary>The cached decision for a request (by its protobuf bytes) already decided under the current policy.</summary>
    public bool TryGetCached(ReadOnlySpan<byte> encoded, out CachedDecision cached) => _cache.TryGet(encoded, _store.Current.Version, out cached);

    /// <summary>
    /// Decides a validated request that arrived as <paramref name="encoded"/>: from a cache when an equal
    /// request (same normalised input) was decided under the current policy, otherwise by evaluation,
    /// stored for the next time. Explained decisions are always evaluated and never stored.
    /// </summary>
    public async ValueTask<Decision> DecideAsync(SessionRequest request, bool explain, byte[] encoded, CancellationToken cancellationToken)
    {
        var snapshot = _store.Current;
        if (explain) return Evaluate(snapshot, request, explain: true, degraded: false);

        var key = DecisionKey.For(snapshot.Version, request);
        if (_cache.TryGet(key, encoded, out var cached)) return cached.Decision;

        var degraded = false;
        if (_shared is not null)
        {
            var (result, shared) = await _shared.TryGetAsync(key, cancellationToken);
            if (result == SharedLookup.Hit && shared is not null && shared.PolicyVersion == snapshot.Version)
            {
                shared.Source = DecisionSource.SharedCache;
                Remember(key, encoded, shared);
                return shared;
            }
            degraded = result == SharedLookup.Unavailable;
            if (degraded) _metrics.Degraded();
        }

        var decision = Evaluate(snapshot, request, explain: false, degraded);
        var stored = Remember(key, encoded, decision);
        if (_shared is not null && !degraded) await _shared.SetAsync(key, stored, cancellationToken);
        return decision;
    }

    /// <summary>Keeps a copy in this replica's cache, marked as coming from it.</summary>
    private Decision Remember(string key, byte[] encoded, Decision decision)
    {
        var stored = decision.Clone();
        stored.Source = DecisionSource.LocalCache;
        _cache.Set(key, encoded, new CachedDecision(stored, new DecideResponse { Decision = stored }.ToByteArray()));
        return stored;
    }

    private Decision Evaluate(PolicySnapshot snapshot, SessionRequest request, bool explain, bool degraded)
    {
        var result = snapshot.Engine.Evaluate(request, explain);
        var now = _time.GetUtcNow();
        var decision = DecisionMapper.ToProto(result, Guid.CreateVersion7(now).ToString("N"), now, DecisionSource.Computed);
        decision.Degraded = degraded;
        return decision;
    }
}
