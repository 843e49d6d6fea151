using System.Text.Json;
using SessionPolicy.Server.Tests.Helpers;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Cli.Tests;

/// <summary><c>policyctl credential-process</c> against the service and an STS-compatible endpoint.</summary>
public sealed class CredentialProcessCommandTests : IAsyncLifetime
{
    private StsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await StartAsync();

    public async Task DisposeAsync()
    {
        await _bed.DisposeAsync();
        Directory.Delete(_cache, recursive: true);
    }

    // Each test its own credential cache, removed with it.
    private readonly string _cache = Directory.CreateTempSubdirectory("credentials-").FullName;

    // A channel per run: each command disposes the one it is given.
    private Task<CliRun> Run(params string[] args) => CliRun.RunAsync(["credential-process", "--cache-dir", Path.Combine(_cache, "c"), .. args], _ =>
        Grpc.Net.Client.GrpcChannel.ForAddress(_bed.Server.Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = _bed.Server.Server.CreateHandler() }));

    [Fact]
    public async Task CredentialProcess_PrintsTheVersion1JsonAwsSdksRead()
    {
        var run = await Run("-p", "etl-nightly", "--type", "service", "-r", LongRole, "--requested", "1800", "--tag", "team=data");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, root.GetProperty("Version").GetInt32());
        Assert.StartsWith("ASIA", root.GetProperty("AccessKeyId").GetString());
        Assert.NotEmpty(root.GetProperty("SecretAccessKey").GetString()!);
        Assert.NotEmpty(root.GetProperty("SessionToken").GetString()!);
        var expiration = root.GetProperty("Expiration").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$", expiration);
        Assert.InRange((DateTimeOffset.Parse(expiration, System.Globalization.CultureInfo.InvariantCulture) - DateTimeOffset.UtcNow).TotalSeconds, 1500, 1805);

        var call = Assert.Single(_bed.Sts.Calls);
        Assert.Equal(1800, call.DurationSeconds);
        Assert.Equal("etl-nightly", call.RoleSessionName);
        Assert.Contains(new KeyValuePair<string, string>("team", "data"), call.Tags);
    }

    [Fact]
    public async Task CredentialProcess_Denied_PrintsNothingOnStdoutAndFails()
    {
        var run = await Run("-p", "etl-nightly", "--type", "service", "-r", LongRole, "--risk", "95");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains("PermissionDenied", run.Error);
        Assert.Empty(_bed.Sts.Calls);
    }

    [Fact]
    public async Task CredentialProcess_BadSessionName_ExitsOneWithTheFieldNamed()
    {
        var run = await Run("-p", "etl-nightly", "--type", "service", "-r", LongRole, "--session-name", "has spaces");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("InvalidArgument: role_session_name", run.Error);
    }

    private static readonly string[] Etl = ["-p", "etl-nightly", "--type", "service", "-r", LongRole, "--requested", "1800"];

    private string CacheFolder => Path.Combine(_cache, "c");

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task ASecondCall_GetsTheCachedCredentials_WithoutAnotherStsCall_FromAFileOnlyItsUserReads()
    {
        var first = await Run(Etl);
        var second = await Run(Etl);

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        Assert.Equal(first.Output, second.Output);
        Assert.Single(_bed.Sts.Calls);
        var file = Assert.Single(Directory.GetFiles(CacheFolder));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(CacheFolder));
        Assert.DoesNotContain(SecretAccessKey, File.ReadAllText(file));
    }

    [Fact]
    public async Task CredentialsAboutToExpire_AreIssuedAgain_AndTheEntryReplaced()
    {
        await Run(Etl);
        var file = Assert.Single(Directory.GetFiles(CacheFolder));
        var soon = DateTimeOffset.UtcNow.AddMinutes(4).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllText(file, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(file), "\"Expiration\": \"[^\"]+\"", $"\"Expiration\": \"{soon}\""));

        var run = await Run(Etl);

        Assert.Equal(2, _bed.Sts.Calls.Count);
        Assert.DoesNotContain(soon, run.Output);
        Assert.Equal(run.Output.Trim(), File.ReadAllText(file).Trim());
    }

    [Fact]
    public async Task NoCache_IssuesEveryTime_AndKeepsNothing()
    {
        await Run([.. Etl, "--no-cache"]);
        await Run([.. Etl, "--no-cache"]);

        Assert.Equal(2, _bed.Sts.Calls.Count);
        Assert.False(Directory.Exists(CacheFolder));
    }

    [Fact]
    public async Task OtherInputs_AreOtherEntries()
    {
        await Run(Etl);
        await Run("-p", "etl-nightly", "--type", "service", "-r", LongRole, "--requested", "2400");
        await Run(Etl);

        Assert.Equal(2, _bed.Sts.Calls.Count);
        Assert.Equal(2, Directory.GetFiles(CacheFolder).Length);
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task AFolderOthersMayRead_IsNeitherReadNorWritten()
    {
        Directory.CreateDirectory(CacheFolder);
        File.SetUnixFileMode(CacheFolder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var first = await Run(Etl);
        var second = await Run(Etl);

        Assert.Equal(0, second.ExitCode);
        Assert.Contains("credentials not cached", first.Error);
        Assert.Equal(2, _bed.Sts.Calls.Count);
        Assert.Empty(Directory.GetFiles(CacheFolder));
    }

    [Fact]
    public async Task ACorruptEntry_IsIssuedAgain()
    {
        await Run(Etl);
        File.WriteAllText(Assert.Single(Directory.GetFiles(CacheFolder)), "{\"Version\": 1, \"not\": ");

        var run = await Run(Etl);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(2, _bed.Sts.Calls.Count);
        using var json = JsonDocument.Parse(run.Output);
        Assert.StartsWith("ASIA", json.RootElement.GetProperty("AccessKeyId").GetString());
    }
}
