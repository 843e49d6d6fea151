using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SessionPolicy.Core.Policies;
using SessionPolicy.Server.Policies;
using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Hostile;

/// <summary>The watched policy file is untrusted: nothing it holds stops the service or later files, and every refusal is visible.</summary>
public sealed class PolicyFileTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly PolicyServiceFactory _factory = new(Sample.OneHourPolicy);
    private SessionPolicyService.SessionPolicyServiceClient Client => new(_factory.Channel);
    private PolicyStore Store => _factory.Services.GetRequiredService<PolicyStore>();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task DeeplyNestedFile_IsRefused_AndAGoodFileAfterItLoads()
    {
        await Client.DecideAsync(Sample.Human());
        var deep = "version: 1\nprofiles: " + new string('[', 30_000) + new string(']', 30_000) + "\n";
        var refused = PolicyFiles.Next<RejectedPolicy>(h => Store.Rejected += h, h => Store.Rejected -= h, r => r.Version == PolicyFiles.VersionOf(deep));
        await PolicyFiles.ReplaceAsync(_factory.PolicyPath!, deep);
        var refusal = await refused.WaitAsync(Patience);

        var changed = PolicyFiles.Next<PolicySnapshot>(h => Store.Changed += h, h => Store.Changed -= h, s => s.Version == PolicyFiles.VersionOf(Sample.TwoHourPolicy));
        await PolicyFiles.ReplaceAsync(_factory.PolicyPath!, Sample.TwoHourPolicy);
        await changed.WaitAsync(Patience);
        var after = (await Client.DecideAsync(Sample.Human())).Decision;

        Assert.Contains("nested deeper", Assert.Single(refusal.Errors).Message);
        Assert.Equal(7200, after.MaxSessionSeconds);
    }

    [Fact]
    public async Task AliasBomb_IsRefused_AndAGoodFileAfterItLoads()
    {
        var bomb = new StringBuilder("version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 10; i++) bomb.Append($"a{i}: &a{i} {{ ? *a{i - 1} : [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}] }}\n");
        var refused = PolicyFiles.Next<RejectedPolicy>(h => Store.Rejected += h, h => Store.Rejected -= h, r => r.Version == PolicyFiles.VersionOf(bomb.ToString()));
        await PolicyFiles.ReplaceAsync(_factory.PolicyPath!, bomb.ToString());
        await refused.WaitAsync(Patience);

        var changed = PolicyFiles.Next<PolicySnapshot>(h => Store.Changed += h, h => Store.Changed -= h, s => s.Version == PolicyFiles.VersionOf(Sample.TwoHourPolicy));
        await PolicyFiles.ReplaceAsync(_factory.PolicyPath!, Sample.TwoHourPolicy);
        await changed.WaitAsync(Patience);

        Assert.Equal(PolicyFiles.VersionOf(Sample.TwoHourPolicy), (await Client.GetPolicyInfoAsync(new GetPolicyInfoRequest())).Version);
    }

    public static TheoryData<string, string> Unreadable => new()
    {
        { "missing", "does not exist" },
        { "directory", "is a directory" },
        { "dangling link", "which does not exist" },
        { "too large", $"larger than {PolicyParser.MaxBytes} bytes" },
    };

    [Theory]
    [MemberData(nameof(Unreadable))]
    public async Task UnreadableFile_IsARejectedLoad_ShownByGetPolicyInfo(string how, string reason)
    {
        var before = await Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());
        var path = _factory.PolicyPath!;
        File.Delete(path);
        switch (how)
        {
            case "directory": Directory.CreateDirectory(path); break;
            case "dangling link": File.CreateSymbolicLink(path, path + ".gone"); break;
            case "too large": await File.WriteAllTextAsync(path, Sample.OneHourPolicy + "# " + new string('x', PolicyParser.MaxBytes) + "\n"); break;
        }

        var changed = Store.Reload();
        var info = await Client.GetPolicyInfoAsync(new GetPolicyInfoRequest());

        Assert.False(changed);
        Assert.Equal(before.Version, info.Version);
        Assert.Contains(reason, Assert.Single(info.LastRejectedErrors).Message);
        Assert.NotNull(info.LastRejectedAt);
    }



}

/// <summary>A file is applied only once it holds still (fake clock: each settle interval passes when the test says).</summary>
public sealed class StableReadTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private static PolicyFileRead Bytes(string text) => new("policy.yaml", Encoding.UTF8.GetBytes(text), null);

    /// <summary>Runs the read loop over <paramref name="reads"/>, one read per call, advancing the clock until it returns.</summary>
    private static async Task<(PolicyFileRead File, bool Stable, int Reads)> Run(string served, params PolicyFileRead[] reads)
    {
        var clock = new FakeTimeProvider();
        var n = 0;
        var task = PolicyReloadService.ReadWhenStableAsync(() => reads[Math.Min(n++, reads.Length - 1)], served, Settle, clock, CancellationToken.None);
        while (!task.IsCompleted)
        {
            clock.Advance(Settle);
            await Task.Yield();
        }
        var (file, stable) = await task;
        return (file, stable, n);
    }

    [Fact]
    public async Task FileWrittenInTwoSteps_WithinTheSettleInterval_IsAppliedWhole()
    {
        // The first half is valid on its own (the reproduction served it for 836 decisions): it is read, the rest
        // lands 1.5 s later, inside the interval, so the second read differs and a third confirms the whole.
        var half = Bytes(Sample.OneHourPolicy);
        var whole = Bytes(Sample.OneHourPolicy + "guardrails:\n  - { name: critical, when: { context: { risk_score_at_least: 90 } }, outcome: deny }\n");

        var (file, stable, reads) = await Run("sha256:served", half, whole, whole);

        Assert.True(stable);
        Assert.Same(whole, file);
        Assert.Equal(3, reads);
    }

    [Fact]
    public async Task FileThatKeepsChanging_IsNotApplied()
    {
        var reads = Enumerable.Range(0, 20).Select(i => Bytes($"# {i}\n")).ToArray();

        var (_, stable, count) = await Run("sha256:served", reads);

        Assert.False(stable);
        Assert.Equal(PolicyReloadService.MaxUnsettledReads + 1, count);
    }

    [Fact]
    public async Task FileThatIsWhatIsServed_IsReadOnce()
    {
        var same = Bytes(Sample.OneHourPolicy);

        var (_, stable, reads) = await Run(same.Version, same);

        Assert.True(stable);
        Assert.Equal(1, reads);
    }
}
