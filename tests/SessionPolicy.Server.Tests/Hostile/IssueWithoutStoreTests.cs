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
    private sealed class FailingAdds(ISessionStore inner) : DelegatingSessionStore(inner)
    {
        public override ValueTask<bool> AddAsync(SessionRecord session, CancellationToken cancellationToken) =>
            throw new SharedStoreUnavailableException("register the session", new TimeoutException());
    }
}
