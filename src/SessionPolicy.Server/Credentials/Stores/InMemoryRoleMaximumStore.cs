using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace SessionPolicy.Server.Credentials.Stores;

/// <summary>Role maximums in this process, each until its retention ends (on the injected clock).</summary>
internal sealed class InMemoryRoleMaximumStore(TimeProvider time, IOptions<StsOptions> options) : IRoleMaximumStore
{
    private readonly ConcurrentDictionary<string, (int Seconds, DateTimeOffset Until)> _known = new(StringComparer.Ordinal);

    public TimeSpan Retention { get; } = options.Value.RoleMaximumRetention;

    public ValueTask<int?> GetAsync(string roleArn) => ValueTask.FromResult(Get(roleArn));

    public ValueTask RememberAsync(string roleArn, int seconds)
    {
        Remember(roleArn, seconds, Retention);
        return ValueTask.CompletedTask;
    }

    public int? Get(string roleArn)
    {
        if (!_known.TryGetValue(roleArn, out var known)) return null;
        if (known.Until > time.GetUtcNow()) return known.Seconds;
        _known.TryRemove(new(roleArn, known));
        return null;
    }

    /// <summary>Remembers for <paramref name="retention"/> from now (what another replica's entry has left, when learned from it).</summary>
    public void Remember(string roleArn, int seconds, TimeSpan retention) => _known[roleArn] = (seconds, time.GetUtcNow() + retention);
}
