using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Credentials;

/// <summary>When the service's own credentials are a role session, every session it assumes is capped at an hour.</summary>
public sealed class RoleChainingTests
{
    [Fact]
    public async Task ServiceIsARoleSession_Auto_AsksStsOnceAndCapsAtAnHour()
    {
        await using var bed = await StartAsync(callerArn: ServiceRoleSession);

        var first = await bed.Client.IssueSessionAsync(Request());
        var second = await bed.Client.IssueSessionAsync(Request(principal: "etl-hourly"));

        Assert.Equal([3600, 3600], bed.Sts.Calls.Select(c => c.DurationSeconds ?? 0));
        Assert.Equal(Constraint.RoleChaining, first.Decision.BindingConstraint);
        Assert.Equal(Constraint.RoleChaining, second.Decision.BindingConstraint);
        // One GetCallerIdentity, then the two AssumeRole calls.
        Assert.Equal(3, bed.Sts.Requests);
    }

    [Fact]
    public async Task ServiceIsAUser_Auto_DoesNotCap()
    {
        await using var bed = await StartAsync(callerArn: ServiceUser);

        var response = await bed.Client.IssueSessionAsync(Request());

        Assert.Equal(43200, Assert.Single(bed.Sts.Calls).DurationSeconds);
        Assert.NotEqual(Constraint.RoleChaining, response.Decision.BindingConstraint);
    }

    [Fact]
    public async Task ConfiguredNever_ButStsSaysRoleChaining_LearnsAndRetriesAtAnHour()
    {
        await using var bed = await StartAsync(callerArn: ServiceRoleSession, settings: new Dictionary<string, string?> { ["SessionPolicy:Sts:RoleChaining"] = "Never" });

        var response = await bed.Client.IssueSessionAsync(Request());

        Assert.Collection(bed.Sts.Calls,
            first => { Assert.Equal(43200, first.DurationSeconds); Assert.Equal("ValidationError", first.ErrorCode); },
            retry => { Assert.Equal(3600, retry.DurationSeconds); Assert.Null(retry.ErrorCode); });
        Assert.Equal(Constraint.RoleChaining, response.Decision.BindingConstraint);
        Assert.Contains("STS limits role chaining to 3600 s", response.Decision.Summary);
    }

    [Fact]
    public async Task ConfiguredAlways_CapsWithoutAsking()
    {
        await using var bed = await StartAsync(callerArn: ServiceUser, settings: new Dictionary<string, string?> { ["SessionPolicy:Sts:RoleChaining"] = "Always" });

        var response = await bed.Client.IssueSessionAsync(Request());

        Assert.Equal(3600, Assert.Single(bed.Sts.Calls).DurationSeconds);
        Assert.Equal(1, bed.Sts.Requests);
        Assert.Equal(Constraint.RoleChaining, response.Decision.BindingConstraint);
    }
}
