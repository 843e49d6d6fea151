using Grpc.Core;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class ValidationTests : IDisposable
{
    private readonly PolicyServiceFactory _factory = new();
    private SessionPolicyService.SessionPolicyServiceClient Client => new(_factory.Channel);

    public void Dispose() => _factory.Dispose();

    public static TheoryData<string, Action<DecideRequest>> BadRequests => new()
    {
        { "principal", r => r.Principal = null },
        { "principal.id", r => r.Principal.Id = "" },
        { "principal.id", r => r.Principal.Id = new string('a', 257) },
        { "principal.id", r => r.Principal.Id = "alice\nbob" },
        { "principal.type", r => r.Principal.Type = PrincipalType.Unspecified },
        { "principal.type", r => r.Principal.Type = (PrincipalType)42 },
        { "principal.groups", r => r.Principal.Groups.Add(Enumerable.Range(0, 257).Select(i => $"g{i}")) },
        { "principal.groups[1]", r => r.Principal.Groups.Add(["ok", ""]) },
        { "principal.attributes[]", r => r.Principal.Attributes.Add("", "x") },
        { "principal.attributes[k]", r => r.Principal.Attributes.Add("k", new string('v', 257)) },
        { "principal.account_id", r => r.Principal.AccountId = "12345" },
        { "role", r => r.Role = null },
        { "role.arn", r => r.Role.Arn = "" },
        { "role.arn", r => r.Role.Arn = "not-an-arn" },
        { "role.arn", r => r.Role.Arn = "arn:aws:s3:::my-bucket" },
        { "role.arn", r => r.Role.Arn = "arn:aws:iam::123456789012:user/bob" },
        { "role.arn", r => r.Role.Arn = "arn:aws:iam::1234:role/Admin" },
        { "role.arn", r => r.Role.Arn = "arn:aws:iam::123456789012:role/" },
        { "role.arn", r => r.Role.Arn = "arn:aws:iam::123456789012:role/" + new string('r', 3000) },
        { "role.tags", r => r.Role.Tags.Add(Enumerable.Range(0, 51).ToDictionary(i => $"t{i}", i => "v")) },
        { "role.max_session_seconds", r => r.Role.MaxSessionSeconds = 3599 },
        { "role.max_session_seconds", r => r.Role.MaxSessionSeconds = 43201 },
        { "role.max_session_seconds", r => r.Role.MaxSessionSeconds = -1 },
        { "context.environment", r => r.Context.Environment = new string('e', 65) },
        { "context.source_ip", r => r.Context.SourceIp = "10.0.0.300" },
        { "context.source_ip", r => r.Context.SourceIp = "somewhere" },
        { "context.channel", r => r.Context.Channel = Channel.Unspecified },
        { "context.channel", r => r.Context.Channel = (Channel)99 },
        { "context.assurance_level", r => r.Context.AssuranceLevel = AssuranceLevel.Unspecified },
        { "context.device_trust", r => r.Context.DeviceTrust = (DeviceTrust)7 },
        { "context.risk_score", r => r.Context.RiskScore = -1 },
        { "context.risk_score", r => r.Context.RiskScore = 101 },
        { "context.risk_score", r => r.Context.RiskScore = int.MaxValue },
        { "context.requested_duration_seconds", r => r.Context.RequestedDurationSeconds = -5 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Decide_BadField_IsInvalidArgumentNamingTheField(string field, Action<DecideRequest> spoil)
    {
        var request = Sample.Human();
        spoil(request);

        await RpcAssert.InvalidArgumentAsync(() => Client.DecideAsync(request).ResponseAsync, field);
    }

    [Fact]
    public async Task Decide_SeveralBadFields_ReportsEveryOne()
    {
        var request = Sample.Human();
        request.Principal.Id = "";
        request.Role.Arn = "nope";
        request.Context.RiskScore = 500;

        var badRequest = await RpcAssert.InvalidArgumentAsync(() => Client.DecideAsync(request).ResponseAsync, "principal.id");

        Assert.Equal(["principal.id", "role.arn", "context.risk_score"], badRequest.FieldViolations.Select(v => v.Field));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    public async Task Decide_RiskScoreAtBounds_IsAccepted(int risk)
    {
        var request = Sample.Human();
        request.Context.RiskScore = risk;

        var d = (await Client.DecideAsync(request)).Decision;

        Assert.NotEqual(Outcome.Unspecified, d.Outcome);
    }

    [Fact]
    public async Task Decide_NoContext_IsAcceptedAndReadAsTheMostRestrictiveEnvironment()
    {
        var request = Sample.Service();
        request.Context = null;

        var d = (await Client.DecideAsync(request)).Decision;

        Assert.Equal(("production-automation", 3600), (d.Profile, d.MaxSessionSeconds));
    }

    [Fact]
    public async Task Decide_PrincipalAccountDiffersFromRole_IsCrossAccount()
    {
        var request = Sample.Service();
        request.Principal.AccountId = "210987654321";

        var d = (await Client.DecideAsync(request)).Decision;

        Assert.Contains(d.Guardrails, g => g.Name == "cross-account");
        Assert.Equal(3600, d.MaxSessionSeconds);
    }

    [Fact]
    public async Task Decide_BytesThatAreNotADecideRequest_AreInvalidArgument()
    {
        var raw = new Method<byte[], byte[]>(MethodType.Unary, "sessionpolicy.v1.SessionPolicyService", "Decide",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));
        var invoker = _factory.Channel.CreateCallInvoker();

        var ex = await Assert.ThrowsAsync<RpcException>(() => invoker.AsyncUnaryCall(raw, null, new CallOptions(), [0x0a, 0xff, 0xff, 0xff]).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.Contains("DecideRequest", ex.Status.Detail);
    }

    [Fact]
    public async Task Decide_RejectedRequest_DoesNotDisturbLaterDecisions()
    {
        var bad = Sample.Human();
        bad.Principal.Type = PrincipalType.Unspecified;
        await Assert.ThrowsAsync<RpcException>(() => Client.DecideAsync(bad).ResponseAsync);

        var d = (await Client.DecideAsync(Sample.Human())).Decision;

        Assert.Equal("workforce-human", d.Profile);
    }
}
