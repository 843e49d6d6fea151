using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using SessionPolicy.Server.Configuration;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Decisions;

/// <summary>
/// The in-process decision cache: bounded, entries expire after the configured time to live (read from
/// the injected clock), emptied whenever the policy changes. Holds only decisions, never credentials.
/// </summary>
internal sealed class DecisionCache(IOptions<DecisionCacheOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly int _maxEntries = options.Value.MaxEntries;
    private readonly long _ttlTicks = (long)(options.Value.TimeToLive.TotalSeconds * time.TimestampFrequency);

    private sealed record Entry(Decision Decision, long ExpiresAt);

    public int Count => _entries.Count;

    /// <summary>The cached decision for <paramref name="key"/>, unless it has expired.</summary>
    public bool TryGet(string key, out Decision decision)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            if (time.GetTimestamp() < entry.ExpiresAt)
            {
                decision = entry.Decision;
                return true;
            }
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        }
        decision = null!;
        return false;
    }

    /// <summary>Caches a decision; the caller must not change it afterwards.</summary>
    public void Set(string key, Decision decision)
    {
        if (_maxEntries == 0) return;
        if (_entries.Count >= _maxEntries) Evict();
        _entries[key] = new Entry(decision, time.GetTimestamp() + _ttlTicks);
    }

    public void Clear() => _entries.Clear();

    /// <summary>Drops expired entries, then, if still full, about a tenth of the rest.</summary>
    private void Evict()
    {
        var now = time.GetTimestamp();
        var excess = Math.Max(1, _maxEntries / 10);
        foreach (var pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now) _entries.TryRemove(pair);
        }
        foreach (var pair in _entries)
        {
            if (_entries.Count < _maxEntries - excess + 1) break;
            _entries.TryRemove(pair);
        }
    }
}
