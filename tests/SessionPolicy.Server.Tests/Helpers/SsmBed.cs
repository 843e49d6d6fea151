using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Server.Ssm;
using SessionPolicy.StsEndpoint;

namespace SessionPolicy.Server.Tests.Helpers;

/// <summary>
/// The service in process with Session Manager governed, an SSM-compatible endpoint on loopback (SigV4 for service
/// <c>ssm</c>, SSM's document rules) serving two regions: eu-west-1 for production, us-east-1 for development. The
/// keeper checks on a fake clock; <see cref="RoundAsync"/> waits for its next round of checks.
/// </summary>
public sealed class SsmBed : IAsyncDisposable
{
    public const string Document = "SSM-SessionManagerRunShell";

    /// <summary>A policy of 4 h sessions, 30 min idle, for everyone in production and development (a test then tightens it).</summary>
    public const string FourHourPolicy = """
        version: 1
        environments:
          declared: { production: [prod], development: [dev] }
          undeclared: most_restrictive
          missing: most_restrictive
        defaults: { max_session: 4h, idle_timeout: 30m }
        """;

    /// <summary>Replaces the policy file with <paramref name="yaml"/> and has it loaded now.</summary>
    public async Task ReloadAsync(string yaml)
    {
        await File.WriteAllTextAsync(Sts.Server.PolicyPath!, yaml);
        Sts.Server.Services.GetRequiredService<Policies.PolicyStore>().Reload();
    }

    private SsmBed(SsmEndpoint ssm, StsTestBed sts, FakeTimeProvider clock)
    {
        Ssm = ssm;
        Sts = sts;
        Clock = clock;
    }

    public SsmEndpoint Ssm { get; }
    public StsTestBed Sts { get; }
    public FakeTimeProvider Clock { get; }
    public string AuditFile => Sts.Server.AuditFile;
    internal SsmFleet Fleet => Sts.Server.Services.GetRequiredService<SsmFleet>();
    internal SsmPreferencesKeeper Keeper => Sts.Server.Services.GetRequiredService<SsmPreferencesKeeper>();
    internal SsmSessionWatcher Watcher => Sts.Server.Services.GetRequiredService<SsmSessionWatcher>();

    /// <param name="prepare">What the SSM endpoint holds or will answer before the service first calls it.</param>
    /// <param name="services">Services added to the server (an exporter, say).</param>
    public static async Task<SsmBed> StartAsync(IDictionary<string, string?>? settings = null, string? policyYaml = null, Action<SsmEndpoint>? prepare = null,
        Action<IServiceCollection>? services = null)
    {
        var ssm = await SsmEndpoint.StartAsync();
        ssm.AddCaller(new StsCaller(StsTestBed.AccessKeyId, StsTestBed.SecretAccessKey, StsTestBed.ServiceUser));
        prepare?.Invoke(ssm);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var all = new Dictionary<string, string?>
        {
            ["SessionPolicy:Ssm:Enabled"] = "true",
            ["SessionPolicy:Ssm:Targets:0:Region"] = "eu-west-1",
            ["SessionPolicy:Ssm:Targets:0:Environment"] = "production",
            ["SessionPolicy:Ssm:Targets:0:ServiceUrl"] = ssm.Url.ToString(),
            ["SessionPolicy:Ssm:Targets:1:Region"] = "us-east-1",
            ["SessionPolicy:Ssm:Targets:1:Environment"] = "development",
            ["SessionPolicy:Ssm:Targets:1:ServiceUrl"] = ssm.Url.ToString(),
            ["SessionPolicy:Ssm:MaxErrorRetry"] = "1",
        };
        // "{ssm}" in a value is the SSM endpoint's URL.
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) all[k] = v?.Replace("{ssm}", ssm.Url.ToString(), StringComparison.Ordinal);
        try
        {
            var sts = await StsTestBed.StartAsync(settings: all, clock: clock, policyYaml: policyYaml, services: services);
            return new SsmBed(ssm, sts, clock);
        }
        catch
        {
            await ssm.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits until every region has been checked at least once.</summary>
    public Task FirstRoundAsync() => Until.TrueAsync(() => Task.FromResult(Fleet.Status.All(s => s.CheckedAt is not null)), "every region checked");

    /// <summary>Moves the clock past the interval and waits for the round of preference checks it starts.</summary>
    public Task RoundAsync(TimeSpan interval) => RoundAsync(interval, h => Keeper.Checked += h);

    /// <summary>Moves the clock past the interval and waits for the round of session listings it starts.</summary>
    public Task SessionsRoundAsync(TimeSpan interval) => RoundAsync(interval, h => Watcher.Checked += h);

    private async Task RoundAsync(TimeSpan interval, Action<Action> subscribe)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe(() => done.TrySetResult());
        // The keeper may not be waiting yet: keep moving the clock until a round has run.
        await Until.TrueAsync(() =>
        {
            Clock.Advance(interval);
            return Task.FromResult(done.Task.IsCompleted);
        }, "a round of Session Manager checks");
    }

    public async ValueTask DisposeAsync()
    {
        await Sts.DisposeAsync();
        await Ssm.DisposeAsync();
    }
}
