using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Redis;
using SessionPolicy.Server.Sessions;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using StackExchange.Redis;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>
/// An ending whose event could not reach the log (its node refuses the write) stays ended, and the sweep logs it
/// once the log takes writes again (a real redis-server, whose ACL refuses the log's keys to the service).
/// </summary>
public sealed class PendingEndingTests
{
    [Fact]
    public async Task LogRefusingWrites_TheLogoutIsUnavailableButTheSessionEnded_AndTheSweepLogsItOnceLater()
    {
        await using var redis = await RedisServer.StartAsync();
        var settings = redis.SharedSettings();
        var prefix = settings["SessionPolicy:Redis:KeyPrefix"]!;
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var server = admin.GetServer(redis.Configuration);
        // Reads of every key; reads and writes of every key but the log's ({log}: the stream, its epoch, its markers).
        await server.ExecuteAsync("ACL", "SETUSER", "service", "on", ">secret", "resetkeys", "%R~*",
            $"~{prefix}{{s:*", $"~{prefix}{{p:*", $"~{prefix}layout", $"~{prefix}sweepers", "&*", "+@all");
        settings["SessionPolicy:Redis:Configuration"] = redis.Configuration + ",user=service,password=secret";
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new PolicyServiceFactory(clock: clock, settings: settings);
        var events = Client(factory);
        var id = (await events.RegisterSessionAsync(Register("pat"))).Session.SessionId;

        var refused = await Assert.ThrowsAsync<RpcException>(() => events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = id, Actor = "secops" }).ResponseAsync);
        var afterRefusal = await events.RecordActivityAsync(Activity(id));
        await server.ExecuteAsync("ACL", "SETUSER", "service", "~*");
        await using var stream = await LogoutStream.OpenAsync(factory.Channel, ["app-a"]);
        clock.Advance(TimeSpan.FromMinutes(1));
        var logged = (await stream.NextEventAsync()).Event;
        await factory.Services.GetRequiredService<SessionLifecycle>().SweepAsync(CancellationToken.None);
        var keys = new RedisKeys(prefix);

        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Equal(SessionState.Ended, afterRefusal.State);
        Assert.Equal([id], logged.SessionIds);
        Assert.Equal(LogoutReason.Admin, logged.Reason);
        Assert.Equal("secops", logged.Actor);
        Assert.Equal(1, await admin.GetDatabase().StreamLengthAsync(keys.LogoutLog));
        Assert.Equal(0, await admin.GetDatabase().HashLengthAsync(keys.Outbox(RedisKeys.PartitionOf(id))));
    }
}
