namespace SessionPolicy.Cli.Tests;

public sealed class TestCommandTests : TempFolder
{
    private const string Case = """
        cases:
          - name: production person
            request:
              principal: { id: alice, type: PRINCIPAL_TYPE_HUMAN }
              role: { arn: "arn:aws:iam::123456789012:role/Dev" }
              context: { environment: production, mfa: true }
            expect: { max_session: EXPECTED, profile: production-human }
        """;

    [Fact]
    public async Task Test_ShippedCases_AllPass()
    {
        var run = await CliRun.RunAsync(["test", CliRun.Shipped("default.yaml"), CliRun.Shipped("default.tests.yaml")]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("7 passed, 0 failed", run.Output);
    }

    [Fact]
    public async Task Test_Mismatch_ExitsOneSayingWhatDiffers()
    {
        var cases = Write("cases.yaml", Case.Replace("EXPECTED", "2h"));

        var run = await CliRun.RunAsync(["test", CliRun.Shipped("default.yaml"), cases]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("FAIL production person (cases.yaml:2)", run.Output);
        Assert.Contains("max_session: expected 7200s, got 3600s", run.Output);
        Assert.Contains("0 passed, 1 failed", run.Output);
    }

    [Fact]
    public async Task Test_Match_ExitsZero()
    {
        var cases = Write("cases.yaml", Case.Replace("EXPECTED", "1h"));

        var run = await CliRun.RunAsync(["test", CliRun.Shipped("default.yaml"), cases]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("1 passed, 0 failed", run.Output);
    }

    [Theory]
    [InlineData("cases: []\n", "non-empty list 'cases'")]
    [InlineData("cases:\n  - name: x\n    request: { principal: { id: a, type: PRINCIPAL_TYPE_ROBOT }, role: { arn: 'arn:aws:iam::123456789012:role/R' } }\n    expect: { max_session: 1h }\n", "request:")]
    [InlineData("cases:\n  - name: x\n    request: { principal: { id: a, type: PRINCIPAL_TYPE_HUMAN }, role: { arn: 'nope' } }\n    expect: { max_session: 1h }\n", "role.arn")]
    [InlineData("cases:\n  - name: x\n    request: { principal: { id: a, type: PRINCIPAL_TYPE_HUMAN }, role: { arn: 'arn:aws:iam::123456789012:role/R' } }\n    expect: { max_session: soon }\n", "expect.max_session")]
    [InlineData("cases:\n  - name: x\n    request: { principal: { id: a, type: PRINCIPAL_TYPE_HUMAN }, role: { arn: 'arn:aws:iam::123456789012:role/R' } }\n    expect: { colour: blue }\n", "unknown key")]
    public async Task Test_BadCaseFile_ExitsTwoNamingTheProblem(string yaml, string message)
    {
        var cases = Write("cases.yaml", yaml);

        var run = await CliRun.RunAsync(["test", CliRun.Shipped("default.yaml"), cases]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task Test_InvalidPolicy_ExitsOneWithoutRunningCases()
    {
        var policy = Write("policy.yaml", "version: 1\n");
        var cases = Write("cases.yaml", Case.Replace("EXPECTED", "1h"));

        var run = await CliRun.RunAsync(["test", policy, cases]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no case was run", run.Error);
    }
}
