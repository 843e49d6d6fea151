using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Sessions.Stores;
using SessionPolicy.Server.Tests.Helpers;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>IssueSession never hands out, nor silently drops, credentials that could not be registered.</summary>
public sealed class IssueWithoutStoreTests : IDisposable
{
    private readonly string _audit = Path.Combine(Path.GetTempPath(), $"audit-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_audit);

    [Fact]
    public async Task RedisDown_IsUnavailable_AndNothingIsMinted()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bed = await StartAsync(settings: redis.SharedSettings());
        await bed.Client.IssueSessionAsync(Request());
        await redis.StopAsync();

        var ex = await Assert.ThrowsAsync<RpcException>(() => bed.Client.IssueSessionAsync(Request(principal: "etl-hourly")).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("shared store", ex.Status.Detail);
        Assert.Single(bed.Sts.Calls);
    }

    [Fact]
    public async Task RegistrationFailingAfterSts_IsUnavailable_WithoutCredentials_AndAudited()
    {
        // The store fails between the check and the write (fault injected at the store's edge).
        var bed = await StartAsync(settings: new Dictionary<string, string?> { ["SessionPolicy:Audit:Path"] = _audit },
            services: s => s.Replace(ServiceDescriptor.Singleton<ISessionStore>(sp => new FailingAdds(ActivatorUtilities.CreateInstance<InMemorySessionStore>(sp)))));
        RpcException ex;
        await using (bed)
        {
            ex = await Assert.ThrowsAsync<RpcException>(() => bed.Client.IssueSessionAsync(Request()).ResponseAsync);
            Assert.Single(bed.Sts.Calls);
        }
        var records = (await File.ReadAllLinesAsync(_audit)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var unregistered = Assert.Single(records, r => r.GetProperty("type").GetString() == "session.unregistered");

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains("were not handed out", ex.Status.Detail);
        Assert.Equal("etl-nightly", unregistered.GetProperty("principal").GetString());
        Assert.Single(unregistered.GetProperty("sessions").EnumerateArray());
        Assert.DoesNotContain(records, r => r.GetProperty("type").GetString() == "session.issued");
    }

    /// <summary>A store whose adds fail as Redis's do when it stops answering; everything else is the in-memory store's.</summary>
    private sealed class FailingAdds(ISessionStore inner) : ISessionStore
    {
        public ValueTask CheckWritableAsync(CancellationToken cancellationToken) => inner.CheckWritableAsync(cancellationToken);
        public ValueTask<bool> AddAsync(SessionRecord session, CancellationToken cancellationToken) =>
            throw new SharedStoreUnavailableException("register the session", new TimeoutException());
        public ValueTask<SessionRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);
        public ValueTask<IReadOnlyList<SessionRecord>> ListAsync(SessionFilter filter, string afterId, int max, CancellationToken cancellationToken) => inner.ListAsync(filter, afterId, max, cancellationToken);
        public ValueTask<IReadOnlyList<string>> ActiveIdsAsync(string? principalId, CancellationToken cancellationToken) => inner.ActiveIdsAsync(principalId, cancellationToken);
        public ValueTask<long> ActiveCountAsync(CancellationToken cancellationToken) => inner.ActiveCountAsync(cancellationToken);
        public ValueTask<SessionRecord?> TouchAsync(string id, DateTimeOffset at, CancellationToken cancellationToken) => inner.TouchAsync(id, at, cancellationToken);
        public ValueTask ReviseAsync(string id, DateTimeOffset expiresAt, int idleTimeoutSeconds, CancellationToken cancellationToken) => inner.ReviseAsync(id, expiresAt, idleTimeoutSeconds, cancellationToken);
        public ValueTask<EndResult> EndAsync(EndRequest request, CancellationToken cancellationToken) => inner.EndAsync(request, cancellationToken);
        public ValueTask<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken) => inner.DueAsync(now, max, cancellationToken);
        public ValueTask<LogPage> ReadAsync(string? afterCursor, int max, CancellationToken cancellationToken) => inner.ReadAsync(afterCursor, max, cancellationToken);
        public ValueTask<string?> LatestCursorAsync(CancellationToken cancellationToken) => inner.LatestCursorAsync(cancellationToken);
        public int CompareCursors(string a, string b) => inner.CompareCursors(a, b);
        public event Action? Appended { add => inner.Appended += value; remove => inner.Appended -= value; }
    }
}
