using Grpc.Core;
using Grpc.Net.Client;
using SessionPolicy.Server.Security;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>Every RPC that needs a permission, with that permission, and a way to call each one with a valid request.</summary>
public static class EveryRpc
{
    public static readonly string[] Permissions = ["decide", "issue", "subscribe", "register", "admin"];

    public static TheoryData<string, string> WithPermission => new()
    {
        { "Decide", "decide" }, { "DecideBatch", "decide" }, { "GetPolicyInfo", "decide" }, { "IssueSession", "issue" },
        { "SubscribeLogouts", "subscribe" }, { "RegisterSession", "register" }, { "RecordActivity", "register" },
        { "ForceLogout", "admin" }, { "ListSessions", "admin" }, { "ReportSignal", "admin" }, { "ListReceivers", "admin" },
    };

    /// <summary>Calls <paramref name="rpc"/>; a subscription must deliver its first message (the keepalive) to count.</summary>
    public static Task Call(GrpcChannel channel, string rpc, Metadata? headers = null)
    {
        headers ??= [];
        var policy = new SessionPolicyService.SessionPolicyServiceClient(channel);
        var credentials = new SessionCredentialsService.SessionCredentialsServiceClient(channel);
        var events = new SessionEventsService.SessionEventsServiceClient(channel);
        return rpc switch
        {
            "Decide" => policy.DecideAsync(Sample.Human(), headers).ResponseAsync,
            "DecideBatch" => policy.DecideBatchAsync(new DecideBatchRequest { Requests = { Sample.Human() } }, headers).ResponseAsync,
            "GetPolicyInfo" => policy.GetPolicyInfoAsync(new GetPolicyInfoRequest(), headers).ResponseAsync,
            "IssueSession" => credentials.IssueSessionAsync(StsTestBed.Request(), headers).ResponseAsync,
            "RegisterSession" => events.RegisterSessionAsync(Sessions.Register(), headers).ResponseAsync,
            "RecordActivity" => events.RecordActivityAsync(Sessions.Activity("s1"), headers).ResponseAsync,
            "ForceLogout" => events.ForceLogoutAsync(new ForceLogoutRequest { PrincipalId = "alice" }, headers).ResponseAsync,
            "ListSessions" => events.ListSessionsAsync(new ListSessionsRequest(), headers).ResponseAsync,
            "ReportSignal" => events.ReportSignalAsync(new ReportSignalRequest { PrincipalId = "alice", RiskScore = 1 }, headers).ResponseAsync,
            "ListReceivers" => new SessionReceiversService.SessionReceiversServiceClient(channel).ListReceiversAsync(new ListReceiversRequest(), headers).ResponseAsync,
            "SubscribeLogouts" => Subscribe(events, headers),
            _ => throw new ArgumentOutOfRangeException(nameof(rpc), rpc, "not an RPC of the service"),
        };
    }

    /// <summary>The status <see cref="Call"/> ends with.</summary>
    public static async Task<Status> StatusOf(GrpcChannel channel, string rpc, Metadata? headers = null)
    {
        try
        {
            await Call(channel, rpc, headers);
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    private static async Task Subscribe(SessionEventsService.SessionEventsServiceClient events, Metadata headers)
    {
        using var call = events.SubscribeLogouts(new SubscribeLogoutsRequest { Audiences = { "app-a" } }, headers);
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
    }
}
