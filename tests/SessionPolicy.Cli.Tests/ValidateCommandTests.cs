namespace SessionPolicy.Cli.Tests;

public sealed class ValidateCommandTests : TempFolder
{
    [Fact]
    public async Task Validate_ShippedDefault_ExitsZeroWithVersion()
    {
        var run = await CliRun.RunAsync(["validate", CliRun.Shipped("default.yaml")]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("default.yaml: ok: version sha256:", run.Output);
    }

    [Fact]
    public async Task Validate_BrokenPolicy_ExitsOneListingEveryErrorWithLocation()
    {
        var path = Write("bad.yaml", "version: 1\ndefaults: { max_session: 1h, idle_timeout: later }\nprofiles:\n  - { name: p, max_session: 2h, idle_timeout: 5m, match: { context: { channels: [fax] } } }\n");

        var run = await CliRun.RunAsync(["validate", path]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("bad.yaml:2:44: error: defaults.idle_timeout:", run.Output);
        Assert.Contains("bad.yaml:4:", run.Output);
        Assert.Contains("profiles[0].match.context.channels[0]", run.Output);
        Assert.Contains("refused: 2 errors", run.Output);
    }

    [Fact]
    public async Task Validate_Warnings_PassUnlessWarningsAreErrors()
    {
        var path = Write("warn.yaml", "version: 1\ndefaults: { max_session: 1h, idle_timeout: none }\n");

        var lenient = await CliRun.RunAsync(["validate", path]);
        var strict = await CliRun.RunAsync(["validate", "--warnings-as-errors", path]);

        Assert.Equal(0, lenient.ExitCode);
        Assert.Contains("warning: defaults.idle_timeout", lenient.Output);
        Assert.Equal(1, strict.ExitCode);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwo()
    {
        var run = await CliRun.RunAsync(["validate", Path.Combine(Folder.FullName, "absent.yaml")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("cannot read", run.Error);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("test")]
    [InlineData("decide")]
    [InlineData("explain")]
    public async Task Help_EveryCommand_DescribesItself(string command)
    {
        var run = await CliRun.RunAsync([command, "--help"]);

        Assert.Equal(0, run.ExitCode);
        // The program name in the usage line is the host's (policyctl, or the test host here).
        Assert.Matches($@"Usage:\s+\S+ {command}", run.Output);
        Assert.Contains("Options:", run.Output);
    }

    [Fact]
    public async Task UnknownCommand_ExitsNonZero()
    {
        var run = await CliRun.RunAsync(["frobnicate"]);

        Assert.NotEqual(0, run.ExitCode);
    }
}
