using Microsoft.Extensions.DependencyInjection;
using SessionPolicy.Server.Decisions;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Functional;

public sealed class PolicyReloadTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly PolicyServiceFactory _factory = new(Sample.OneHourPolicy);
    private SessionPolicyService.SessionPolicyServiceClient Client => new(_factory.Channel);
    private PolicyStore Store => _factory.Services.GetRequiredService<PolicyStore>();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task FileChanges_ToValidPolicy_NewVersionServedWithoutRestart()
    {
        var before = (await Client.DecideAsync(Sample.Human())).Decision;
        var changed = PolicyFiles.Next<PolicySnapshot>(h => Store.Changed += h, h => Store.Changed -= h, s => s.Version == PolicyFiles.VersionOf(Sample.TwoHourPolicy));

        await PolicyFiles.ReplaceAsync(_factory.PolicyPath!, Sample.TwoHourPolicy);
        var snapshot = await changed.WaitAsync(Patience);
        var after = (await Client.DecideAsync(Sample.Human())).Decision;

        Assert.Equal(3600, before.MaxSessionSeconds);
        Assert.Equal(7200, after.MaxSessionSeconds);
        Assert.Equal(snapshot.Version, after.PolicyVersion);
        Assert.NotEqual(before.PolicyVersion, after.PolicyVersion);
        Assert.Equal(DecisionSource.Computed, after.Source);
    }

    [Fact]
    public async Task FileChanges_ToInvalidPolicy_LastGoodKeepsServingAndErrorsAreVisible()
    {
        var before = (await Client.DecideAsync(Sample.Human())).Decision;
        const string broken = "version: 1\ndefaults: { max_session: 20h, idle_timeout: soon }\nprofiles: oops\n";
        var rejected = PolicyFiles.Next<RejectedPolicy>(h => Store.Rejected += h, h => Store.Rejected -= h, r => r.Version == PolicyFiles.VersionOf(broken));

        await PolicyFiles.ReplaceAsync(_factory.PolicyPath!, broken);
        var refusal = await rejected.WaitAsync(Patience);
        var after = (await Client.DecideAsync(Sample.Human())).Decision;
        var info = await Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());

        Assert.Equal(before.PolicyVersion, after.PolicyVersion);
        Assert.Equal(3600, after.MaxSessionSeconds);
        Assert.Equal(before.PolicyVersion, info.Version);
        Assert.Equal(_factory.PolicyPath, info.Source);
        Assert.Equal([(2, "defaults.idle_timeout"), (3, "profiles")], info.LastRejectedErrors.Select(e => (e.Line, e.Path)));
        Assert.Equal(2, refusal.Errors.Count);
    }

    [Fact]
    public async Task FileRemoved_LastGoodKeepsServing()
    {
        var before = (await Client.DecideAsync(Sample.Human())).Decision;

        File.Delete(_factory.PolicyPath!);
        var reloaded = Store.Reload();
        var after = (await Client.DecideAsync(Sample.Human())).Decision;

        Assert.False(reloaded);
        Assert.Equal(before.PolicyVersion, after.PolicyVersion);
    }

    [Fact]
    public async Task Reload_SameContent_KeepsVersionAndCache()
    {
        var first = (await Client.DecideAsync(Sample.Human())).Decision;

        await File.WriteAllTextAsync(_factory.PolicyPath!, Sample.OneHourPolicy);
        var reloaded = Store.Reload();
        var second = (await Client.DecideAsync(Sample.Human())).Decision;

        Assert.False(reloaded);
        Assert.Equal(first.DecisionId, second.DecisionId);
    }



}

public sealed class PolicyStartupTests
{
    [Fact]
    public void Start_WithInvalidPolicy_RefusesToStartNamingEveryErrorWithItsLocation()
    {
        using var factory = new PolicyServiceFactory("version: 1\ndefaults: { max_session: 1h, idle_timeout: 15m }\nprofiles:\n  - { name: p, max_session: 1y, idle_timeout: 5m }\n  - { nam: q }\n");

        var ex = Assert.ThrowsAny<Exception>(() => factory.Server);
        var load = FindInner<PolicyLoadException>(ex);

        Assert.NotNull(load);
        Assert.Contains(":4:", load.Message);
        Assert.Contains(":5:", load.Message);
        Assert.Contains("profiles[0].max_session", load.Message);
    }

    [Fact]
    public void Start_WithMissingPolicyFile_RefusesToStartNamingTheSetting()
    {
        using var factory = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:Policy:Path"] = "/nonexistent/policy.yaml" });

        var ex = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("SessionPolicy:Policy:Path", FindInner<PolicyLoadException>(ex)?.Message);
    }

    [Fact]
    public void Start_WithBadSetting_RefusesToStartNamingTheKey()
    {
        using var factory = new PolicyServiceFactory(settings: new Dictionary<string, string?> { ["SessionPolicy:DecisionCache:MaxEntries"] = "-1" });

        var ex = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("SessionPolicy:DecisionCache:MaxEntries", ex.ToString());
    }

    private static T? FindInner<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T match) return match;
            if (ex is AggregateException agg && agg.InnerExceptions.Select(FindInner<T>).FirstOrDefault(e => e is not null) is { } inner) return inner;
        }
        return null;
    }
}
