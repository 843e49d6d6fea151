using System.IO.Compression;
using System.Text.Json;

namespace SessionPolicy.Cli.Tests;

/// <summary>
/// <c>policyctl report</c> on fixture files in the AWS CLI's and CloudTrail's public formats, against the shipped policy:
/// four roles (a tagged batch role, an untagged read-only role, a production admin role, a legacy role only the
/// defaults cover), two trail files (one gzipped), and malformed inputs.
/// </summary>
public sealed class ReportCommandTests : TempFolder
{
    private const string Account = "123456789012";

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "report", name);

    private static readonly string Policy = CliRun.Shipped("default.yaml");

    private string GzippedTrail()
    {
        var path = Path.Combine(Folder.FullName, "123456789012_CloudTrail_us-east-1_20261130T1305Z_x.json.gz");
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(File.ReadAllBytes(Fixture("trail-2.json")));
        return path;
    }

    private Task<CliRun> Full(params string[] more) => CliRun.RunAsync(["report", Policy, "--roles", Fixture("list-roles.json"),
        "--role-details", Fixture("get-role-batch.json"), "--role-details", Fixture("get-role-others.json"),
        "--trail", Fixture("trail-1.json"), "--trail", GzippedTrail(), .. more]);

    [Fact]
    public async Task Json_GivesEachRolesMaximumDecisionCoverageAndRequestedDurations()
    {
        var run = await Full("--format", "json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Output);
        var roles = doc.RootElement.GetProperty("roles").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(["Batch", "Legacy", "ReadOnly", "ProdAdmin"], roles.Keys);

        // Tagged batch, in development: the batch profile's 12 h, which the trail asked for.
        var batch = roles["Batch"];
        Assert.Equal(43200, batch.GetProperty("decidedSeconds").GetInt32());
        Assert.Equal("explicit", batch.GetProperty("coverage").GetString());
        Assert.Equal(["etl-nightly"], batch.GetProperty("principals").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(0, batch.GetProperty("findings").GetArrayLength());

        // No tags, no trail: a person and a workload in each environment; 8 h outside production, defaults for workloads.
        var readOnly = roles["ReadOnly"];
        Assert.Equal(28800, readOnly.GetProperty("decidedSeconds").GetInt32());
        Assert.Equal("partial", readOnly.GetProperty("coverage").GetString());
        Assert.Contains("default", readOnly.GetProperty("profiles").EnumerateArray().Select(p => p.GetString()));
        var finding = Assert.Single(readOnly.GetProperty("findings").EnumerateArray());
        Assert.Equal("role-maximum-above-decision", finding.GetProperty("rule").GetString());
        Assert.Equal("error", finding.GetProperty("level").GetString());
        Assert.Equal("aws iam update-role --role-name ReadOnly --max-session-duration 28800", finding.GetProperty("fix").GetString());

        // Alice in production (the role's Environment tag, an alias), a privileged role: 1 h; she asked for 2 h once.
        var admin = roles["ProdAdmin"];
        Assert.Equal(3600, admin.GetProperty("decidedSeconds").GetInt32());
        var requested = admin.GetProperty("requested");
        Assert.Equal(2, requested.GetProperty("count").GetInt64());
        Assert.Equal(3600, requested.GetProperty("medianSeconds").GetInt32());
        Assert.Equal(7200, requested.GetProperty("maxSeconds").GetInt32());
        Assert.Equal(1, requested.GetProperty("aboveDecision").GetInt64());
        Assert.Equal(["role-maximum-above-decision", "requested-duration-above-decision"],
            admin.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("rule").GetString()));
        Assert.All(admin.GetProperty("findings").EnumerateArray(), f =>
            Assert.Equal("aws iam update-role --role-name ProdAdmin --max-session-duration 3600", f.GetProperty("fix").GetString()));

        // A workload outside production on an untagged role: only the defaults; its 1 h maximum is as short as IAM allows.
        var legacy = roles["Legacy"];
        Assert.Equal("defaults", legacy.GetProperty("coverage").GetString());
        Assert.Equal(["covered-by-defaults-only"], legacy.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("rule").GetString()));

        var coverage = doc.RootElement.GetProperty("coverage");
        Assert.Equal(2, coverage.GetProperty("explicit").GetInt32());
        Assert.Equal(0.5, coverage.GetProperty("share").GetDouble());
        var trail = doc.RootElement.GetProperty("trail");
        Assert.Equal(8, trail.GetProperty("records").GetInt64());
        Assert.Equal(5, trail.GetProperty("assumeRoleCalls").GetInt64());
        Assert.Equal(1, trail.GetProperty("callsForUnknownRoles").GetInt64());
    }

    [Fact]
    public async Task Table_ListsEveryRole_TheFindingsWithTheirFix_AndTheCoverageKpi()
    {
        var run = await Full();

        Assert.True(run.ExitCode == 0, run.Error);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd()).ToList();
        Assert.StartsWith("ROLE", lines[0]);
        Assert.Matches($@"^arn:aws:iam::{Account}:role/ReadOnly\s+43200\s+28800 partial\s+0\s+-\s+-\s+error\s+default,production-automation,production-human,workforce-human$", lines.Single(l => l.Contains("role/ReadOnly ")));
        Assert.Contains($"error role-maximum-above-decision arn:aws:iam::{Account}:role/ReadOnly: MaxSessionDuration is 43200 s (12h), above the longest session the policy decides for this role (28800 s (8h))", run.Output);
        Assert.Contains("  fix: aws iam update-role --role-name ProdAdmin --max-session-duration 3600", lines);
        Assert.Contains("coverage: 2 of 4 roles (50.0%) covered by an explicit profile", lines);
        Assert.Contains("findings: 2 errors, 1 warnings, 1 notes", lines);
        Assert.Contains("trail: 8 records, 5 AssumeRole calls, 1 for roles not in the role list", lines);
    }

    [Fact]
    public async Task Sarif_IsSarif210_WithOneResultPerFinding_LocatedAtThePolicyAndTheRole()
    {
        var run = await Full("--format", "sarif");

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Output);
        Assert.Equal("2.1.0", doc.RootElement.GetProperty("version").GetString());
        var sarifRun = Assert.Single(doc.RootElement.GetProperty("runs").EnumerateArray());
        var rules = sarifRun.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        var results = sarifRun.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        foreach (var result in results)
        {
            var rule = result.GetProperty("ruleId").GetString();
            Assert.Equal(rules.IndexOf(rule), result.GetProperty("ruleIndex").GetInt32());
            Assert.Contains(result.GetProperty("level").GetString(), new[] { "error", "warning", "note" });
            var location = Assert.Single(result.GetProperty("locations").EnumerateArray());
            Assert.EndsWith("default.yaml", location.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.StartsWith($"arn:aws:iam::{Account}:role/", location.GetProperty("logicalLocations")[0].GetProperty("fullyQualifiedName").GetString());
        }
        Assert.Equal(2, results.Count(r => r.GetProperty("level").GetString() == "error"));
    }

    [Theory]
    [InlineData("error", 1)]
    [InlineData("warning", 1)]
    [InlineData("note", 1)]
    public async Task FailOn_ExitsOne_WhenAFindingOfThatLevelOrAboveIsReported(string level, int exit)
    {
        var run = await Full("--fail-on", level);

        Assert.Equal(exit, run.ExitCode);
        Assert.Contains("coverage:", run.Output);
    }

    [Fact]
    public async Task FailOn_ExitsZero_WhenNoFindingReachesTheLevel()
    {
        // Only the batch role, whose maximum and requests match what the policy decides.
        var roles = Write("batch-only.json", """{"Roles":[{"RoleName":"Batch","Arn":"arn:aws:iam::123456789012:role/Batch","MaxSessionDuration":43200}]}""");

        var run = await CliRun.RunAsync(["report", Policy, "--roles", roles, "--role-details", Fixture("get-role-batch.json"), "--trail", Fixture("trail-1.json"), "--fail-on", "note"]);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("findings: 0 errors, 0 warnings, 0 notes", run.Output);
    }

    [Fact]
    public async Task ATrailFolder_IsSearchedForCloudTrailFiles()
    {
        var folder = Directory.CreateDirectory(Path.Combine(Folder.FullName, "AWSLogs", Account, "CloudTrail", "us-east-1", "2026", "11", "30")).FullName;
        File.Copy(Fixture("trail-1.json"), Path.Combine(folder, "a.json"));
        File.Copy(GzippedTrail(), Path.Combine(folder, "b.json.gz"));
        File.WriteAllText(Path.Combine(folder, "README.txt"), "not a trail");

        var run = await CliRun.RunAsync(["report", Policy, "--roles", Fixture("list-roles.json"), "--trail", Path.Combine(Folder.FullName, "AWSLogs"), "--format", "json"]);

        Assert.True(run.ExitCode == 0, run.Error);
        using var doc = JsonDocument.Parse(run.Output);
        Assert.Equal(5, doc.RootElement.GetProperty("trail").GetProperty("assumeRoleCalls").GetInt64());
    }

    [Theory]
    [InlineData("trail-truncated.json", "trail-truncated.json: Records[1]: ends before its Records list is closed: a truncated file?")]
    [InlineData("trail-bad-duration.json", "trail-bad-duration.json: Records[1]: has a requestParameters.durationSeconds that is not a whole number of seconds")]
    public async Task AMalformedTrail_IsOneErrorNamingTheFileAndRecord_AndNothingIsPrinted(string fixture, string message)
    {
        var run = await CliRun.RunAsync(["report", Policy, "--roles", Fixture("list-roles.json"), "--trail", Fixture("trail-1.json"), "--trail", Fixture(fixture)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.EndsWith(message, run.Error.Trim());
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("""{"Records":[{"eventName":"AssumeRole","eventSource":"sts.amazonaws.com","requestParameters":{"durationSeconds":900}}]}""", "Records[0]: is an AssumeRole record without requestParameters.roleArn")]
    [InlineData("""{"Records":[1]}""", "Records[0]: is not an object")]
    [InlineData("""{"Records":{}}""", "Records: is not a list")]
    [InlineData("""[{"Records":[]}]""", "top level: is not a CloudTrail log file")]
    [InlineData("""{"Records":[]}{"Records":[]}""", "holds more than one JSON value")]
    [InlineData("""{"Records":[{"eventName":"AssumeRole"},""", "ends before its Records list is closed")]
    [InlineData("""{"Records":[{"eventName":"AssumeRole","eventSource":"sts.amazonaws.com","requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/Batch","durationSeconds":-5}}]}""", "Records[0]: has a requestParameters.durationSeconds")]
    public async Task AHostileTrailRecord_IsRefusedByName(string trail, string message)
    {
        var file = Write("trail.json", trail);

        var run = await CliRun.RunAsync(["report", Policy, "--roles", Fixture("list-roles.json"), "--trail", file]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task ARecordLargerThanTheLimit_IsRefused_NotBuffered()
    {
        var file = Path.Combine(Folder.FullName, "huge.json");
        using (var writer = new StreamWriter(file))
        {
            writer.Write("""{"Records":[{"eventName":"x","padding":" """);
            writer.Write(new string('a', 2 * 1024 * 1024));
            writer.Write("\"}]}");
        }

        var run = await CliRun.RunAsync(["report", Policy, "--roles", Fixture("list-roles.json"), "--trail", file]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("huge.json: Records[0]: is larger than 1048576 bytes", run.Error);
    }

    [Fact]
    public async Task AGzipFileThatIsNotGzip_IsRefused()
    {
        var file = Path.Combine(Folder.FullName, "bad.json.gz");
        // A gzip header, then a deflate block of the reserved type.
        File.WriteAllBytes(file, [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

        var run = await CliRun.RunAsync(["report", Policy, "--roles", Fixture("list-roles.json"), "--trail", file]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("bad.json.gz: file: is not a valid gzip file", run.Error);
    }

    [Theory]
    [InlineData("list-roles-bad-maximum.json", "list-roles-bad-maximum.json: Roles[1].MaxSessionDuration: 86400 is outside IAM's 3600..43200 seconds")]
    public async Task AMalformedRoleList_IsOneErrorNamingTheFileAndRecord(string fixture, string message)
    {
        var run = await CliRun.RunAsync(["report", Policy, "--roles", Fixture(fixture)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.EndsWith(message, run.Error.Trim());
    }

    [Theory]
    [InlineData("""{"Roles":[{"Arn":"arn:aws:iam::123456789012:user/alice","MaxSessionDuration":3600}]}""", "Roles[0].Arn: ")]
    [InlineData("""{"Roles":[{"Arn":"arn:aws:iam::123456789012:role/A"}]}""", "Roles[0]: arn:aws:iam::123456789012:role/A has no MaxSessionDuration")]
    [InlineData("""{"Roles":[{"Arn":"arn:aws:iam::123456789012:role/A","RoleName":"B","MaxSessionDuration":3600}]}""", "Roles[0].RoleName: B is not the name in")]
    [InlineData("""{"Roles":[{"Arn":"arn:aws:iam::123456789012:role/A","MaxSessionDuration":3600,"Tags":[{"Key":"k"}]}]}""", "Roles[0].Tags[0]: is not a")]
    [InlineData("""{"Users":[]}""", "top level: expected the output of 'aws iam list-roles'")]
    [InlineData("""{"Roles":[""", "line 1: not JSON")]
    public async Task AHostileRoleRecord_IsRefusedByName(string roles, string message)
    {
        var file = Write("roles.json", roles);

        var run = await CliRun.RunAsync(["report", Policy, "--roles", file]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("", run.Output);
        Assert.Contains(message, run.Error);
    }

    [Theory]
    [InlineData("--format", "xml", "--format xml: not one of table, json, sarif")]
    [InlineData("--fail-on", "critical", "--fail-on critical: not one of error, warning, note")]
    public async Task AnUnknownFormatOrLevel_IsRefused(string option, string value, string message)
    {
        var run = await CliRun.RunAsync(["report", Policy, "--roles", Fixture("list-roles.json"), option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error);
    }

    [Fact]
    public async Task ValidateRoleMaximums_ReadsTheSameRoleList_AndRefusesAMalformedOne()
    {
        var run = await CliRun.RunAsync(["validate", Policy, "--role-maximums", Fixture("list-roles-bad-maximum.json")]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Roles[1].MaxSessionDuration: 86400 is outside IAM's 3600..43200 seconds", run.Error);
    }
}
