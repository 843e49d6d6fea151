using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.EndToEnd;

/// <summary>The built server, started as a process on loopback, called over a real HTTP/2 connection.</summary>
public sealed class ServerProcessTests : IAsyncLifetime
{
    private ServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await ServerProcess.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Decide_OverHttp2_ReturnsTheEmbeddedDefaultDecision()
    {
        var client = new SessionPolicyService.SessionPolicyServiceClient(_server.Channel);

        var d = (await client.DecideAsync(Sample.Human(environment: "production"))).Decision;

        Assert.Equal(3600, d.MaxSessionSeconds);
        Assert.Equal("production-human", d.Profile);
        Assert.Contains("Policy loaded from embedded:default.yaml", _server.Output);
    }

    [Fact]
    public async Task Decide_BadRequest_IsInvalidArgumentOverTheWire()
    {
        var client = new SessionPolicyService.SessionPolicyServiceClient(_server.Channel);
        var request = Sample.Human();
        request.Role.Arn = "arn:aws:iam::123456789012:user/bob";

        await RpcAssert.InvalidArgumentAsync(() => client.DecideAsync(request).ResponseAsync, "role.arn");
    }

    [Theory]
    [InlineData("liveness")]
    [InlineData("readiness")]
    public async Task Health_LivenessAndReadiness_AreServing(string service)
    {
        var client = new global::Grpc.Health.V1.Health.HealthClient(_server.Channel);

        var response = await client.CheckAsync(new HealthCheckRequest { Service = service });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_ListsEveryServiceAndDescribesThem()
    {
        var client = new ServerReflection.ServerReflectionClient(_server.Channel);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.ResponseStream.MoveNext(CancellationToken.None);
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "sessionpolicy.v1.SessionPolicyService" });
        await call.ResponseStream.MoveNext(CancellationToken.None);
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto;
        await call.RequestStream.CompleteAsync();

        Assert.Contains("sessionpolicy.v1.SessionPolicyService", services);
        Assert.Contains("sessionpolicy.v1.SessionCredentialsService", services);
        Assert.Contains("sessionpolicy.v1.SessionEventsService", services);
        Assert.Contains("sessionpolicy.v1.SessionReceiversService", services);
        Assert.Contains("grpc.health.v1.Health", services);
        Assert.NotEmpty(files);
    }
}

public sealed class ServerProcessPolicyFileTests
{
    [Fact]
    public async Task Start_WithPolicyFileFromEnvironment_ServesIt()
    {
        var dir = Directory.CreateTempSubdirectory("policy-e2e-");
        var path = Path.Combine(dir.FullName, "policy.yaml");
        await File.WriteAllTextAsync(path, Sample.TwoHourPolicy);
        try
        {
            await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["SessionPolicy__Policy__Path"] = path });
            var client = new SessionPolicyService.SessionPolicyServiceClient(server.Channel);

            var info = await client.GetPolicyInfoAsync(new GetPolicyInfoRequest());
            var d = (await client.DecideAsync(Sample.Human())).Decision;

            Assert.Equal(path, info.Source);
            Assert.Equal(7200, d.MaxSessionSeconds);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Start_WithBrokenPolicyFile_ExitsWithTheErrors()
    {
        var dir = Directory.CreateTempSubdirectory("policy-e2e-");
        var path = Path.Combine(dir.FullName, "policy.yaml");
        await File.WriteAllTextAsync(path, "version: 1\ndefaults: { max_session: 1h, idle_timeout: whenever }\n");
        try
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => ServerProcess.StartAsync(new Dictionary<string, string> { ["SessionPolicy__Policy__Path"] = path }));

            Assert.Contains("exited before listening", ex.Message);
            Assert.Contains("defaults.idle_timeout", ex.Message);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task IssueSession_WithCredentialsFromTheEnvironment_IssuesAndLogsNoSecret()
    {
        await using var sts = await SessionPolicy.StsEndpoint.StsEndpoint.StartAsync();
        sts.AddCaller(new SessionPolicy.StsEndpoint.StsCaller(StsTestBed.AccessKeyId, StsTestBed.SecretAccessKey, StsTestBed.ServiceUser))
            .AddRole(new SessionPolicy.StsEndpoint.StsRole(StsTestBed.LongRole, 43200));
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            // The SDK's default credential chain reads these, as it would on any host.
            ["AWS_ACCESS_KEY_ID"] = StsTestBed.AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = StsTestBed.SecretAccessKey,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
            ["SessionPolicy__Sts__ServiceUrl"] = sts.Url.ToString(),
            ["SessionPolicy__Sts__Region"] = "eu-central-1",
            ["Logging__LogLevel__Default"] = "Debug",
        });
        var client = new SessionCredentialsService.SessionCredentialsServiceClient(server.Channel);

        var response = await client.IssueSessionAsync(StsTestBed.Request());

        Assert.Equal(43200, Assert.Single(sts.Calls).DurationSeconds);
        Assert.Equal("eu-central-1", sts.Calls[0].Region);
        Assert.NotEmpty(response.Credentials.SessionToken);
        var output = await server.OutputAfterAsync(l => l.Contains(response.SessionId, StringComparison.Ordinal));
        Assert.DoesNotContain(StsTestBed.SecretAccessKey, output);
        Assert.DoesNotContain(response.Credentials.SecretAccessKey, output);
        Assert.DoesNotContain(response.Credentials.SessionToken, output);
    }
}
