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

    [Fact]
    public async Task CallerTokens_NeverReachLogsAuditRecordsOrErrors()
    {
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var otherKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var folder = Directory.CreateTempSubdirectory("caller-secrets-").FullName;
        var keyFile = Path.Combine(folder, "jwt.pem");
        var auditFile = Path.Combine(folder, "audit.jsonl");
        File.WriteAllText(keyFile, key.ExportSubjectPublicKeyInfoPem());
        string Token(System.Security.Cryptography.ECDsa signer, string[] permissions, int minutes = 5) =>
            Helpers.TestTokens.Create(signer, "gateway-1", permissions, expires: DateTime.UtcNow.AddMinutes(minutes));
        string[] tokens = [Token(key, ["issue", "admin"]), Token(key, ["decide"]), Token(otherKey, ["issue"]), Token(key, ["issue"], minutes: -5)];
        var errors = new List<string>();
        try
        {
            await using (var bed = await StartAsync(settings: new Dictionary<string, string?>
            {
                ["SessionPolicy:Auth:Issuer"] = "https://idp.test",
                ["SessionPolicy:Auth:Audience"] = "session-policy",
                ["SessionPolicy:Auth:SigningKeyFiles:0"] = keyFile,
                ["SessionPolicy:Audit:Path"] = auditFile,
                ["SessionPolicy:Audit:DecisionSampleRate"] = "1",
            }))
            {
                var events = new SessionEventsService.SessionEventsServiceClient(bed.Server.Channel);
                foreach (var token in tokens)
                {
                    var headers = new Metadata { { "authorization", $"Bearer {token}" } };
                    try
                    {
                        var issued = await bed.Client.IssueSessionAsync(Request(), headers);
                        await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = issued.SessionId, Actor = "secops" }, headers);
                    }
                    catch (RpcException e)
                    {
                        errors.Add(e.Status.Detail);
                    }
                }
                var logs = bed.Logs.GetSnapshot();
                errors.Add(string.Join("\n", logs.Select(r => $"{r.Message} {r.Exception} {string.Join(",", r.StructuredState ?? [])}")));
            }
            var audit = await File.ReadAllTextAsync(auditFile);

            Assert.Equal(3, errors.Count - 1);
            Assert.Contains("\"type\":\"access.denied\"", audit);
            Assert.Contains("\"caller\":\"gateway-1\"", audit);
            foreach (var token in tokens)
            {
                // The signature alone is secret enough: no part of a token may appear.
                var signature = token[(token.LastIndexOf('.') + 1)..];
                Assert.DoesNotContain(signature, audit);
                Assert.All(errors, e => Assert.DoesNotContain(signature, e));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
