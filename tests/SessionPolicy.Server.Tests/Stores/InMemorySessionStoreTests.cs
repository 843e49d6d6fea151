using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;

namespace SessionPolicy.Server.Tests.Stores;

/// <summary>The store contract against the embedded store.</summary>
public sealed class InMemorySessionStoreTests : SessionStoreContract
{
    private readonly FakeTimeProvider _clock = new(Now);
    private IOptions<SessionLifecycleOptions>? _options;

    private protected override Task<ISessionStore> CreateAsync(IOptions<SessionLifecycleOptions> options)
    {
        _options = options;
        return Task.FromResult<ISessionStore>(new InMemorySessionStore(options, _clock));
    }

    /// <summary>A restart of the replica: a new store, whose log begins again.</summary>
    private protected override Task<ISessionStore> AfterLosingTheLogAsync() =>
        Task.FromResult<ISessionStore>(new InMemorySessionStore(_options!, _clock));
}
