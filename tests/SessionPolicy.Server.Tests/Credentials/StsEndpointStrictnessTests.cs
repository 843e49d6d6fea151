using System.Net;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using SessionPolicy.StsEndpoint;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Credentials;

/// <summary>The test endpoint refuses what real STS refuses, so a test that passes against it proves something.</summary>
public sealed class StsEndpointStrictnessTests : IAsyncLifetime
{
    private SessionPolicy.StsEndpoint.StsEndpoint _sts = null!;
    private AmazonSecurityTokenServiceClient _client = null!;

    public async Task InitializeAsync()
    {
        _sts = await SessionPolicy.StsEndpoint.StsEndpoint.StartAsync();
        _sts.AddCaller(new StsCaller(AccessKeyId, SecretAccessKey, ServiceUser)).AddRole(new StsRole(LongRole, 43200)).AddRole(new StsRole(ShortRole, 3600));
        _client = Client(SecretAccessKey);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _sts.DisposeAsync();
    }

    private AmazonSecurityTokenServiceClient Client(string secret, string? accessKey = null) =>
        new(new BasicAWSCredentials(accessKey ?? AccessKeyId, secret),
            new AmazonSecurityTokenServiceConfig { ServiceURL = _sts.Url.ToString(), AuthenticationRegion = "eu-west-1", MaxErrorRetry = 0 });

    /// <summary>A value the SDK's compile-time analyzers cannot see, so what it would flag is sent as it is.</summary>
    private static T Sent<T>(T value) => value;

    private static AssumeRoleRequest Valid() => new() { RoleArn = LongRole, RoleSessionName = "alice", DurationSeconds = 3600 };

    public static TheoryData<string, Action<AssumeRoleRequest>> Refused => new()
    {
        { "ValidationError", r => r.DurationSeconds = Sent(899) },
        { "ValidationError", r => r.DurationSeconds = Sent(43201) },
        { "ValidationError", r => r.RoleSessionName = Sent("a") },
        { "ValidationError", r => r.RoleSessionName = new string('a', 65) },
        { "ValidationError", r => r.RoleSessionName = Sent("alice smith") },
        { "ValidationError", r => r.SourceIdentity = Sent("aws:alice") },
        { "ValidationError", r => r.SourceIdentity = Sent("alice#1") },
        { "ValidationError", r => r.ExternalId = Sent("x") },
        { "ValidationError", r => r.Tags = [.. Enumerable.Range(0, 51).Select(i => new Tag { Key = $"k{i}", Value = "v" })] },
        { "ValidationError", r => r.Tags = [new Tag { Key = "Team", Value = "a" }, new Tag { Key = "team", Value = "b" }] },
        { "ValidationError", r => r.Tags = [new Tag { Key = "aws:team", Value = "a" }] },
        { "ValidationError", r => r.Tags = [new Tag { Key = new string('k', 129), Value = "a" }] },
        { "ValidationError", r => r.Tags = [new Tag { Key = "team", Value = new string('v', 257) }] },
        { "ValidationError", r => { r.Tags = [new Tag { Key = "team", Value = "a" }]; r.TransitiveTagKeys = ["project"]; } },
        { "ValidationError", r => r.PolicyArns = [.. Enumerable.Range(0, 11).Select(i => new PolicyDescriptorType { Arn = $"arn:aws:iam::aws:policy/P{i}" })] },
        { "ValidationError", r => r.Policy = "{" + new string(' ', 2048) + "}" },
        { "ValidationError", r => { r.RoleArn = ShortRole; r.DurationSeconds = 3601; } },
        { "MalformedPolicyDocument", r => r.Policy = "{ not json" },
        { "MalformedPolicyDocument", r => r.Policy = """{"Statement":[]}""" },
        { "AccessDenied", r => r.RoleArn = $"arn:aws:iam::{Account}:role/Unknown" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task AssumeRole_WhatStsRefuses_IsRefused(string code, Action<AssumeRoleRequest> spoil)
    {
        var request = Valid();
        spoil(request);

        var ex = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => _client.AssumeRoleAsync(request));

        Assert.Equal(code, ex.ErrorCode);
    }

    [Fact]
    public async Task AssumeRole_AtTheLimits_IsAccepted()
    {
        var request = Valid();
        request.DurationSeconds = 43200;
        request.RoleSessionName = new string('a', 64);
        request.Tags = [.. Enumerable.Range(0, 50).Select(i => new Tag { Key = $"k{i}", Value = "" })];
        request.TransitiveTagKeys = ["K0"];

        var response = await _client.AssumeRoleAsync(request);

        Assert.Equal(43200, _sts.Calls[^1].DurationSeconds);
        Assert.Equal($"arn:aws:sts::{Account}:assumed-role/Batch/{request.RoleSessionName}", response.AssumedRoleUser.Arn);
    }

    [Fact]
    public async Task AssumeRole_WrongSecret_IsSignatureDoesNotMatch()
    {
        using var client = Client("wrong-secret");

        var ex = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => client.AssumeRoleAsync(Valid()));

        Assert.Equal("SignatureDoesNotMatch", ex.ErrorCode);
        Assert.Empty(_sts.Calls);
    }

    [Fact]
    public async Task AssumeRole_UnknownAccessKey_IsInvalidClientTokenId()
    {
        using var client = Client(SecretAccessKey, accessKey: "AKIAUNKNOWN000000000");

        var ex = await Assert.ThrowsAnyAsync<AmazonSecurityTokenServiceException>(() => client.AssumeRoleAsync(Valid()));

        Assert.Equal("InvalidClientTokenId", ex.ErrorCode);
    }

    [Theory]
    [InlineData("Action=AssumeRole&Version=2011-06-15&RoleArn=x&RoleSessionName=alice", null, HttpStatusCode.Forbidden, "MissingAuthenticationToken")]
    [InlineData("Action=AssumeRole&Version=2011-06-15", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261125/eu-west-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "00000000000000000000000000000000000000000000000000000000000000aa", HttpStatusCode.BadRequest, "IncompleteSignature")]
    [InlineData("Action=AssumeRole&Version=2011-06-15", "Bearer token", HttpStatusCode.BadRequest, "IncompleteSignature")]
    public async Task RawRequest_NotProperlySigned_IsRefused(string body, string? authorization, HttpStatusCode status, string code)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, _sts.Url) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded") };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await http.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains($"<Code>{code}</Code>", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void Form_RepeatedOrUnknownParameters_AreRefused()
    {
        Assert.Equal("MalformedQueryString", Assert.Throws<StsError>(() => QueryForm.Parse("Action=AssumeRole&Action=GetCallerIdentity")).Code);
        var form = QueryForm.Parse("Action=AssumeRole&Tags.member.1.Key=a&Tags.member.3.Key=b");
        form.Optional("Action");
        form.Members("Tags", ".Key");
        Assert.Equal("InvalidParameterValue", Assert.Throws<StsError>(form.RejectUnread).Code);
    }
}
