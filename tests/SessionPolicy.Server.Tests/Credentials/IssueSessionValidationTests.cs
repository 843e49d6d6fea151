using SessionPolicy.Server.Tests.Helpers;
using SessionPolicy.V1;
using static SessionPolicy.Server.Tests.Helpers.StsTestBed;

namespace SessionPolicy.Server.Tests.Credentials;

/// <summary>Everything real STS would refuse is refused before any call to it, naming the field.</summary>
public sealed class IssueSessionValidationTests(StsTestBedFixture fixture) : IClassFixture<StsTestBedFixture>
{
    private readonly StsTestBed _bed = fixture.Bed;

    private static Dictionary<string, string> Tags(int count) => Enumerable.Range(0, count).ToDictionary(i => $"t{i}", i => "v");

    public static TheoryData<string, Action<IssueSessionRequest>> BadRequests => new()
    {
        { "role_session_name", r => r.RoleSessionName = "" },
        { "role_session_name", r => r.RoleSessionName = "a" },
        { "role_session_name", r => r.RoleSessionName = new string('a', 65) },
        { "role_session_name", r => r.RoleSessionName = "alice smith" },
        { "role_session_name", r => r.RoleSessionName = "alice/ops" },
        { "role_session_name", r => r.RoleSessionName = "Jürgen" },
        { "source_identity", r => r.SourceIdentity = "x" },
        { "source_identity", r => r.SourceIdentity = new string('s', 65) },
        { "source_identity", r => r.SourceIdentity = "aws:alice" },
        { "source_identity", r => r.SourceIdentity = "AWS:alice" },
        { "source_identity", r => r.SourceIdentity = "alice#1" },
        { "session_tags", r => r.SessionTags.Add(Tags(50)) },
        { "session_tags[]", r => r.SessionTags.Add("", "v") },
        { "session_tags[" + new string('k', 32) + "...]", r => r.SessionTags.Add(new string('k', 129), "v") },
        { "session_tags[team]", r => r.SessionTags.Add("team", new string('v', 257)) },
        { "session_tags[team]", r => r.SessionTags.Add("team", "a<b") },
        { "session_tags[a*b]", r => r.SessionTags.Add("a*b", "v") },
        { "session_tags[aws:team]", r => r.SessionTags.Add("aws:team", "v") },
        { "session_tags[sessionpolicy:session-id]", r => r.SessionTags.Add("sessionpolicy:session-id", "mine") },
        { "session_tags[team]", r => { r.SessionTags.Add("Team", "a"); r.SessionTags.Add("team", "b"); } },
        { "transitive_tag_keys[0]", r => r.TransitiveTagKeys.Add("team") },
        { "transitive_tag_keys", r => { r.SessionTags.Add("team", "a"); r.TransitiveTagKeys.Add(Enumerable.Repeat("team", 51)); } },
        { "external_id", r => r.ExternalId = "x" },
        { "external_id", r => r.ExternalId = new string('e', 1225) },
        { "external_id", r => r.ExternalId = "id with spaces" },
        { "policy_arns", r => r.PolicyArns.Add(Enumerable.Range(0, 11).Select(i => $"arn:aws:iam::aws:policy/P{i}")) },
        { "policy_arns[0]", r => r.PolicyArns.Add("arn:aws:iam::123456789012:role/NotAPolicy") },
        { "policy_arns[1]", r => r.PolicyArns.Add(["arn:aws:iam::aws:policy/ReadOnlyAccess", "ReadOnlyAccess"]) },
        { "inline_policy", r => r.InlinePolicy = "{" + new string(' ', 2048) + "}" },
        { "inline_policy", r => r.InlinePolicy = "{\"Version\":\"2012-10-17\",\"Statement\":\"\u20ac\"}" },
        { "principal", r => r.Principal = null },
        { "role.arn", r => r.Role.Arn = "arn:aws:iam::123456789012:user/bob" },
        { "context.risk_score", r => r.Context.RiskScore = 101 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task IssueSession_BadField_IsInvalidArgumentNamingItAndCallsNoSts(string field, Action<IssueSessionRequest> spoil)
    {
        var request = Request();
        spoil(request);
        var before = _bed.Sts.Calls.Count;

        await RpcAssert.InvalidArgumentAsync(() => _bed.Client.IssueSessionAsync(request).ResponseAsync, field);

        Assert.Equal(before, _bed.Sts.Calls.Count);
    }

    [Fact]
    public async Task IssueSession_AtEveryLimit_IsAccepted()
    {
        var request = Request();
        request.RoleSessionName = new string('n', 64);
        request.SourceIdentity = "a=b,c.d@e-f+g_h";
        request.SessionTags.Add(Enumerable.Range(0, 48).ToDictionary(i => $"t{i}", i => "v"));
        request.SessionTags.Add(new string('k', 128), new string('v', 256));
        request.TransitiveTagKeys.Add(["t0", "T1"]);
        request.ExternalId = new string('e', 1224);
        request.PolicyArns.Add(Enumerable.Range(0, 10).Select(i => $"arn:aws:iam::aws:policy/P{i}"));
        _bed.Sts.PackedLimitBytes = 1 << 20;

        var response = await _bed.Client.IssueSessionAsync(request);

        Assert.NotEmpty(response.SessionId);
        Assert.Equal(50, _bed.Sts.Calls[^1].Tags.Count);
    }
}
