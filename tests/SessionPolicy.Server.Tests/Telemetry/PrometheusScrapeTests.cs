using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.Server.Tests.Receivers;
using SessionPolicy.StsEndpoint;
using SessionPolicy.V1;
using YamlDotNet.RepresentationModel;
using static SessionPolicy.Server.Tests.Helpers.Sessions;

namespace SessionPolicy.Server.Tests.Telemetry;

/// <summary>
/// A real Prometheus scrapes the service's <c>/metrics</c> on the HTTP port after a scripted scenario (decisions, sessions
/// ended by an admin and by the idle timeout, a subscriber and an OIDC receiver hearing of it, another never reached, Session Manager sessions over
/// the limit terminated, a drifted region, the shared store lost), and every query of the Grafana dashboard and every alert
/// rule (its expression without the threshold) returns data.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed partial class PrometheusScrapeTests
{
    private const string Job = "session-policy";

    /// <summary>The dashboard's queries, with Grafana's variables as Prometheus would see them for this job.</summary>
    private static IEnumerable<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(ServerProcess.RepoRoot(), "deploy/grafana/session-policy.json")));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            if (!panel.TryGetProperty("targets", out var targets)) continue;
            foreach (var target in targets.EnumerateArray())
            {
                yield return target.GetProperty("expr").GetString()!.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$job", Job, StringComparison.Ordinal);
            }
        }
    }

    /// <summary>Each alert's expression without its final comparison: what the alert watches.</summary>
    private static IEnumerable<(string Alert, string Query)> AlertQueries()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(ServerProcess.RepoRoot(), "deploy/prometheus/session-policy-rules.yml"))));
        var groups = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"];
        foreach (var group in groups.Cast<YamlMappingNode>())
        {
            foreach (var rule in ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            {
                yield return (rule["alert"].ToString(), Threshold().Replace(rule["expr"].ToString().Trim(), ""));
            }
        }
    }

    [GeneratedRegex(@"\s*(>|<|==|!=|>=|<=)\s*-?[0-9.]+\s*$")]
    private static partial Regex Threshold();

    [Fact]
    public async Task EveryDashboardAndAlertQuery_ReturnsData_AfterAScriptedScenario()
    {
        await using var redis = await RedisServer.StartAsync();
        var keyFile = Path.Combine(Path.GetTempPath(), $"scrape-{Guid.NewGuid():N}.pem");
        BackChannelDeliveryTests.WriteKey(keyFile);
        SsmBed? bedRef = null;
        await using var rp = await RelyingParty.StartAsync(() => bedRef!.Sts.Server.Services.GetRequiredService<global::SessionPolicy.Server.Security.SigningKeys>().Jwks, BackChannelDeliveryTests.Issuer);
        var settings = BackChannelDeliveryTests.Settings(keyFile, rp);
        foreach (var (k, v) in redis.SharedSettings()) settings[k] = v;
        // A second relying party that is never there: its deliveries keep failing.
        settings["SessionPolicy:Receivers:List:1:Name"] = "gone";
        settings["SessionPolicy:Receivers:List:1:Kind"] = "oidc-backchannel";
        settings["SessionPolicy:Receivers:List:1:Url"] = "http://127.0.0.1:9/logout";
        settings["SessionPolicy:Receivers:List:1:Audiences:0"] = "app-a";
        settings["SessionPolicy:Http:Url"] = "http://127.0.0.1:0";
        settings["SessionPolicy:Metrics:Prometheus"] = "true";
        await using var bed = await SsmBed.StartAsync(settings, SsmBed.FourHourPolicy.Replace("max_session: 4h", "max_session: 8h", StringComparison.Ordinal), prepare: ssm =>
        {
            ssm.AddSession("eu-west-1", new SsmSession("alice-1", "i-01", "arn:aws:iam::123456789012:user/alice", DateTimeOffset.UtcNow.AddMinutes(-5)));
            ssm.AddSession("eu-west-1", new SsmSession("bob-1", "i-02", "arn:aws:iam::123456789012:user/bob", DateTimeOffset.UtcNow.AddHours(-9)));
        });
        bedRef = bed;
        var server = bed.Sts.Server;
        var http = server.HttpPort;
        await using var prometheus = await PrometheusServer.StartAsync($"{http.Host}:{http.Port}", Job);

        // Decisions, once computed and once from the cache.
        var decisions = new SessionPolicyService.SessionPolicyServiceClient(server.Channel);
        await decisions.DecideAsync(Sample.Human(environment: "production"));
        await decisions.DecideAsync(Sample.Human(environment: "production"));
        // A session forced out: a subscriber and the relying party hear of it.
        var events = Client(server);
        await using (var stream = await LogoutStream.OpenAsync(server.Channel, ["app-a"]))
        {
            var forced = (await events.RegisterSessionAsync(Register("carol"))).Session.SessionId;
            await events.ForceLogoutAsync(new ForceLogoutRequest { SessionId = forced });
            await stream.NextEventAsync();
            await rp.TakenForAsync("carol");
        }
        // A session left idle past its timeout, ended by the sweeper.
        var idle = (await events.RegisterSessionAsync(Register("dave"))).Session.SessionId;
        // Session Manager: bob's 9 h session is over the 8 h maximum and terminated; then us-east-1 drifts.
        await bed.FirstRoundAsync();
        await bed.SessionsRoundAsync(TimeSpan.FromSeconds(30));
        await Until.TrueAsync(() => Task.FromResult(bed.Ssm.Session("eu-west-1", "bob-1")!.Status == "Terminated"), "bob's session terminated");
        bed.Ssm.EditDocument("us-east-1", SsmBed.Document, bed.Ssm.Document("us-east-1", SsmBed.Document)!.Replace("\"idleSessionTimeout\": \"30\"", "\"idleSessionTimeout\": \"5\"", StringComparison.Ordinal));
        await bed.RoundAsync(TimeSpan.FromMinutes(31));
        await Until.TrueAsync(async () =>
        {
            bed.Clock.Advance(TimeSpan.FromSeconds(30));
            return (await events.ListSessionsAsync(new ListSessionsRequest { PrincipalId = "dave", State = SessionState.Active })).Sessions.All(s => s.SessionId != idle);
        }, "dave's idle session ended");
        // The shared store lost: the next new decision is made without it.
        await redis.StopAsync();
        await decisions.DecideAsync(Sample.Human(id: "erin", environment: "production"));

        // The last step scraped twice (a rate needs two samples), so what came before is in too.
        try
        {
            await Until.TrueAsync(async () => await prometheus.SeriesAsync("count_over_time(sessionpolicy_decisions_degraded_total[1m]) >= 2") > 0, "the degraded decision scraped twice");
        }
        catch (Xunit.Sdk.FailException e)
        {
            Assert.Fail(e.Message + "; scraped: " + await prometheus.NamesAsync("sessionpolicy_"));
        }
        var missing = new List<string>();
        foreach (var query in DashboardQueries().Concat(AlertQueries().Select(a => a.Query)).Distinct())
        {
            if (await prometheus.SeriesAsync(query) == 0) missing.Add(query);
        }
        File.Delete(keyFile);

        Assert.True(missing.Count == 0, "queries without data:\n" + string.Join("\n", missing));
        Assert.Equal(25, DashboardQueries().Count());
        Assert.Equal(11, AlertQueries().Count());
    }
}
