using System.Net;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Decisions;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Credentials;

/// <summary>Credentials never reach a log line, a cache entry or an error message.</summary>
public sealed class SecretsTests
{
    [Fact]
    public async Task IssuedAndFailedSessions_LeaveNoSecretInLogsCachesOrErrors()
    {
        await using var bed = await StartAsync();
        var secrets = new List<string> { SecretAccessKey };
        var errors = new List<string>();

        for (var i = 0; i < 3; i++)
        {
            var request = Request(principal: $"etl-{i}");
            request.Explain = i == 1;
            var response = await bed.Client.IssueSessionAsync(request);
            secrets.Add(response.Credentials.SecretAccessKey);
            secrets.Add(response.Credentials.SessionToken);
        }
        await bed.Client.IssueSessionAsync(Request(ShortRole)); // learns and retries
        bed.Sts.FailNext(new StsError(HttpStatusCode.BadRequest, "Throttling", "Rate exceeded"), times: 2);
        errors.Add((await Assert.ThrowsAsync<RpcException>(() => bed.Client.IssueSessionAsync(Request()).ResponseAsync)).Status.Detail);
        errors.Add((await Assert.ThrowsAsync<RpcException>(() => bed.Client.IssueSessionAsync(Request($"arn:aws:iam::{Account}:role/Nobody")).ResponseAsync)).Status.Detail);

        var logs = bed.Logs.GetSnapshot();
        Assert.Contains(logs, r => r.Message.Contains("issued for etl-0", StringComparison.Ordinal));
        var logText = string.Join("\n", logs.Select(r => $"{r.Message} {r.Exception} {string.Join(",", r.StructuredState ?? [])}"));
        var cache = bed.Server.Services.GetRequiredService<DecisionCache>();
        var cached = string.Join("\n", cache.Entries().Select(e =>
            $"{e.Key} {e.Cached.Decision} {System.Text.Encoding.UTF8.GetString(e.Cached.EncodedResponse)}"));
        Assert.NotEmpty(cached);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, logText);
            Assert.DoesNotContain(secret, cached);
            Assert.All(errors, e => Assert.DoesNotContain(secret, e));
        }
    }
}
